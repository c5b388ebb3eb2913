using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Generation;

/// <summary>
/// The fast paths at GPT-2 small's real shapes (d_model 768, 12 heads of 64, d_mlp 3072, vocabulary 50257): the
/// few-row kernels, the one-query attention and the blocked unembedding, against libtorch's GEMM path; and the same
/// checks with the kernels switched off (<see cref="FastKernels"/>).
/// </summary>
[Trait("Category", "Slow")] // allocates GPT-2 small (500 MB)
public sealed class Gpt2SmallPassTests : IDisposable
{
    private readonly HookedGpt2 _model = HookedGpt2.FromConfig(new Gpt2Config(), seed: 1);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_short_prompt_and_the_steps_after_it_agree_with_a_long_forward(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        long[] ids = Enumerable.Range(0, 80).Select(i => (long)(i * 613 % 50257)).ToArray();
        using var noGrad = torch.no_grad();
        using var full = _model.Forward(torch.tensor(ids, [1, 80]));                 // 80 rows: libtorch's GEMMs, blocked unembedding
        using var prompt = _model.Forward(torch.tensor(ids[..12], [1, 12]));         // 12 rows: the few-row kernels
        TensorAssert.Close(prompt, full.narrow(1, 0, 12), 1e-4, "logits of a 12-token prompt");

        using var cache = _model.NewKeyValueCache();
        using (var first = torch.tensor(ids[..12], [1, 12])) using (_model.ForwardWithCache(first, cache)) { }
        for (int end = 13; end <= 16; end++)
        {
            using var token = torch.tensor(ids[(end - 1)..end], [1, 1]);             // one row: kernels and the one-query attention
            using var step = _model.ForwardWithCache(token, cache);
            TensorAssert.Close(step[0, -1], full[0, end - 1], 1e-4, $"logits of the step to {end} tokens");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Greedy_generation_is_the_same_with_and_without_the_cache(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        int[] prompt = [464, 3797, 3332, 319, 262];
        var cached = _model.GenerateSteps(prompt, maxNewTokens: 6, temperature: 0, stopAtEndOfText: false).ToList();
        var recomputed = _model.GenerateSteps(prompt, maxNewTokens: 6, temperature: 0, useKvCache: false, stopAtEndOfText: false).ToList();
        Assert.Equal(recomputed.Select(s => s.TokenId), cached.Select(s => s.TokenId));
        for (int i = 0; i < cached.Count; i++) Assert.Equal(recomputed[i].Probability, cached[i].Probability, 1e-5);
    }

    [Fact]
    public void The_kernels_on_and_off_give_the_same_logits_to_1e_5()
    {
        long[] ids = Enumerable.Range(0, 13).Select(i => (long)(i * 613 % 50257)).ToArray();
        Tensor PromptThenStep(bool kernels)
        {
            using var fastPath = FastKernels.Use(kernels);
            using var cache = _model.NewKeyValueCache();
            using var prompt = _model.ForwardWithCache(torch.tensor(ids[..12], [1, 12]), cache);   // 12 rows
            using var step = _model.ForwardWithCache(torch.tensor(ids[12..], [1, 1]), cache);     // one row and the one-query attention
            return torch.cat([prompt, step], 1);
        }
        using var fast = PromptThenStep(true);
        using var plain = PromptThenStep(false);
        TensorAssert.Close(fast, plain, 1e-5, "logits of a 12-token prompt and one step, kernels on and off");
        Assert.False(TensorAssert.Identical(fast, plain), "bit-for-bit the same logits: the switch changed nothing");
    }
}
