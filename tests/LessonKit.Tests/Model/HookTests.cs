using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

public class HookTests : IClassFixture<TinyModelFixture>
{
    private readonly HookedGpt2 _model;
    private readonly Tensor _tokens;
    private int T => (int)_tokens.shape[1];

    public HookTests(TinyModelFixture tiny)
    {
        _model = tiny.Model;
        _tokens = TinyGpt2.ReferenceTokens();
    }

    [Fact]
    public void CacheHoldsEveryHookPointWithTransformerLensShapes()
    {
        var (logits, cache) = _model.RunWithCache(_tokens);
        using var _ = logits;
        using var __ = cache;
        var c = _model.Config;
        Assert.Equal(HookNames.All(c.NLayers), cache.Keys.ToList());
        long[] resid = [1, T, c.DModel], perHead = [1, T, c.NHeads, c.DHead], square = [1, c.NHeads, T, T], scale = [1, T, 1], mlp = [1, T, c.DMlp];
        Assert.Equal(resid, cache["hook_embed"].shape);
        Assert.Equal(resid, cache["hook_pos_embed"].shape);
        for (int l = 0; l < c.NLayers; l++)
        {
            foreach (var name in new[] { "hook_resid_pre", "ln1.hook_normalized", "hook_attn_out", "hook_resid_mid", "ln2.hook_normalized", "hook_mlp_out", "hook_resid_post" })
                Assert.Equal(resid, cache[$"blocks.{l}.{name}"].shape);
            foreach (var name in new[] { "q", "k", "v", "z" }) Assert.Equal(perHead, cache[name, l].shape);
            Assert.Equal(square, cache["attn_scores", l].shape);
            Assert.Equal(square, cache["pattern", l].shape);
            Assert.Equal(scale, cache["scale", l, "ln1"].shape);
            Assert.Equal(scale, cache["scale", l, "ln2"].shape);
            Assert.Equal(mlp, cache["pre", l].shape);
            Assert.Equal(mlp, cache["post", l].shape);
        }
        Assert.Equal(scale, cache["ln_final.hook_scale"].shape);
        Assert.Equal(resid, cache["ln_final.hook_normalized"].shape);
    }

    [Fact]
    public void ActivationsAreConsistentWithEachOther()
    {
        var (logits, cache) = _model.RunWithCache(_tokens);
        using var _ = logits;
        using var __ = cache;
        // The residual stream adds up: resid_mid = resid_pre + attn_out, resid_post = resid_mid + mlp_out.
        TensorAssert.Close(cache["resid_mid", 0], cache["resid_pre", 0] + cache["attn_out", 0], 1e-6, "resid_mid");
        TensorAssert.Close(cache["resid_post", 0], cache["resid_mid", 0] + cache["mlp_out", 0], 1e-6, "resid_post");
        TensorAssert.Close(cache["resid_pre", 0], cache["embed"] + cache["pos_embed"], 1e-6, "resid_pre 0");
        TensorAssert.Close(cache["resid_pre", 1], cache["resid_post", 0], 0, "resid_pre 1 is resid_post 0");
        // Scores are masked with -inf above the diagonal; the pattern is their softmax and is causal.
        var scores = cache["attn_scores", 1];
        Assert.True(double.IsNegativeInfinity(scores[0, 0, 0, 1].ToDouble()));
        TensorAssert.Close(cache["pattern", 1], scores.softmax(-1), 1e-7, "pattern = softmax(scores)");
        TensorAssert.Close(cache["pattern", 1].sum(-1), torch.ones(1, _model.Config.NHeads, T), 1e-5, "rows sum to 1");
        // The scale is the standard deviation LayerNorm divides by.
        var x = cache["resid_pre", 0];
        TensorAssert.Close(cache["scale", 0, "ln1"], (x.var([-1], unbiased: false, keepdim: true) + 1e-5).sqrt(), 1e-6, "ln1 scale");
    }

    [Fact]
    public void ShortNamesAndNegativeLayersResolve()
    {
        var (logits, cache) = _model.RunWithCache(_tokens);
        using var _ = logits;
        using var __ = cache;
        Assert.Same(cache["blocks.1.attn.hook_pattern"], cache["pattern", 1]);
        Assert.Same(cache["blocks.1.attn.hook_pattern"], cache["pattern", -1]);
        Assert.Same(cache["blocks.0.mlp.hook_post"], cache["post", -2]);
        Assert.Same(cache["ln_final.hook_scale"], cache["scale"]);
        Assert.Same(cache["hook_embed"], cache["embed"]);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache["pattern", 2]);
        Assert.Throws<ArgumentOutOfRangeException>(() => cache["pattern", -3]);
        var ambiguous = Assert.Throws<ArgumentException>(() => cache["scale", 0]);
        Assert.Contains("ln1", ambiguous.Message);
        var unknown = Assert.Throws<KeyNotFoundException>(() => cache["blocks.0.attn.hook_patern"]);
        Assert.Contains("blocks.0.attn.hook_pattern", unknown.Message);
        using var stacked = cache.Stack("pattern");
        Assert.Equal(new long[] { 2, 1, 4, T, T }, stacked.shape);
    }

    [Fact]
    public void NamesFilterCachesOnlyWhatIsAsked()
    {
        var (logits, cache) = _model.RunWithCache(_tokens, name => name.EndsWith("hook_pattern"));
        using var _ = logits;
        using var __ = cache;
        Assert.Equal(["blocks.0.attn.hook_pattern", "blocks.1.attn.hook_pattern"], cache.Keys.ToArray());
        var missing = Assert.Throws<KeyNotFoundException>(() => cache["resid_post", 0]);
        Assert.Contains("not cached", missing.Message);

        var (logits2, byName) = _model.RunWithCache(_tokens, ["blocks.0.hook_resid_post", "hook_embed"]);
        using var ___ = logits2;
        using var ____ = byName;
        Assert.Equal(["hook_embed", "blocks.0.hook_resid_post"], byName.Keys.ToArray());
        var (logits3, shortNames) = _model.RunWithCache(_tokens, ["embed", "scale"]);
        using var _____ = logits3;
        using (shortNames) Assert.Equal(["hook_embed", "ln_final.hook_scale"], shortNames.Keys.ToArray());
        using var byShortName = _model.RunWithHooks(_tokens, ("embed", (act, hook) => act * 0));
        using var byFullName = _model.RunWithHooks(_tokens, ("hook_embed", (act, hook) => act * 0));
        Assert.True(TensorAssert.Identical(byShortName, byFullName), "RunWithHooks takes the same names as RunWithCache");
        var inBlock = Assert.Throws<ArgumentException>(() => _model.RunWithCache(_tokens, ["pattern"]));
        Assert.Contains("'blocks.0.attn.hook_pattern'", inBlock.Message);
        var bad = Assert.Throws<ArgumentException>(() => _model.RunWithCache(_tokens, ["blocks.0.hook_resid_pots"]));
        Assert.Contains("blocks.0.hook_resid_post", bad.Message);
    }

    [Fact]
    public void DisposingTheCacheFreesEveryTensor()
    {
        var (logits, cache) = _model.RunWithCache(_tokens);
        logits.Dispose();
        var tensors = cache.Values.ToList();
        Assert.NotEmpty(tensors);
        cache.Dispose();
        Assert.All(tensors, t => Assert.True(t.IsInvalid));
        Assert.Contains("Run model.RunWithCache again", Assert.Throws<ObjectDisposedException>(() => cache["pattern", 0]).Message);
        Assert.Throws<ObjectDisposedException>(() => cache.Keys);
    }

    [Fact]
    public void HooksCanReadAndReplaceActivations()
    {
        using var plain = _model.Forward(_tokens);
        var seen = new List<string>();
        using var unchanged = _model.RunWithHooks(_tokens,
            ("blocks.0.attn.hook_pattern", (act, hook) => { seen.Add($"{hook.Name}@{hook.Layer}:{string.Join("x", act.shape)}"); return null; }),
            ("blocks.1.hook_resid_post", (act, hook) => act));
        Assert.True(TensorAssert.Identical(plain, unchanged));
        Assert.Equal([$"blocks.0.attn.hook_pattern@0:1x4x{T}x{T}"], seen);

        // Zeroing every head's pattern in layer 1 is the same as removing layer 1's attention output except its bias.
        using var ablated = _model.RunWithHooks(_tokens, ("blocks.1.attn.hook_pattern", (act, hook) => act * 0));
        Assert.False(plain.allclose(ablated, rtol: 0, atol: 1e-3));
        var (_, cache) = _model.RunWithHooksAndCache(_tokens, n => n == "blocks.1.attn.hook_z", ("blocks.1.attn.hook_pattern", (act, hook) => act * 0));
        using (cache) Assert.Equal(0, cache["z", 1].abs().max().ToDouble());
    }

    [Fact]
    public void NoOpHooksOnEveryPointChangeNoNumber()
    {
        // A hook that reads, returns null, returns the activation or an equal copy: the logits stay bit-identical,
        // on a whole prompt and on a KV-cache step (which takes other code paths).
        HookFunction[] noOps = [(act, hook) => null, (act, hook) => act, (act, hook) => act.clone(), (act, hook) => act * 1];
        using var plain = _model.Forward(_tokens);
        foreach (var noOp in noOps)
        {
            var everywhere = _model.HookPointNames.Select(name => (name, noOp)).ToArray();
            using var hooked = _model.RunWithHooks(_tokens, everywhere);
            Assert.True(TensorAssert.Identical(plain, hooked));

            using var cache = _model.NewKeyValueCache();
            using var cachedHooked = _model.NewKeyValueCache();
            using var prefix = _model.ForwardWithCache(_tokens[.., ..^1], cache);
            using var prefixHooked = _model.ForwardWithCache(_tokens[.., ..^1], cachedHooked, everywhere);
            using var step = _model.ForwardWithCache(_tokens[.., ^1..], cache);
            using var stepHooked = _model.ForwardWithCache(_tokens[.., ^1..], cachedHooked, everywhere);
            Assert.True(TensorAssert.Identical(prefix, prefixHooked));
            Assert.True(TensorAssert.Identical(step, stepHooked));
        }
    }

    [Fact]
    public void AScaleHookRenormalizes()
    {
        // Doubling the final LayerNorm's scale halves the normalized vector before LayerNorm's weight and bias:
        // normalized' - b = (normalized - b) / 2.
        var (logits, cache) = _model.RunWithHooksAndCache(_tokens, name => name.StartsWith("ln_final", StringComparison.Ordinal));
        using var _ = logits;
        var (logits2, doubled) = _model.RunWithHooksAndCache(_tokens, name => name.StartsWith("ln_final", StringComparison.Ordinal),
            ("ln_final.hook_scale", (act, hook) => act * 2));
        using var __ = logits2;
        using (cache)
        using (doubled)
        {
            var bias = _model.Weights["ln_f.bias"];
            TensorAssert.Close(doubled["scale"], cache["scale"] * 2, 1e-6, "the hooked scale is cached");
            TensorAssert.Close(doubled["normalized"] - bias, (cache["normalized"] - bias) / 2, 1e-5, "normalized by the doubled scale");
        }
        // Patching one position's scale changes that position only: every other one keeps the fused output exactly.
        var (_, patched) = _model.RunWithHooksAndCache(_tokens, name => name == "ln_final.hook_normalized",
            ("ln_final.hook_scale", (act, hook) => { act[.., 2].mul_(2); return null; }));
        var (_, plain) = _model.RunWithHooksAndCache(_tokens, name => name == "ln_final.hook_normalized");
        using (patched)
        using (plain)
        {
            var changed = patched["normalized"].ne(plain["normalized"]).any(-1)[0]; // [pos]: which positions differ
            Assert.Equal(Enumerable.Range(0, T).Select(p => p == 2), changed.data<bool>().ToArray());
        }
        // In place works the same way.
        using var inPlace = _model.RunWithHooks(_tokens, ("ln_final.hook_scale", (act, hook) => { act.mul_(2); return null; }));
        TensorAssert.Close(inPlace, logits2, 1e-5, "an in-place doubling");
    }

    [Fact]
    public void HookErrorsAreClearAndLeaveNothingBehind()
    {
        using var before = _model.Forward(_tokens);
        var thrown = Assert.Throws<HookException>(() => _model.RunWithHooks(_tokens,
            ("blocks.0.hook_mlp_out", (act, hook) => throw new InvalidOperationException("boom"))));
        Assert.Contains("blocks.0.hook_mlp_out", thrown.Message);
        Assert.Contains("boom", thrown.Message);
        Assert.IsType<InvalidOperationException>(thrown.InnerException);

        var wrongShape = Assert.Throws<HookException>(() => _model.RunWithHooks(_tokens, ("hook_embed", (act, hook) => act[.., ..2])));
        Assert.Contains("same shape", wrongShape.Message);

        var unknown = Assert.Throws<ArgumentException>(() => _model.RunWithHooks(_tokens, ("blocks.0.attn.hook_patern", (act, hook) => act)));
        Assert.Contains("'blocks.0.attn.hook_pattern'", unknown.Message);
        Assert.Throws<ArgumentException>(() => _model.RunWithHooks(_tokens, ("blocks.2.attn.hook_pattern", (act, hook) => act)));

        using var after = _model.Forward(_tokens);
        Assert.True(TensorAssert.Identical(before, after), "a failed hooked run must leave the model unchanged");
    }
}
