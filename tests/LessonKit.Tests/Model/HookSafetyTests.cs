using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

/// <summary>
/// What a learner can do wrong with hooks, caches and disposal: none of it may change the model's weights, leave a
/// KV cache half-written, or end in a bare libtorch error.
/// </summary>
public class HookSafetyTests : IClassFixture<TinyModelFixture>
{
    private readonly HookedGpt2 _shared;

    public HookSafetyTests(TinyModelFixture tiny) => _shared = tiny.Model;

    [Fact]
    public void EditingThePositionEmbeddingInPlaceInAHookLeavesTheWeightsAlone()
    {
        using var model = TinyGpt2.Load(); // its own copy: if the weights did change, no other test would see it
        using var tokens = TinyGpt2.ReferenceTokens();
        using var before = model.Forward(tokens);
        using var weightsBefore = model.PositionEmbeddingWeights.clone();

        using var zeroed = model.RunWithHooks(tokens, ("hook_pos_embed", (act, hook) => { act.mul_(0); return null; }));
        Assert.False(TensorAssert.Identical(before, zeroed), "the in-place edit must change this run");
        Assert.True(TensorAssert.Identical(weightsBefore, model.PositionEmbeddingWeights), "W_pos must be unchanged");
        using var after = model.Forward(tokens);
        Assert.True(TensorAssert.Identical(before, after), "later runs must be unchanged");

        // A batch of two: each sequence's row is its own copy, so an in-place edit works there too.
        using var batch = torch.cat([tokens, tokens]);
        using var batched = model.RunWithHooks(batch, ("hook_pos_embed", (act, hook) => { act.add_(1); return null; }));
        Assert.True(TensorAssert.Identical(weightsBefore, model.PositionEmbeddingWeights));
    }

    [Fact]
    public void EditingACachedPositionEmbeddingLeavesTheWeightsAlone()
    {
        using var model = TinyGpt2.Load();
        using var tokens = TinyGpt2.ReferenceTokens();
        using var weightsBefore = model.PositionEmbeddingWeights.clone();
        var (logits, cache) = model.RunWithCache(tokens, ["hook_pos_embed"]);
        using var _ = logits;
        using (cache) cache["pos_embed"].zero_();
        Assert.True(TensorAssert.Identical(weightsBefore, model.PositionEmbeddingWeights));
    }

    [Fact]
    public void HookedRunsInALoopHoldNoTensors()
    {
        // A learner's ablation loop, with no dispose scope: what the hooks get and make is freed with each run.
        using var tokens = TinyGpt2.ReferenceTokens();
        var hooks = HookNames.All(_shared.Config.NLayers).Where(n => n.EndsWith("hook_pattern", StringComparison.Ordinal))
            .Select(name => (name, (HookFunction)((act, hook) => { using var unused = act.clone(); return act * 1; }))).ToArray();
        using (_shared.RunWithHooks(tokens, hooks)) { } // first-run allocations (caches inside libtorch wrappers) out of the count
        long before = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        for (int run = 0; run < 5; run++)
            using (_shared.RunWithHooks(tokens, hooks)) { }
        Assert.Equal(before, DisposeScopeManager.Statistics.ThreadTotalLiveCount);
    }

    [Fact]
    public void AHookKeepsATensorByTakingItOutOfTheRun()
    {
        // TransformerLens's "save the activation" pattern, in TorchSharp's terms: detach what you keep.
        using var tokens = TinyGpt2.ReferenceTokens();
        Tensor? saved = null, copy = null, handed = null;
        using (torch.NewDisposeScope())
        {
            using var logits = _shared.RunWithHooks(tokens, ("blocks.1.hook_resid_post", (act, hook) =>
            {
                saved = act.DetachFromDisposeScope();
                copy = act.clone().DetachFromDisposeScope();
                handed = (act * 2).MoveToOuterDisposeScope(); // to the learner's scope around the run
                return null;
            }));
            var (_, cache) = _shared.RunWithCache(tokens, ["blocks.1.hook_resid_post"]);
            using (cache)
            {
                Assert.True(TensorAssert.Identical(cache["resid_post", 1], saved!));
                Assert.True(TensorAssert.Identical(cache["resid_post", 1], copy!));
                Assert.True(TensorAssert.Identical(cache["resid_post", 1] * 2, handed!));
            }
        }
        Assert.True(handed!.IsInvalid, "freed with the learner's scope");
        Assert.False(saved!.IsInvalid || copy!.IsInvalid, "detached tensors are the learner's to dispose");
        saved.Dispose();
        copy.Dispose();
    }

    [Fact]
    public void AHookThatDisposesTheActivationItGotChangesNothing()
    {
        using var tokens = TinyGpt2.ReferenceTokens();
        using var plain = _shared.Forward(tokens);
        using var hooked = _shared.RunWithHooks(tokens, ("blocks.0.attn.hook_pattern", (act, hook) => { act.Dispose(); return null; }));
        Assert.True(TensorAssert.Identical(plain, hooked));
        var returnedDisposed = Assert.Throws<HookException>(() => _shared.RunWithHooks(tokens,
            ("blocks.0.attn.hook_pattern", (act, hook) => { var doubled = act * 2; doubled.Dispose(); return doubled; })));
        Assert.Contains("disposed", returnedDisposed.Message);
    }

    [Theory]
    [InlineData("ln_final.hook_scale")]
    [InlineData("ln_final.hook_normalized")]
    public void AFinalLayerNormHookThatFailsLeavesTheKvCacheAsItWas(string hookName)
    {
        using var cache = _shared.NewKeyValueCache();
        using var prompt = TinyGpt2.ReferenceTokens();
        using var first = _shared.ForwardWithCache(prompt[.., ..6], cache);

        Assert.Throws<HookException>(() => _shared.ForwardWithCache(prompt[.., 6..], cache, (hookName, (act, hook) => throw new InvalidOperationException("stop"))));
        Assert.Equal(6, cache.Length);
        Assert.Throws<HookException>(() => _shared.ForwardWithCache(prompt[.., 6..], cache, (hookName, (act, hook) => act[.., ..1])));
        Assert.Equal(6, cache.Length);

        using var rest = _shared.ForwardWithCache(prompt[.., 6..], cache);
        using var full = _shared.Forward(prompt);
        TensorAssert.Close(rest[0, -1], full[0, -1], 1e-4, "after two failed steps");
    }

    [Fact]
    public void HookNameErrorsSuggestRealNamesAndSayWhatIsWrong()
    {
        using var tokens = TinyGpt2.ReferenceTokens();
        var (logits, cache) = _shared.RunWithCache(tokens);
        using var _ = logits;
        using var __ = cache;

        // A short in-block name without a layer: the suggestion is its full form, never the rejected name itself.
        var noLayer = Assert.Throws<KeyNotFoundException>(() => cache["pattern"]);
        Assert.Contains("give a layer", noLayer.Message);
        Assert.Contains("'blocks.0.attn.hook_pattern'", noLayer.Message);
        Assert.DoesNotContain("Did you mean 'pattern'", noLayer.Message);
        var typo = Assert.Throws<KeyNotFoundException>(() => cache["patern"]);
        Assert.Contains("Did you mean 'pattern'", typo.Message);

        var embedWithLayer = Assert.Throws<ArgumentException>(() => cache["embed", 0]);
        Assert.Contains("not inside a block", embedWithLayer.Message);
        var fullWithLayer = Assert.Throws<ArgumentException>(() => cache["blocks.0.attn.hook_pattern", 0]);
        Assert.Contains("full hook name", fullWithLayer.Message);

        var badPart = Assert.Throws<ArgumentException>(() => cache["pattern", 0, "bogus"]);
        Assert.Contains("'bogus'", badPart.Message);
        Assert.Contains("'ln1'", badPart.Message);
        Assert.Same(cache["blocks.0.attn.hook_pattern"], cache["pattern", 0, "attn"]);

        Assert.Throws<ArgumentNullException>(() => HookNames.TryParse(null!, 2));
    }

    [Fact]
    public void ADisposedCacheEntrySaysWhatHappened()
    {
        using var tokens = TinyGpt2.ReferenceTokens();
        var (logits, cache) = _shared.RunWithCache(tokens);
        using var _ = logits;
        using (cache)
        {
            using (var pattern = cache["pattern", 0]) { } // a learner's `using var` on a cached tensor
            var error = Assert.Throws<ObjectDisposedException>(() => cache["pattern", 0]);
            Assert.Contains("blocks.0.attn.hook_pattern", error.Message);
            Assert.Contains("was disposed", error.Message);
            Assert.Throws<ObjectDisposedException>(() => Plots.AttentionPatterns(cache, 0, _shared.ToStrTokens(tokens)).ToHtml());
        }
    }

    [Fact]
    public void ADisposedKvCacheOrModelIsAnObjectDisposedError()
    {
        var cache = _shared.NewKeyValueCache();
        cache.Dispose();
        cache.Dispose(); // twice is fine
        using var tokens = TinyGpt2.ReferenceTokens();
        Assert.Throws<ObjectDisposedException>(() => cache.Length);
        Assert.Throws<ObjectDisposedException>(() => _shared.ForwardWithCache(tokens, cache));

        var model = TinyGpt2.Load();
        model.Dispose();
        Assert.Throws<ObjectDisposedException>(() => model.EmbeddingWeights);
        Assert.Throws<ObjectDisposedException>(() => model.PositionEmbeddingWeights);
        Assert.Throws<ObjectDisposedException>(() => model.Weights);
        Assert.Throws<ObjectDisposedException>(() => model.Forward(tokens));
        Assert.Throws<ObjectDisposedException>(() => model.Generate("The cat", 2));
    }
}
