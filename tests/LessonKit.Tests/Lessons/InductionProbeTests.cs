using LessonKit.Lessons;
using LessonKit.Tests.Support;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public sealed class InductionProbeTests
{
    [Fact]
    public void A_measurement_is_the_scores_and_the_losses_of_the_probe_sequences()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 2, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 30 }, seed: 2);
        var probe = new InductionProbe(vocabulary: 29, repeatLength: 6, sequences: 4, seed: 5, startToken: 29);

        var found = probe.Measure(model);

        Assert.Equal([4L, 13L], probe.Tokens.shape);   // <|endoftext|>-like start, then 6 + 6
        Assert.Equal(1, probe.FirstCopyStart);
        var (logits, cache) = model.RunWithCache(probe.Tokens);
        using (cache)
        {
            using var induction = PatternScores.Induction(cache, 6);
            using var previous = PatternScores.PreviousToken(cache);
            Assert.True(TensorAssert.Identical(found.InductionScores, induction));
            Assert.True(TensorAssert.Identical(found.PreviousTokenScores, previous));
            float[] flat = induction.data<float>().ToArray();
            int best = Array.IndexOf(flat, flat.Max());
            Assert.Equal((best / 2, best % 2), (found.BestInductionHead.Layer, found.BestInductionHead.Head));
            Assert.Equal(flat.Max(), found.BestInductionHead.Score, 6);
        }
        var loss = NextTokenLoss.PerPosition(logits, probe.Tokens).mean([0]).to(ScalarType.Float64).data<double>().ToArray(); // [12]
        Assert.Equal(12, found.LossPerPosition.Count);
        for (int i = 0; i < 12; i++) Assert.Equal(loss[i], found.LossPerPosition[i], 5);
        // First copy: tokens 2 … 6, predicted at positions 1 … 5. Second copy: tokens 8 … 12, predicted at 7 … 11.
        Assert.Equal(loss[1..6].Average(), found.FirstCopyLoss, 5);
        Assert.Equal(loss[7..12].Average(), found.SecondCopyLoss, 5);
    }

    [Fact]
    public void Tokens_outside_the_model_vocabulary_are_an_error_that_says_so()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 10 }, seed: 2);
        var probe = new InductionProbe(vocabulary: 50, repeatLength: 4, seed: 0);
        var error = Assert.Throws<ArgumentException>(() => probe.Measure(model));
        Assert.Contains("outside the vocabulary", error.Message);
    }
}
