using LessonKit.Display.Views;
using LessonKit.Lessons;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Training;

/// <summary>
/// Lesson 2.2's "watch one form" toy, trained exactly as the lesson trains it (2 attention-only layers of 2 heads,
/// d_model 128, 64 tokens + a start token, copies of 6 to 20 tokens drawn per batch, 1,000 steps of AdamW at 1e-3 with
/// β₂ = 0.98, layer 0 kept off the token embeddings, one thread): the measurement finds structure that training puts
/// there and random weights never have, and what the lesson's text says the toy learned is what it learns.
/// </summary>
[Trait("Category", "Slow")]
public sealed class InductionTrainingTests
{
    private const int Vocabulary = 64, Start = 64, Steps = 1000, MeasureEvery = 20, Measured = 12;
    private static readonly Gpt2Config Toy = new() { NLayers = 2, NHeads = 2, DModel = 128, NCtx = 41, DVocab = Vocabulary + 1, AttentionOnly = true };

    /// <summary>
    /// Untrained, the best layer-1 head scores about 0.05 on these sequences (attention spread over the earlier tokens);
    /// a head that follows the stripe scores near 1. 0.6 sits far from both.
    /// </summary>
    private const double Threshold = 0.6;

    private static float Induction(ActivationCache cache, ScoredHead head) => PatternScores.Induction(cache, Measured)[head.Layer, head.Head].ToSingle();

    [Fact]
    public void The_lessons_toy_grows_a_previous_token_head_and_an_induction_head_together_and_they_hold_at_other_lengths()
    {
        var probe = new InductionProbe(Vocabulary, Measured, sequences: 32, seed: 1, startToken: Start);
        var untrained = Enumerable.Range(0, 8).Select(seed =>
        {
            using var model = HookedGpt2.FromConfig(Toy, seed);
            using var scope = torch.NewDisposeScope();
            return probe.Measure(model).InductionScores[1].max().ToDouble();
        }).ToArray();
        Assert.All(untrained, score => Assert.InRange(score, 0.0, 0.15));

        using var toy = HookedGpt2.FromConfig(Toy, seed: 0);
        using var data = new RepeatedTokens(Vocabulary, (6, 20), seed: 0, startToken: Start);
        var layer1ByStep = new List<double>();
        var layer0ByStep = new List<double>();
        var options = new TrainingOptions { LearningRate = 1e-3, Beta2 = 0.98, ProgressEvery = 0, Threads = 1, AttentionOffTokenEmbeddings = [0] };
        using (var trainer = new Trainer(toy, options))
            for (int step = 1; step <= Steps; step++)
            {
                using (var batch = data.Next(32)) trainer.Step(batch);
                if (step % MeasureEvery != 0) continue;
                using var scope = torch.NewDisposeScope();
                var found = probe.Measure(toy);
                layer1ByStep.Add(found.InductionScores[1].max().ToDouble());
                layer0ByStep.Add(found.PreviousTokenScores[0].max().ToDouble());
            }
        string curve = string.Join(", ", layer1ByStep.Select(s => s.ToString("0.00")));

        // The phase change: flat for some 300 steps, then most of the rise within 80 steps, the previous-token head rising with it.
        int crossing = layer1ByStep.FindIndex(s => s > Threshold);
        Assert.InRange(crossing, 200 / MeasureEvery, 600 / MeasureEvery);
        Assert.True(layer1ByStep[crossing - 4] < 0.35, curve);
        Assert.True(layer1ByStep[crossing] - layer1ByStep[crossing - 4] > 0.35, curve);
        Assert.True(layer0ByStep[crossing] - layer0ByStep[crossing - 4] > 0.05, string.Join(", ", layer0ByStep.Select(s => s.ToString("0.00"))));

        using var measured = torch.NewDisposeScope();
        var trained = probe.Measure(toy);
        var induction = trained.BestInductionHead;
        var previous = new ScoredHead(0, (int)trained.PreviousTokenScores[0].argmax().ToInt64(), trained.PreviousTokenScores[0].max().ToSingle());
        Assert.True(trained.PreviousTokenScores.max().ToSingle() == previous.Score, "the best previous-token head is in layer 0");
        string untrainedScores = string.Join(", ", untrained.Select(s => s.ToString("0.000")));
        Assert.Equal(1, induction.Layer);
        Assert.True(trained.InductionScores[1].min().ToDouble() > Threshold, $"both layer-1 heads: {string.Join(", ", trained.InductionScores[1].data<float>().ToArray())}; untrained: {untrainedScores}");
        Assert.True(previous.Score > 0.6, $"previous-token head {previous}");
        Assert.True(trained.SecondCopyLoss < 0.3, $"loss on the second copy {trained.SecondCopyLoss:0.00}");
        Assert.True(trained.FirstCopyLoss > 4.1, $"loss on the first copy {trained.FirstCopyLoss:0.00}: random tokens cannot be predicted (ln 65 = 4.17)");

        // Silencing layer 0 (its heads' z = 0): the induction head loses most of its stripe.
        float Silenced(HookFunction change)
        {
            var (_, cache) = toy.RunWithHooksAndCache(probe.Tokens, name => name.EndsWith("attn.hook_pattern"), ("blocks.0.attn.hook_z", change));
            using (cache) return Induction(cache, induction);
        }
        float withoutPrevious = Silenced((z, hook) => z.index_fill(2, torch.tensor(new long[] { previous.Head }), 0));
        float withoutLayer0 = Silenced((z, hook) => torch.zeros_like(z));
        Assert.True(withoutPrevious < induction.Score - 0.3, $"{previous.Name} silenced: {withoutPrevious:0.00} (trained {induction.Score:0.00})");
        Assert.True(withoutLayer0 < 0.35 && withoutLayer0 < withoutPrevious, $"layer 0 silenced: {withoutLayer0:0.00}");

        // K-composition: layer 0's note left out of the induction head's keys only (recomputed from the embeddings, as
        // the lesson's cell does) removes the stripe; left out of its queries only, the stripe stays.
        float WithoutLayer0In(string part)
        {
            using var scope = torch.NewDisposeScope();
            int d = toy.Config.DModel, column = part == "q" ? 0 : d;
            Tensor? embeddings = null;
            HookFunction remember = (x, hook) => { embeddings = x; return x; };
            HookFunction fromEmbeddingsOnly = (computed, hook) =>
            {
                var normalized = torch.nn.functional.layer_norm(embeddings!, [d], toy.Weights[$"h.{induction.Layer}.ln_1.weight"],
                    toy.Weights[$"h.{induction.Layer}.ln_1.bias"], toy.Config.LayerNormEpsilon);
                var fresh = normalized.flatten(0, 1).mm(toy.Weights[$"h.{induction.Layer}.attn.c_attn.weight"].narrow(1, column, d))
                    + toy.Weights[$"h.{induction.Layer}.attn.c_attn.bias"].narrow(0, column, d);
                return fresh.view(computed.shape);
            };
            var (_, cache) = toy.RunWithHooksAndCache(probe.Tokens, name => name.EndsWith("attn.hook_pattern"),
                ("blocks.0.hook_resid_pre", remember), ($"blocks.{induction.Layer}.attn.hook_{part}", fromEmbeddingsOnly));
            using (cache) return Induction(cache, induction);
        }
        float keysWithoutLayer0 = WithoutLayer0In("k"), queriesWithoutLayer0 = WithoutLayer0In("q");
        Assert.True(keysWithoutLayer0 < 0.35, $"layer 0 left out of the keys: {keysWithoutLayer0:0.00} (trained {induction.Score:0.00})");
        Assert.True(queriesWithoutLayer0 > induction.Score - 0.1, $"layer 0 left out of the queries: {queriesWithoutLayer0:0.00} (trained {induction.Score:0.00})");

        // Other lengths: strong across the middle and long end, weaker but far from random at 4 and 5 (never trained).
        float AtLength(int length, out InductionMeasurement found)
        {
            found = new InductionProbe(Vocabulary, length, sequences: 32, seed: 2, startToken: Start).Measure(toy);
            return found.InductionScores[induction.Layer, induction.Head].ToSingle();
        }
        foreach (int length in new[] { 9, 13, 20 })
        {
            float score = AtLength(length, out var found);
            Assert.True(score > 0.5, $"copies of {length}: {induction.Name} scores {score:0.00}");
            Assert.True(found.SecondCopyLoss < 0.5, $"copies of {length}: loss on the second copy {found.SecondCopyLoss:0.00}");
        }
        foreach (int length in new[] { 4, 5 })
        {
            float score = AtLength(length, out var found);
            Assert.InRange(score, 0.15, 0.5);
            Assert.True(found.SecondCopyLoss < found.FirstCopyLoss - 1, $"copies of {length}: {found.SecondCopyLoss:0.00} against {found.FirstCopyLoss:0.00}");
        }
        AtLength(4, out var shortest);
        AtLength(20, out var longest);
        Assert.True(longest.PreviousTokenScores[0, previous.Head].ToSingle() < shortest.PreviousTokenScores[0, previous.Head].ToSingle() - 0.3,
            "the previous-token head is weaker on the late positions of long copies");
    }

    /// <summary>
    /// The probe itself: random weights score low at every repeat length and predict both copies alike, so a high score
    /// or a drop on the second copy comes from training.
    /// </summary>
    [Fact]
    public void Random_weights_score_low_at_every_repeat_length()
    {
        using var model = HookedGpt2.FromConfig(Toy, seed: 3);
        foreach (int length in new[] { 4, 8, 12, 16 })
        {
            using var scope = torch.NewDisposeScope();
            var found = new InductionProbe(Vocabulary, length, sequences: 32, seed: 4, startToken: Start).Measure(model);
            Assert.InRange(found.BestInductionHead.Score, 0.0, 0.3);
            Assert.InRange(found.SecondCopyLoss, found.FirstCopyLoss - 0.1, found.FirstCopyLoss + 0.1);
        }
    }
}
