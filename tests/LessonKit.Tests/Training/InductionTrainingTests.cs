using LessonKit.Lessons;
using LessonKit.Training;
using TorchSharp;

namespace LessonKit.Tests.Training;

/// <summary>
/// The measurement finds structure that training puts there and random weights never have: the toy of lesson 2.2
/// (2 layers, 2 heads, d_model 32, 64 tokens + a start token, random tokens repeated after 16), trained for half as
/// many steps as the lesson does.
/// </summary>
[Trait("Category", "Slow")]
public sealed class InductionTrainingTests
{
    private const int Vocabulary = 64, Start = 64, Repeat = 16;
    private static readonly Gpt2Config Toy = new() { NLayers = 2, NHeads = 2, DModel = 32, NCtx = 1 + 2 * Repeat, DVocab = Vocabulary + 1 };

    /// <summary>
    /// Untrained, the best head of a model scores about 0.04 on these sequences (attention spread over the earlier
    /// tokens); a head that follows the stripe scores near 1. 0.5 sits far from both.
    /// </summary>
    private const double Threshold = 0.5;

    [Fact]
    public void Training_on_repeated_tokens_makes_a_head_score_above_what_random_weights_ever_reach()
    {
        var probe = new InductionProbe(Vocabulary, Repeat, sequences: 64, seed: 1, startToken: Start);
        var untrained = Enumerable.Range(0, 8).Select(seed =>
        {
            using var model = HookedGpt2.FromConfig(Toy, seed);
            using var scope = torch.NewDisposeScope();
            return probe.Measure(model).BestInductionHead.Score;
        }).ToArray();
        Assert.All(untrained, score => Assert.InRange(score, 0.0, 0.1));

        using var toy = HookedGpt2.FromConfig(Toy, seed: 0);
        using var data = new RepeatedTokens(Vocabulary, Repeat, seed: 0, startToken: Start);
        using (var trainer = new Trainer(toy, new TrainingOptions { LearningRate = 3e-3, ProgressEvery = 0 }))
            for (int step = 0; step < 200; step++)
            {
                using var batch = data.Next(32);
                trainer.Step(batch);
            }

        var trained = probe.Measure(toy);
        Assert.True(trained.BestInductionHead.Score > Threshold,
            $"best head {trained.BestInductionHead} after 200 steps; untrained models: {string.Join(", ", untrained.Select(s => s.ToString("0.000")))}");
        Assert.True(trained.SecondCopyLoss < 1.0, $"loss on the second copy {trained.SecondCopyLoss:0.00}");
        Assert.True(trained.FirstCopyLoss > 3.9, $"loss on the first copy {trained.FirstCopyLoss:0.00}: random tokens cannot be predicted (ln 65 = 4.17)");
    }
}
