using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Generation;

/// <summary>
/// A model wide enough that a pass of a few positions (a generation step, a short prompt) goes through the few-row
/// kernels for every Conv1D and the unembedding, checked against libtorch's path for longer inputs; and each check
/// again with the kernels switched off (<see cref="FastKernels"/>), where plain TorchSharp must pass it too.
/// </summary>
public sealed class FewRowPassTests : IDisposable
{
    private readonly HookedGpt2 _model = HookedGpt2.FromConfig(
        new Gpt2Config { NLayers = 2, NHeads = 4, DModel = 256, NCtx = 128, DVocab = 3000 }, seed: 5);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_generation_with_the_kernels_matches_recomputing_every_position(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        int[] prompt = [11, 22, 33, 44, 55];
        var cached = _model.GenerateSteps(prompt, maxNewTokens: 30, temperature: 0, stopAtEndOfText: false).ToList();
        var recomputed = _model.GenerateSteps(prompt, maxNewTokens: 30, temperature: 0, useKvCache: false, stopAtEndOfText: false).ToList();
        Assert.Equal(recomputed.Select(s => s.TokenId), cached.Select(s => s.TokenId));
        for (int i = 0; i < cached.Count; i++) Assert.Equal(recomputed[i].Probability, cached[i].Probability, 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Each_step_agrees_with_a_full_forward_pass(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        long[] ids = [7, 8, 9, 10, 300, 2999, 0, 42];
        using var cache = _model.NewKeyValueCache();
        using var noGrad = torch.no_grad();
        using (var prompt = torch.tensor(ids[..3], [1, 3])) using (_model.ForwardWithCache(prompt, cache)) { }
        for (int end = 4; end <= ids.Length; end++)
        {
            using var step = torch.tensor(ids[(end - 1)..end], [1, 1]);
            using var incremental = _model.ForwardWithCache(step, cache);
            using var full = _model.Forward(torch.tensor(ids[..end], [1, end]));
            TensorAssert.Close(incremental[0, -1], full[0, -1], 1e-4, $"last logits after {end} tokens");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_batch_of_two_steps_through_the_cache_as_each_sequence_would_alone(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        long[,] ids = { { 7, 8, 9, 10, 300, 2999 }, { 42, 0, 1234, 5, 6, 77 } };
        using var cache = _model.NewKeyValueCache(batch: 2);
        using var noGrad = torch.no_grad();
        using var all = torch.tensor(ids);
        using (var prompt = all.narrow(1, 0, 3)) using (_model.ForwardWithCache(prompt, cache)) { }
        for (int end = 4; end <= 6; end++)
        {
            using var step = all.narrow(1, end - 1, 1);                // [2, 1]: one new token per sequence
            using var incremental = _model.ForwardWithCache(step, cache);
            using var full = _model.Forward(all.narrow(1, 0, end));
            TensorAssert.Close(incremental.select(1, 0), full.select(1, end - 1), 1e-4, $"both sequences' logits after {end} tokens");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_short_prompt_agrees_with_the_same_positions_of_a_long_one(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        // 12 positions take the kernels, 80 take libtorch's GEMM; attention is causal, so the first 12 must agree.
        long[] ids = Enumerable.Range(0, 80).Select(i => (long)(i * 37 % 3000)).ToArray();
        using var noGrad = torch.no_grad();
        using var shortPrompt = _model.Forward(torch.tensor(ids[..12], [1, 12]));
        using var longPrompt = _model.Forward(torch.tensor(ids, [1, 80]));
        TensorAssert.Close(shortPrompt, longPrompt.narrow(1, 0, 12), 1e-4, "logits of the first 12 positions");
    }

    private static readonly string[] AttentionPoints =
        ["attn.hook_q", "attn.hook_k", "attn.hook_v", "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z"];

    // A cache holding the first three tokens of a prompt, then the logits of one more token with the given hooks.
    private (KeyValueCache Cache, Tensor Logits) StepAfterPrompt(params (string Name, HookFunction Hook)[] hooks)
    {
        var cache = _model.NewKeyValueCache();
        using (var prompt = torch.tensor(new long[] { 7, 8, 9 }, [1, 3])) using (_model.ForwardWithCache(prompt, cache)) { }
        using var token = torch.tensor(new long[] { 10 }, [1, 1]);
        return (cache, _model.ForwardWithCache(token, cache, hooks));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Watching_the_attention_of_a_generation_step_changes_no_number(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        var (plainCache, plain) = StepAfterPrompt();
        var seen = new List<string>();
        var hooks = AttentionPoints.SelectMany(point => Enumerable.Range(0, 2).Select(layer =>
            ($"blocks.{layer}.{point}", (HookFunction)((act, hook) => { seen.Add(hook.Name); return null; })))).ToArray();
        var (hookedCache, hooked) = StepAfterPrompt(hooks);
        using (plainCache) using (hookedCache) using (plain) using (hooked)
        {
            Assert.Equal(12, seen.Count); // every attention point of both layers ran
            Assert.True(TensorAssert.Identical(plain, hooked), "no-op hooks on the attention points changed the logits of a step");
            Assert.True(TensorAssert.Identical(plainCache[1].KeyBuffer.narrow(2, 0, 4), hookedCache[1].KeyBuffer.narrow(2, 0, 4)));
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Hooks_on_a_generation_step_see_the_usual_shapes_and_their_changes_count(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        Tensor? z = null, scores = null;
        var (cache, logits) = StepAfterPrompt(
            ("blocks.0.attn.hook_k", (act, hook) => { Assert.Equal([1L, 1, 4, 64], act.shape); return torch.zeros_like(act); }),
            ("blocks.0.attn.hook_attn_scores", (act, hook) => { scores = act.clone().DetachFromDisposeScope(); return null; }),
            ("blocks.0.attn.hook_pattern", (act, hook) => { Assert.Equal([1L, 4, 1, 4], act.shape); var p = act.clone(); p[0, 0].zero_(); return p; }),
            ("blocks.0.attn.hook_z", (act, hook) => { z = act.clone().DetachFromDisposeScope(); return null; }));
        using (cache) using (logits)
        {
            Assert.Equal(0f, scores![0, .., 0, 3].abs().max().ToSingle()); // the zeroed key is what the step scored, and what the cache keeps
            Assert.True(cache[0].KeyBuffer[0, .., 3].eq(0).all().ToBoolean());
            Assert.Equal([1L, 1, 4, 64], z!.shape);
            Assert.Equal(0f, z[0, 0, 0].abs().max().ToSingle());       // head 0 mixed nothing: its pattern was zeroed
            Assert.True(z[0, 0, 1].abs().max().ToSingle() > 0);
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_generation_step_whose_attention_hook_throws_leaves_the_cache_as_it_was(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var cache = _model.NewKeyValueCache();
        using (var prompt = torch.tensor(new long[] { 7, 8, 9 }, [1, 3])) using (_model.ForwardWithCache(prompt, cache)) { }
        using var token = torch.tensor(new long[] { 10 }, [1, 1]);
        Assert.Throws<HookException>(() => _model.ForwardWithCache(token, cache,
            ("blocks.1.attn.hook_pattern", (act, hook) => throw new InvalidOperationException("stop"))));
        Assert.Equal(3, cache.Length);

        var (freshCache, expected) = StepAfterPrompt();
        using (freshCache) using (expected)
        {
            using var retried = _model.ForwardWithCache(token, cache);
            Assert.True(TensorAssert.Identical(expected, retried), "the step after a failed one differs from a clean one");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_single_token_gives_the_same_logits_with_or_without_hooks_and_cache(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var token = torch.tensor(new long[] { 1234 }, [1, 1]);
        using var plain = _model.Forward(token);
        var (cachedLogits, cache) = _model.RunWithCache(token);
        using (cache) using (cachedLogits)
        {
            using var hooked = _model.RunWithHooks(token, ("blocks.1.attn.hook_pattern", (act, hook) => null));
            Assert.True(TensorAssert.Identical(plain, cachedLogits), "RunWithCache changed the logits of one token");
            Assert.True(TensorAssert.Identical(plain, hooked), "a no-op hook changed the logits of one token");
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class LibTorchThreadCount
{
    /// <summary>Tests that read libtorch's process-wide thread count run alone: a few-row pass elsewhere changes it for a moment.</summary>
    public const string Name = "libtorch thread count";
}

[Collection(LibTorchThreadCount.Name)]
public sealed class KernelThreadsTests
{
    [Fact]
    public void Libtorch_gets_its_threads_back_after_a_step_even_when_a_hook_throws()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 4, DModel = 256, NCtx = 16, DVocab = 500 }, seed: 1);
        int threads = torch.get_num_threads();
        using var token = torch.tensor(new long[] { 5 }, [1, 1]);
        int? threadsDuringStep = null;
        using (model.RunWithHooks(token, ("blocks.0.hook_resid_mid", (act, hook) => { threadsDuringStep = torch.get_num_threads(); return null; }))) { }
        Assert.Equal(1, threadsDuringStep);
        Assert.Equal(threads, torch.get_num_threads());

        Assert.Throws<HookException>(() => model.RunWithHooks(token,
            ("blocks.0.hook_resid_mid", (act, hook) => throw new InvalidOperationException("stop"))));
        Assert.Equal(threads, torch.get_num_threads());
    }

    [Fact]
    public void A_long_prompt_keeps_every_libtorch_thread()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 4, DModel = 256, NCtx = 128, DVocab = 500 }, seed: 1);
        int threads = torch.get_num_threads();
        using var prompt = torch.zeros([1, 100], ScalarType.Int64);
        int? threadsDuringPass = null;
        using (model.RunWithHooks(prompt, ("blocks.0.hook_resid_mid", (act, hook) => { threadsDuringPass = torch.get_num_threads(); return null; }))) { }
        Assert.Equal(threads, threadsDuringPass);
    }
}
