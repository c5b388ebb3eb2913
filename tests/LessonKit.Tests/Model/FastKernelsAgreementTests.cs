using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

/// <summary>
/// The model with the hand-written kernels on and off (<see cref="FastKernels"/>): the same logits and activations to
/// 1e-5, the same hooks with the same shapes, the same generated tokens. Checked on tiny-gpt2 (the kernels take its
/// unembedding and generation steps) and on a model wide enough that they take every layer of a short prompt.
/// </summary>
public sealed class FastKernelsAgreementTests : IClassFixture<TinyModelFixture>, IDisposable
{
    private const double Tolerance = 1e-5;

    private readonly HookedGpt2 _tiny;
    private readonly HookedGpt2 _wide = HookedGpt2.FromConfig(
        new Gpt2Config { NLayers = 2, NHeads = 4, DModel = 256, NCtx = 128, DVocab = 3000 }, seed: 5);

    public FastKernelsAgreementTests(TinyModelFixture tiny) => _tiny = tiny.Model;

    public void Dispose() => _wide.Dispose();

    private static T Both<T>(bool kernels, Func<T> run)
    {
        using (FastKernels.Use(kernels)) return run();
    }

    private Tensor WidePrompt() => torch.tensor(Enumerable.Range(0, 12).Select(i => (long)(i * 37 % 3000)).ToArray(), [1, 12]);

    [Fact]
    public void Logits_agree_and_the_switch_really_changes_the_path()
    {
        using var scope = torch.NewDisposeScope();
        foreach (var (model, tokens, what) in new[] { (_tiny, TinyGpt2.ReferenceTokens(), "tiny-gpt2"), (_wide, WidePrompt(), "a 12-token prompt of the wide model") })
        {
            var fast = Both(true, () => model.Forward(tokens));
            var plain = Both(false, () => model.Forward(tokens));
            TensorAssert.Close(fast, plain, Tolerance, $"logits of {what}, kernels on and off");
            // The kernels add in another order than libtorch: bit-for-bit equal logits would mean they never ran in one of the two.
            Assert.False(TensorAssert.Identical(fast, plain), $"{what}: the logits are identical with the kernels on and off, so the switch changed nothing");
        }
    }

    [Fact]
    public void Every_cached_activation_agrees()
    {
        foreach (var (model, tokens, what) in new[] { (_tiny, TinyGpt2.ReferenceTokens(), "tiny-gpt2"), (_wide, WidePrompt(), "the wide model") })
        {
            var (fastLogits, fast) = Both(true, () => model.RunWithCache(tokens));
            var (plainLogits, plain) = Both(false, () => model.RunWithCache(tokens));
            using (fastLogits) using (fast) using (plainLogits) using (plain)
            {
                Assert.Equal(fast.Keys, plain.Keys);
                foreach (var name in fast.Keys) CloseWithMasks(fast[name], plain[name], $"{what}: {name}");
            }
        }
    }

    [Fact]
    public void Hooks_on_a_generation_step_see_the_same_activations()
    {
        // A step through the KV cache: with the kernels, the one-query attention runs its stages one by one for the hooks.
        string[] points = ["attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z", "hook_resid_post"];
        Dictionary<string, Tensor> Step(bool kernels) => Both(kernels, () =>
        {
            var seen = new Dictionary<string, Tensor>();
            var hooks = points.Select(p => ($"blocks.1.{p}", (HookFunction)((act, hook) => { seen[hook.Name] = act.clone().DetachFromDisposeScope(); return null; }))).ToArray();
            using var cache = _wide.NewKeyValueCache();
            using (var prompt = torch.tensor(new long[] { 7, 8, 9 }, [1, 3])) using (_wide.ForwardWithCache(prompt, cache)) { }
            using var token = torch.tensor(new long[] { 10 }, [1, 1]);
            using var logits = _wide.ForwardWithCache(token, cache, hooks);
            seen["logits"] = logits.clone().DetachFromDisposeScope();
            return seen;
        });
        var fast = Step(true);
        var plain = Step(false);
        Assert.Equal(points.Length + 1, fast.Count);
        Assert.Equal(fast.Keys.Order(), plain.Keys.Order());
        foreach (var (name, activation) in fast)
        {
            Assert.Equal(plain[name].shape, activation.shape);
            CloseWithMasks(activation, plain[name], $"{name} of a generation step");
        }
        foreach (var tensor in fast.Values.Concat(plain.Values)) tensor.Dispose();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Generation_chooses_the_same_tokens(bool useKvCache)
    {
        foreach (var (model, prompt) in new[] { (_tiny, TinyGpt2.Expected.Ids), (_wide, new[] { 11, 22, 33, 44, 55 }) })
        {
            var fast = Both(true, () => model.GenerateSteps(prompt, maxNewTokens: 12, temperature: 0, useKvCache: useKvCache, stopAtEndOfText: false).ToList());
            var plain = Both(false, () => model.GenerateSteps(prompt, maxNewTokens: 12, temperature: 0, useKvCache: useKvCache, stopAtEndOfText: false).ToList());
            Assert.Equal(plain.Select(s => s.TokenId), fast.Select(s => s.TokenId));
            for (int i = 0; i < fast.Count; i++) Assert.Equal(plain[i].Probability, fast[i].Probability, Tolerance);
        }
    }

    [Fact]
    public void Sampling_with_a_seed_gives_the_same_text()
    {
        string fast = Both(true, () => _tiny.Generate("The cat", maxNewTokens: 10, temperature: 1.0, seed: 3));
        string plain = Both(false, () => _tiny.Generate("The cat", maxNewTokens: 10, temperature: 1.0, seed: 3));
        Assert.Equal(plain, fast);
    }

    /// <summary>Within <see cref="Tolerance"/>, with masked scores (−∞) in the same places.</summary>
    private static void CloseWithMasks(Tensor actual, Tensor expected, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        using var scope = torch.NewDisposeScope();
        var masked = expected.isinf();
        Assert.True(actual.isinf().eq(masked).all().ToBoolean(), $"{what}: -∞ in other places");
        double difference = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).masked_fill(masked, 0).abs().max().ToDouble();
        Assert.True(difference <= Tolerance, $"{what}: max |difference| {difference:G3} > {Tolerance:G3}");
    }
}
