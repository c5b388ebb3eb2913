using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string TopKExercise = "Top-k";
    private const string TopPExercise = "Top-p";

    /// <summary>Probabilities of the example's 12 tokens, most likely first; <see cref="ExampleLogits"/> puts them in a shuffled order.</summary>
    private static readonly double[] ExampleProbabilities = [0.30, 0.20, 0.15, 0.10, 0.08, 0.06, 0.04, 0.03, 0.02, 0.01, 0.007, 0.003];

    /// <summary>Where each rank of <see cref="ExampleProbabilities"/> sits in the vocabulary: the most likely token is id 7.</summary>
    private static readonly int[] ExampleIds = [7, 2, 10, 0, 5, 11, 3, 8, 1, 6, 9, 4];

    /// <summary>
    /// Checks top-k filtering: <c>topK(logits, k)</c> with logits [d_vocab] must return probabilities [d_vocab]:
    /// softmax(logits) with every token outside the k most likely set to 0, renormalised to sum to 1. Tried on a
    /// 12-token example (k = 3, 1, 5, 12), then on <paramref name="model"/>'s next-token logits against the filter
    /// <see cref="HookedGpt2.Generate"/> uses (k = 10). Names the usual mistakes: k off by one, the wrong tail, the
    /// first k ids instead of the most likely, the kept values left in rank order (not at their ids), no renormalisation,
    /// logits returned instead of probabilities.
    /// </summary>
    public static CheckResult CheckTopK(Func<Tensor, int, Tensor> topK, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(topK);
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var logits = ExampleLogits();
        foreach (int k in new[] { 3, 1, 5, 12 })
        {
            var verdict = JudgeFilter(TopKExercise, $"TopK(logits, {k})", () => topK(Copy(logits), k), logits,
                SamplingReference.TopK(logits, k), null,
                SamplingReference.TopKMistakes().Select(m => (m.Diagnosis, m.Hint, m.Compute(logits, k))),
                $"the {k} most likely tokens");
            if (verdict is not null) return verdict;
        }

        const int modelK = 10;
        var modelLogits = NextTokenLogits(gpt);
        var modelVerdict = JudgeFilter(TopKExercise, $"TopK on {ExerciseModel.Describe(gpt)}'s next-token logits, k = {modelK}", () => topK(Copy(modelLogits), modelK),
            modelLogits, SamplingReference.TopK(modelLogits, modelK), SamplingReference.TopKExactlyK(modelLogits, modelK),
            SamplingReference.TopKMistakes().Select(m => (m.Diagnosis, m.Hint, m.Compute(modelLogits, modelK))), $"the {modelK} most likely tokens");
        return modelVerdict ?? CheckResult.Pass(TopKExercise,
            $"right for k = 3, 1, 5 and 12 on a 12-token example, and on the next-token logits of {ExerciseModel.Describe(gpt)} (k = {modelK}, {modelLogits.size(0):N0} tokens): " +
            $"the tokens and probabilities model.Generate(topK: {modelK}) draws from.");
    }

    /// <summary>
    /// Checks top-p (nucleus) filtering: <c>topP(logits, p)</c> with logits [d_vocab] must return probabilities
    /// [d_vocab]: softmax(logits) with every token set to 0 except the most likely ones, taken in order until they hold
    /// p (the token that reaches or crosses p is kept), renormalised. Tried on a 12-token example (p = 0.6, 0.25, 0.9,
    /// 1), then on <paramref name="model"/>'s next-token logits against the filter <see cref="HookedGpt2.Generate"/> uses
    /// (p = 0.9). Names the usual mistakes: the crossing token dropped, the wrong tail, the running total in vocabulary
    /// order, the result left in sorted order, no renormalisation, logits returned instead of probabilities.
    /// </summary>
    public static CheckResult CheckTopP(Func<Tensor, double, Tensor> topP, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(topP);
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var logits = ExampleLogits();
        foreach (double p in new[] { 0.6, 0.25, 0.9, 1.0 })
        {
            string call = $"TopP(logits, {p.ToString(CultureInfo.InvariantCulture)})";
            var verdict = JudgeFilter(TopPExercise, call, () => topP(Copy(logits), p), logits, SamplingReference.TopP(logits, p), null,
                SamplingReference.TopPMistakes().Select(m => (m.Diagnosis, m.Hint, m.Compute(logits, p))),
                $"the most likely tokens until they hold {p.ToString(CultureInfo.InvariantCulture)}");
            if (verdict is not null) return verdict;
        }

        const double modelP = 0.9;
        var modelLogits = NextTokenLogits(gpt);
        var modelVerdict = JudgeFilter(TopPExercise, $"TopP on {ExerciseModel.Describe(gpt)}'s next-token logits, p = 0.9", () => topP(Copy(modelLogits), modelP),
            modelLogits, SamplingReference.TopP(modelLogits, modelP), null,
            SamplingReference.TopPMistakes().Select(m => (m.Diagnosis, m.Hint, m.Compute(modelLogits, modelP))), "the most likely tokens until they hold 0.9");
        long kept = SamplingReference.TopP(modelLogits, modelP).gt(0).sum().ToInt64();
        return modelVerdict ?? CheckResult.Pass(TopPExercise,
            $"right for p = 0.6, 0.25, 0.9 and 1 on a 12-token example, and on the next-token logits of {ExerciseModel.Describe(gpt)} (p = 0.9: {kept:N0} of {modelLogits.size(0):N0} tokens kept): " +
            "the tokens and probabilities model.Generate(topP: 0.9) draws from.");
    }

    /// <summary>The example's logits [12]: log-probabilities shifted by 2 (so logits and probabilities differ), in a shuffled order.</summary>
    internal static Tensor ExampleLogits()
    {
        var logits = new float[ExampleProbabilities.Length];
        for (int rank = 0; rank < logits.Length; rank++) logits[ExampleIds[rank]] = (float)(Math.Log(ExampleProbabilities[rank]) + 2);
        return torch.tensor(logits);
    }

    /// <summary>The model's logits [d_vocab] for the token after <see cref="ExerciseModel.Sentence"/>.</summary>
    private static Tensor NextTokenLogits(HookedGpt2 model)
    {
        var tokens = model.ToTokens(ExerciseModel.Sentence, truncate: true);
        return model.Forward(tokens)[0, -1];
    }

    /// <summary>
    /// Runs learner code that filters <paramref name="logits"/> and compares its probabilities with
    /// <paramref name="expected"/> (or <paramref name="alsoRight"/>); names a mistake from <paramref name="mistakes"/>
    /// (each renormalised), or a missing renormalisation (with or without one of them). Null when right.
    /// </summary>
    private static CheckResult? JudgeFilter(string exercise, string call, Func<Tensor> run, Tensor logits, Tensor expected, Tensor? alsoRight,
        IEnumerable<(string Diagnosis, string Hint, Tensor Output)> mistakes, string whatToKeep)
    {
        const double tolerance = 1e-5, relative = 1e-4;
        var (output, problem) = Attempt(exercise, call, run);
        if (problem is not null) return problem;
        long vocabulary = logits.size(0);
        if (!output!.shape.SequenceEqual(new[] { vocabulary }))
        {
            string hint = output.numel() == vocabulary
                ? "Return one probability per token, [d_vocab], the shape of the logits: drop the extra axes (reshape(-1) or squeeze)."
                : "Keep every token in the output, [d_vocab], the shape of the logits: the ones you drop get probability 0 (don't cut them out).";
            return CheckResult.Fail(exercise, $"{call} returned shape {TensorComparison.Shape(output.shape)}, expected [{vocabulary}] (one probability per token).", hint);
        }
        if (!output.is_floating_point())
            return CheckResult.Fail(exercise, $"{call} returned {output.dtype} values.", "Return probabilities: float32 numbers between 0 and 1.");
        bool Same(Tensor a, Tensor b) => TensorComparison.Close(a, b, tolerance, relative, nanEqual: true);
        if (Same(output, expected) || (alsoRight is not null && Same(output, alsoRight))) return null;

        string evidence = $"expected to keep {Kept(expected)}\nyours keeps      {Kept(output)}";
        foreach (var (diagnosis, hint, mistake) in mistakes)
            if (Same(output, mistake)) return CheckResult.Fail(exercise, $"{call}: {diagnosis}.", hint, evidence);

        if (output.lt(0).any().ToBoolean() || output.isinf().any().ToBoolean())
            return CheckResult.Fail(exercise, $"{call} returned negative numbers or -∞: logits, not probabilities.",
                "Turn the logits into probabilities with softmax(-1) first, then set the dropped tokens' probabilities to 0 (not -∞) and divide by the sum.", evidence);
        if (TensorComparison.HasNaN(output))
            return CheckResult.Fail(exercise, $"{call} returned NaN (not a number).",
                "NaN comes from 0 / 0: dividing by the sum of the kept probabilities when no token is kept. The most likely token is always kept.", evidence);
        double sum = output.sum().ToDouble();
        if (Math.Abs(sum - 1) > 1e-4 && sum > 0)
        {
            var rescaled = output / sum;
            string total = sum.ToString("0.####", CultureInfo.InvariantCulture);
            if (Same(rescaled, expected) || (alsoRight is not null && Same(rescaled, alsoRight)))
                return CheckResult.Fail(exercise, $"{call} keeps the right tokens, but their probabilities sum to {total}, not 1: they were not renormalised.",
                    "Divide the kept probabilities by their sum, so the draw is made from a distribution: kept / kept.sum().", evidence);
            foreach (var (diagnosis, hint, mistake) in mistakes)
                if (Same(rescaled, mistake))
                    return CheckResult.Fail(exercise, $"{call}: 2 things are off: {diagnosis}; and the probabilities sum to {total}, not 1 (not renormalised).",
                        hint + " Then divide by their sum.", evidence);
            return CheckResult.Fail(exercise, $"{call} returned numbers that sum to {total}, not 1.",
                $"Keep {whatToKeep}: softmax(logits), set the others to 0, divide by the sum.", evidence);
        }
        return CheckResult.Fail(exercise, $"{call} returned other probabilities than expected.",
            $"Keep {whatToKeep}: softmax(logits), set the others to 0, divide by the sum.", evidence,
            TensorComparison.DescribeMismatch("probabilities", output, expected, TensorComparison.FirstMismatch(output, expected, tolerance, relative) ?? 0));
    }

    /// <summary>"3 tokens: ids 7, 2, 10" (most likely first; the first 8 when there are more).</summary>
    private static string Kept(Tensor probabilities)
    {
        var ids = probabilities.nan_to_num(0).gt(0).nonzero().flatten();
        long count = ids.numel();
        if (count == 0) return "no token";
        var order = probabilities.index_select(0, ids).argsort(descending: true);
        var shown = ids.index_select(0, order).data<long>().Take(8).Select(id => id.ToString(CultureInfo.InvariantCulture));
        return $"{count} token{(count == 1 ? "" : "s")}: id{(count == 1 ? "" : "s")} {string.Join(", ", shown)}{(count > 8 ? ", ..." : "")}";
    }
}
