using LessonKit.Kernels;
using LessonKit.Tests.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

/// <summary>
/// <see cref="HookedGpt2.RunWithAttention"/>: a learner's attention function runs in place of the model's in every
/// layer, whatever path the model's own attention would take (a short prompt through the few-row kernels, one token).
/// </summary>
public sealed class RunWithAttentionTests : IDisposable
{
    // Wide enough that c_attn and c_proj of a short prompt go through the few-row kernels in a plain forward pass.
    private readonly HookedGpt2 _wide = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 3, NHeads = 4, DModel = 256, NCtx = 64, DVocab = 3000 }, seed: 11);

    public void Dispose() => _wide.Dispose();

    private static Tensor Tokens(params long[] ids) => torch.tensor(ids, [1, ids.Length]);

    [Fact]
    public void A_correct_attention_gives_the_model_s_logits_and_predictions()
    {
        using var model = TinyGpt2.Load();
        using var scope = torch.NewDisposeScope();
        var tokens = TinyGpt2.ReferenceTokens();
        var yours = model.RunWithAttention(tokens, new LearnerAttentionLayer().Run);
        var theirs = model.Forward(tokens);
        TensorAssert.Close(yours, theirs, 1e-4, "logits with the learner's attention");
        Assert.Equal(theirs[0].argmax(-1).data<long>().ToArray(), yours[0].argmax(-1).data<long>().ToArray());
    }

    [Fact]
    public void The_kernels_never_run_in_its_place_for_short_prompts_single_tokens_or_batches()
    {
        using var scope = torch.NewDisposeScope();
        var prompt = Tokens(5, 17, 250, 2999, 3, 8);
        Assert.True(FewRowProducts.Applies(torch.zeros(1, 6, 256), torch.zeros(768, 256)), "the premise: a plain pass of this prompt uses the few-row kernels");

        foreach (var tokens in new[] { prompt, Tokens(42), torch.cat([prompt, prompt.flip(1)], 0) })
        {
            var calls = new List<(int Layer, long[] Shape)>();
            Tensor Zero(Tensor x, AttentionWeights w) { calls.Add((w.Layer, x.shape)); return torch.zeros_like(x); }

            var logits = _wide.RunWithAttention(tokens, Zero);

            Assert.Equal([0, 1, 2], calls.Select(c => c.Layer));
            Assert.All(calls, c => Assert.Equal(new[] { tokens.shape[0], tokens.shape[1], 256L }, c.Shape));
            // What flowed on is what the function returned: the same as a pass whose attention outputs are all zeroed.
            var zeroed = _wide.RunWithHooks(tokens, Enumerable.Range(0, 3)
                .Select(l => ($"blocks.{l}.hook_attn_out", (HookFunction)((act, _) => torch.zeros_like(act)))).ToArray());
            TensorAssert.Close(logits, zeroed, 1e-5, $"zero attention, {tokens.shape[0]}×{tokens.shape[1]} tokens");
        }
    }

    [Fact]
    public void The_model_s_own_attention_does_not_run_and_hook_attn_out_holds_what_the_function_returned()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = Tokens(5, 17, 250, 2999);
        Tensor Doubled(Tensor x, AttentionWeights w) => new LearnerAttentionLayer().Run(x, w) * 2;
        var (_, cache) = _wide.RunWithAttentionAndCache(tokens, Doubled, null);
        using (cache)
        {
            Assert.DoesNotContain(cache.Keys, name => name.Contains(".attn.hook_"));
            var (_, clean) = _wide.RunWithCache(tokens);
            using (clean)
            {
                // Layer 0 reads the same input in both runs, so its output is exactly twice the model's.
                TensorAssert.Close(cache["attn_out", 0], clean["attn_out", 0] * 2, 1e-4, "hook_attn_out of layer 0");
                TensorAssert.Close(cache["normalized", 0, "ln1"], clean["normalized", 0, "ln1"], 0, "what layer 0's attention read");
            }
        }
    }

    [Fact]
    public void A_wrong_attention_changes_the_logits()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = Tokens(5, 17, 250, 2999, 3, 8);
        var noMask = _wide.RunWithAttention(tokens, new LearnerAttentionLayer { NoMask = true }.Run);
        var right = _wide.Forward(tokens);
        // The last position may see every key anyway, so layer 0 leaves it alone; through later layers the difference reaches it too.
        Assert.True((noMask - right).abs().max().ToDouble() > 1e-3);
    }

    [Fact]
    public void The_function_gets_copies_so_changing_them_leaves_the_model_as_it_was()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = Tokens(5, 17, 250);
        var before = _wide.Forward(tokens);
        _wide.RunWithAttention(tokens, (x, w) =>
        {
            var output = new LearnerAttentionLayer().Run(x, w);
            w.CAttnWeight.zero_();
            w.CProjBias.fill_(float.NaN);
            x.zero_();
            return output;
        });
        TensorAssert.Close(_wide.Forward(tokens), before, 0, "logits after a run whose function scribbled on its inputs");
    }

    [Fact]
    public void A_function_that_throws_stops_the_run_with_the_layer_named()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<AttentionFunctionException>(() =>
            _wide.RunWithAttention(Tokens(1, 2, 3), (x, w) => w.Layer == 1 ? throw new NotImplementedException("Write AttentionLayer.") : new LearnerAttentionLayer().Run(x, w)));
        Assert.Equal(1, error.Layer);
        Assert.IsType<NotImplementedException>(error.InnerException);
        Assert.Contains("in layer 1", error.Message);
        Assert.Contains("Write AttentionLayer.", error.Message);
        TensorAssert.Close(_wide.Forward(Tokens(1, 2, 3)), _wide.Forward(Tokens(1, 2, 3)), 0, "the model still runs");
    }

    [Fact]
    public void A_result_of_the_wrong_shape_null_or_freed_is_refused_with_a_reason()
    {
        using var scope = torch.NewDisposeScope();
        var tokens = Tokens(1, 2, 3);
        var shape = Assert.Throws<AttentionFunctionException>(() => _wide.RunWithAttention(tokens, (x, w) => x.reshape(1, 3, 4, 64)));
        Assert.Contains("returned shape [1, 3, 4, 64]", shape.Message);
        Assert.Contains("[batch, pos, d_model] = [1, 3, 256]", shape.Message);

        var nothing = Assert.Throws<AttentionFunctionException>(() => _wide.RunWithAttention(tokens, (_, _) => null!));
        Assert.Contains("returned null", nothing.Message);

        var freed = Assert.Throws<AttentionFunctionException>(() => _wide.RunWithAttention(tokens, (x, _) => { var y = x * 1; y.Dispose(); return y; }));
        Assert.Contains("already freed", freed.Message);

        var integers = Assert.Throws<AttentionFunctionException>(() => _wide.RunWithAttention(tokens, (x, _) => x.to_type(ScalarType.Int64)));
        Assert.Contains("Int64", integers.Message);
    }

    [Fact]
    public void Attention_weights_from_a_model_are_copies_of_its_layer()
    {
        using var scope = torch.NewDisposeScope();
        var weights = AttentionWeights.FromModel(_wide, 2);
        Assert.Equal((2, 4, 256, 64), (weights.Layer, weights.NHeads, weights.DModel, weights.DHead));
        TensorAssert.Close(weights.CAttnWeight, _wide.Weights["h.2.attn.c_attn.weight"], 0, "c_attn.weight");
        TensorAssert.Close(weights.CProjBias, _wide.Weights["h.2.attn.c_proj.bias"], 0, "c_proj.bias");
        weights.CAttnWeight.zero_();
        Assert.NotEqual(0, _wide.Weights["h.2.attn.c_attn.weight"].abs().sum().ToDouble());
        Assert.Throws<ArgumentOutOfRangeException>(() => AttentionWeights.FromModel(_wide, 3));
        var badShape = Assert.Throws<ArgumentException>(() => new AttentionWeights(torch.zeros(4, 4), torch.zeros(12), torch.zeros(4, 4), torch.zeros(4), 2));
        Assert.Contains("cAttnWeight must be [d_model, 3·d_model] = [4, 12]", badShape.Message);
    }
}
