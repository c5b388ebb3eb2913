using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string SplitHeadsExercise = "Splitting into heads";

    /// <summary>
    /// Checks head splitting: <c>splitHeads(x, nHeads)</c> turns x [batch, pos, d_model] into
    /// [batch, head, pos, d_head], head h holding columns h·d_head ... (h+1)·d_head − 1 (as GPT-2 lays them out).
    /// First on numbered inputs (each value tells where it came from), then on <paramref name="model"/>: the
    /// queries of every layer, computed from the first LayerNorm's output and <c>c_attn</c>, split by your function,
    /// must equal the model's <c>hook_q</c>. Without a model, a small random-weight GPT-2 is used.
    /// </summary>
    public static CheckResult CheckSplitHeads(Func<Tensor, int, Tensor> splitHeads, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(splitHeads);
        // Made (once) outside the dispose scope below, which would otherwise free the shared model's weights.
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        // batch 2, 5 positions, 4 heads of d_head 3 (d_model 12): value = its index, so a wrong split is easy to see.
        const int heads = 4;
        var x = torch.arange(2 * 5 * 12, dtype: ScalarType.Float32).reshape(2, 5, 12);
        var (split, problem) = Attempt(SplitHeadsExercise, "SplitHeads(x, 4)", () => splitHeads(Copy(x), heads));
        if (problem is not null) return problem;
        var expected = AttentionReference.SplitHeads(x, heads);
        if (!split!.shape.SequenceEqual(expected.shape))
            return CheckResult.Fail(SplitHeadsExercise,
                $"SplitHeads(x, 4) of x {TensorComparison.Shape(x.shape)} returned {TensorComparison.Shape(split.shape)}, expected {TensorComparison.Shape(expected.shape)} = [batch, head, pos, d_head].",
                SplitShapeHint(split.shape));
        if (TensorComparison.FirstMismatch(split, expected, 0, 0) is long flat)
        {
            string evidence = TensorComparison.DescribeMismatch("split", split, expected, flat) + "\n  (x holds 0, 1, 2, ...: x[b, p, c] = 60·b + 12·p + c)";
            foreach (var mistake in AttentionReference.SplitHeadsMistakes())
                if (TensorComparison.Close(split, mistake.Compute(x, heads), 0, 0))
                    return CheckResult.Fail(SplitHeadsExercise, mistake.Diagnosis, mistake.Hint, evidence);
            return CheckResult.Fail(SplitHeadsExercise, "the values are not where they belong.",
                "split[b, h, p, i] must be x[b, p, h·d_head + i]: reshape to [batch, pos, head, d_head], then transpose(1, 2).", evidence);
        }

        var tokens = gpt.ToTokens(ExerciseModel.Sentence, truncate: true);
        var (_, cache) = gpt.RunWithCache(tokens, name => name.EndsWith("ln1.hook_normalized") || name.EndsWith("attn.hook_q"));
        using (cache)
        {
            int dModel = gpt.Config.DModel;
            for (int layer = 0; layer < gpt.Config.NLayers; layer++)
            {
                // Every head's queries at once: the first d_model output columns of c_attn (then come keys, then values).
                var weight = gpt.Weights[$"h.{layer}.attn.c_attn.weight"].narrow(1, 0, dModel); // [d_model, d_model]
                var bias = gpt.Weights[$"h.{layer}.attn.c_attn.bias"].narrow(0, 0, dModel);     // [d_model]
                var queries = cache["normalized", layer, "ln1"].matmul(weight) + bias;            // [batch, pos, d_model]
                var (mine, failure) = Attempt(SplitHeadsExercise, $"SplitHeads on layer {layer}'s queries", () => splitHeads(Copy(queries), gpt.Config.NHeads));
                if (failure is not null) return failure;
                var reference = cache["q", layer].transpose(1, 2); // [batch, head, pos, d_head]
                if (!mine!.shape.SequenceEqual(reference.shape))
                    return CheckResult.Fail(SplitHeadsExercise, $"on layer {layer} of {ExerciseModel.Describe(gpt)} the result is {TensorComparison.Shape(mine.shape)}, expected {TensorComparison.Shape(reference.shape)}.",
                        "Read batch, pos and d_model from x.shape and compute d_head = d_model / nHeads; never hard-code them.");
                if (TensorComparison.FirstMismatch(mine, reference) is long modelFlat)
                    return CheckResult.Fail(SplitHeadsExercise, $"correct on the numbered input, but on layer {layer} of {ExerciseModel.Describe(gpt)} it differs from hook_q.",
                        "Read the sizes from x.shape and nHeads rather than assuming numbers.", TensorComparison.DescribeMismatch("split", mine, reference, modelFlat));
            }
        }
        return CheckResult.Pass(SplitHeadsExercise,
            $"correct on the numbered input and equal to hook_q (as [batch, head, pos, d_head]) in all {gpt.Config.NLayers} layers of {ExerciseModel.Describe(gpt)}.");
    }

    private static string SplitShapeHint(long[] actual)
    {
        if (actual.SequenceEqual(new long[] { 2, 5, 4, 3 }))
            return "That is [batch, pos, head, d_head], one step short: swap the pos and head axes with transpose(1, 2).";
        if (actual.SequenceEqual(new long[] { 8, 5, 3 }))
            return "Batch and heads were merged into one axis; keep them apart: [batch, head, pos, d_head].";
        if (actual.SequenceEqual(new long[] { 2, 4, 3, 5 }))
            return "The last two axes are swapped: positions come before d_head.";
        return "d_head = d_model / nHeads; the result has four axes: [batch, head, pos, d_head].";
    }
}
