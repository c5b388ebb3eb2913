using LessonKit.Tests.Support;
using TorchSharp;

namespace LessonKit.Tests.Model;

/// <summary>
/// The tiny-gpt2 fixture against activations computed (in float64) by an implementation independent of LessonKit,
/// with the hand-written kernels on and off (<see cref="FastKernels"/>): the unembedding and the generation steps take
/// them at this size.
/// </summary>
public class ReferenceTests
{
    private static readonly TinyGpt2.Reference Expected = TinyGpt2.Expected;

    [Fact]
    public void TokenizerGivesTheReferenceIds()
    {
        using var model = TinyGpt2.Load();
        using var tokens = model.ToTokens("The cat sat on the mat because it was tired.");
        Assert.Equal(Expected.Ids, tokens.data<long>().Select(i => (int)i).ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void LogitsMatchTheReference(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var model = TinyGpt2.Load();
        using var logits = model.Forward(TinyGpt2.ReferenceTokens());
        Assert.Equal(new long[] { 1, Expected.Ids.Length, 50257 }, logits.shape);
        foreach (var (position, expected) in Expected.LogitsAtPosition)
            TensorAssert.CloseToValues(logits[0, position], expected, 1e-5, $"logits at position {position}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void AttentionPatternsAndResidualStreamsMatchTheReference(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var model = TinyGpt2.Load();
        var (logits, cache) = model.RunWithCache(TinyGpt2.ReferenceTokens());
        using (logits)
        using (cache)
        {
            foreach (var (layer, heads) in Expected.Pattern)
                TensorAssert.CloseToValues(cache["pattern", layer][0], heads.SelectMany(h => h.SelectMany(q => q)), 1e-5, $"pattern of layer {layer}");
            foreach (var (layer, positions) in Expected.ResidPost)
                TensorAssert.CloseToValues(cache["resid_post", layer][0], positions.SelectMany(p => p), 1e-5, $"resid_post of layer {layer}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void RunWithCacheGivesTheSameLogitsAsForward(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var model = TinyGpt2.Load();
        using var plain = model.Forward(TinyGpt2.ReferenceTokens());
        var (cached, cache) = model.RunWithCache(TinyGpt2.ReferenceTokens());
        using (cached)
        using (cache)
            Assert.True(TensorAssert.Identical(plain, cached), "caching every hook point must not change a single logit");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void GreedyContinuationMatchesTheReference(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var model = TinyGpt2.Load();
        foreach (bool useKvCache in new[] { true, false })
        {
            var steps = model.GenerateSteps(Expected.Ids, maxNewTokens: 10, temperature: 0, useKvCache: useKvCache, stopAtEndOfText: false).ToList();
            Assert.Equal(Expected.GreedyNext10, steps.Select(s => s.TokenId).ToArray());
        }
    }
}
