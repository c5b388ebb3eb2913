using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>The top-k and top-p exercises: learner-style solutions and each usual mistake.</summary>
public class SamplingCheckTests
{
    /// <summary>Top-k as a learner writes it: softmax, the k largest through topk, zero the rest, renormalise.</summary>
    private static Tensor TopK(Tensor logits, int k)
    {
        var probabilities = logits.softmax(-1);
        var (values, ids) = probabilities.topk(k);
        return torch.zeros_like(probabilities).index_put_(values / values.sum(), ids);
    }

    /// <summary>Top-p as a learner writes it, with switches for the usual mistakes.</summary>
    private static Func<Tensor, double, Tensor> TopP(bool dropCrosser = false, bool ascending = false, bool unsorted = false, bool renormalise = true,
        bool leftSorted = false) =>
        (logits, p) =>
        {
            var probabilities = logits.softmax(-1);
            if (leftSorted)
            {
                // Forgets to put the decision back at the token ids: the result stays in sorted order.
                var (sortedValues, _) = probabilities.sort(descending: true);
                var keptSorted = sortedValues * ((sortedValues.cumsum(0) - sortedValues) < p).to_type(ScalarType.Float32);
                return keptSorted / keptSorted.sum();
            }
            Tensor keep;
            if (unsorted)
            {
                keep = (probabilities.cumsum(0) - probabilities) < p;
            }
            else
            {
                var (sorted, order) = probabilities.sort(descending: !ascending);
                var total = sorted.cumsum(0);
                var keepSorted = dropCrosser ? total <= p : (total - sorted) < p;
                keep = torch.zeros_like(keepSorted).scatter(0, order, keepSorted);
            }
            var kept = probabilities * keep;
            return renormalise ? kept / kept.sum() : kept;
        };

    [Fact]
    public void Top_k_solutions_pass_on_the_example_and_the_model()
    {
        var result = Exercises.CheckTopK(TopK);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("model.Generate(topK: 10)", result.Message);

        using var model = TinyGpt2.Load();
        Assert.True(Exercises.CheckTopK(TopK, model).Passed);
        // A threshold on the k-th value, as the library's own sampler keeps ties, passes too.
        var threshold = Exercises.CheckTopK((logits, k) =>
        {
            var probabilities = logits.softmax(-1);
            var kept = probabilities.where(probabilities >= probabilities.topk(k).values[-1], 0f);
            return kept / kept.sum();
        }, model);
        Assert.True(threshold.Passed, threshold.ToString());
    }

    [Theory]
    [InlineData("k-1", "off by one: you kept k − 1 tokens")]
    [InlineData("k+1", "off by one: you kept k + 1 tokens")]
    [InlineData("smallest", "the k LEAST likely tokens")]
    [InlineData("first ids", "the first k token ids of the vocabulary")]
    [InlineData("rank order", "in rank order, at ids 0 … k − 1, not at their own tokens' ids")]
    [InlineData("nothing removed", "nothing was removed")]
    public void Top_k_mistakes_are_named(string mistake, string diagnosis)
    {
        Func<Tensor, int, Tensor> learner = mistake switch
        {
            "k-1" => (logits, k) => k == 1 ? TopK(logits, 1) : TopK(logits, k - 1),   // a loop that stops one early (the k = 1 case still right)
            "k+1" => (logits, k) => TopK(logits, Math.Min(k + 1, (int)logits.shape[0])),
            "smallest" => (logits, k) =>
            {
                var probabilities = logits.softmax(-1);
                var (values, ids) = probabilities.topk(k, largest: false);
                return torch.zeros_like(probabilities).index_put_(values / values.sum(), ids);
            },
            "first ids" => (logits, k) =>
            {
                var probabilities = logits.softmax(-1);
                var kept = torch.cat([probabilities[..k], torch.zeros(probabilities.shape[0] - k)]);
                return kept / kept.sum();
            },
            "rank order" => (logits, k) =>
            {
                // Keeps the right values but writes them at ids 0 … k − 1, forgetting topk's ids.
                var probabilities = logits.softmax(-1);
                var values = probabilities.topk(k).values;
                var kept = torch.cat([values, torch.zeros(probabilities.shape[0] - k)]);
                return kept / kept.sum();
            },
            _ => (logits, _) => logits.softmax(-1),
        };
        var result = Exercises.CheckTopK(learner);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(diagnosis, result.Message);
        Assert.Contains("expected to keep 3 tokens: ids 7, 2, 10", string.Join("\n", result.Details));
    }

    [Fact]
    public void Top_k_without_renormalising_or_returning_logits_is_named()
    {
        var unnormalised = Exercises.CheckTopK((logits, k) =>
        {
            var probabilities = logits.softmax(-1);
            var (values, ids) = probabilities.topk(k);
            return torch.zeros_like(probabilities).index_put_(values, ids);
        });
        Assert.Equal(CheckOutcome.Failed, unnormalised.Outcome);
        Assert.Contains("sum to 0.65, not 1: they were not renormalised", unnormalised.Message);

        var logitsBack = Exercises.CheckTopK((logits, k) => logits.masked_fill(logits < logits.topk(k).values[-1], double.NegativeInfinity));
        Assert.Equal(CheckOutcome.Failed, logitsBack.Outcome);
        Assert.Contains("logits, not probabilities", logitsBack.Message);

        var oneOffAndUnnormalised = Exercises.CheckTopK((logits, k) =>
        {
            var probabilities = logits.softmax(-1);
            var (values, ids) = probabilities.topk(k + 1);
            return torch.zeros_like(probabilities).index_put_(values, ids);
        });
        Assert.Contains("2 things are off: off by one: you kept k + 1 tokens", oneOffAndUnnormalised.Message);
    }

    [Fact]
    public void Top_k_of_the_wrong_shape_or_not_done_is_explained()
    {
        var cut = Exercises.CheckTopK((logits, k) => logits.softmax(-1).topk(k).values);
        Assert.Contains("returned shape [3], expected [12]", cut.Message);
        Assert.Contains("don't cut them out", cut.Hint);
        Assert.Equal(CheckOutcome.NotDone, Exercises.CheckTopK((_, _) => throw new NotImplementedException()).Outcome);
    }

    [Fact]
    public void Top_p_solution_passes_on_the_example_and_the_model()
    {
        var result = Exercises.CheckTopP(TopP());
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("model.Generate(topP: 0.9)", result.Message);
        using var model = TinyGpt2.Load();
        Assert.True(Exercises.CheckTopP(TopP(), model).Passed);
    }

    [Fact]
    public void Top_p_that_drops_the_token_crossing_p_is_named()
    {
        var result = Exercises.CheckTopP(TopP(dropCrosser: true));
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("TopP(logits, 0.6): the token that crosses p was dropped", result.Message);
        Assert.Contains("expected to keep 3 tokens: ids 7, 2, 10\nyours keeps      2 tokens: ids 7, 2", string.Join("\n", result.Details));
        Assert.Contains("most likely token is always kept", result.Hint);
    }

    [Theory]
    [InlineData("ascending", "the wrong tail")]
    [InlineData("unsorted", "in vocabulary order")]
    [InlineData("not renormalised", "not renormalised")]
    [InlineData("left sorted", "in sorted order (most likely first), not at their tokens' ids")]
    public void Other_top_p_mistakes_are_named(string mistake, string diagnosis)
    {
        var learner = mistake switch
        {
            "ascending" => TopP(ascending: true),
            "unsorted" => TopP(unsorted: true),
            "left sorted" => TopP(leftSorted: true),
            _ => TopP(renormalise: false),
        };
        var result = Exercises.CheckTopP(learner);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void The_library_sampler_keeps_the_token_that_crosses_p_and_at_least_one()
    {
        using var scope = torch.NewDisposeScope();
        var probabilities = torch.tensor(new[] { 0.1f, 0.5f, 0.15f, 0.25f });
        var kept = LessonKit.Generation.NextTokenSampler.KeepTopP(probabilities, 0.6);   // 0.5, then 0.25 crosses 0.6: both kept
        Assert.Equal(new[] { 0f, 0.5f, 0f, 0.25f }, kept.data<float>().ToArray());
        var alone = LessonKit.Generation.NextTokenSampler.KeepTopP(probabilities, 0.3); // 0.5 alone crosses 0.3
        Assert.Equal(new[] { 0f, 0.5f, 0f, 0f }, alone.data<float>().ToArray());
        var topTwo = LessonKit.Generation.NextTokenSampler.KeepTopK(probabilities, 2);
        Assert.Equal(new[] { 0f, 0.5f, 0f, 0.25f }, topTwo.data<float>().ToArray());
    }
}
