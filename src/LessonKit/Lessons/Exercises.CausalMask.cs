using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string CausalMaskExercise = "Causal mask";

    /// <summary>
    /// Checks a causal mask function: <c>causalMask(n)</c> must return a bool tensor [n, n] (rows are queries, columns
    /// keys) that is true where the query may attend to the key: the key is the query itself or comes before it.
    /// Tried for n = 4, 7 and 1. Names the usual mistakes: transposed, inverted, no diagonal, not bool.
    /// </summary>
    public static CheckResult CheckCausalMask(Func<int, Tensor> causalMask)
    {
        ArgumentNullException.ThrowIfNull(causalMask);
        using var scope = torch.NewDisposeScope();
        foreach (int n in new[] { 4, 7, 1 })
        {
            var (mask, problem) = Attempt(CausalMaskExercise, $"CausalMask({n})", () => causalMask(n));
            if (problem is not null) return problem;
            var verdict = JudgeCausalMask(mask!, n);
            if (verdict is not null) return verdict;
        }
        return CheckResult.Pass(CausalMaskExercise, "correct for 4, 7 and 1 positions: each query sees itself and the keys before it, never a later one.");
    }

    private static CheckResult? JudgeCausalMask(Tensor mask, int n)
    {
        string expectedShape = $"[{n}, {n}]";
        if (!mask.shape.SequenceEqual(new long[] { n, n }))
        {
            string hint = mask.shape.Where(d => d != 1).SequenceEqual(new long[] { n, n }.Where(d => d != 1)) && mask.numel() == n * n
                ? "Return exactly [n, n]: drop the extra axes of size 1 (squeeze), broadcasting adds them later."
                : "One row per query and one column per key: torch.ones(n, n, dtype: ScalarType.Bool) has the right shape.";
            return CheckResult.Fail(CausalMaskExercise, $"CausalMask({n}) has shape {TensorComparison.Shape(mask.shape)}, expected {expectedShape}.", hint);
        }

        var expected = AttentionReference.CausalMask(n);
        // Judge the pattern on a bool copy, so that a mask of 0s and 1s in another type gets a precise message too.
        var values = mask.dtype == ScalarType.Bool ? mask : mask.ne(0);
        bool Same(Tensor other) => values.eq(other).all().ToBoolean();

        if (Same(expected))
        {
            return mask.dtype == ScalarType.Bool ? null : CheckResult.Fail(CausalMaskExercise,
                $"the pattern is right, but the mask holds {mask.dtype}, not bool.",
                "masked_fill needs a bool mask: create it with dtype: ScalarType.Bool, or convert with .to_type(ScalarType.Bool).");
        }
        if (n == 1)
            return CheckResult.Fail(CausalMaskExercise, "CausalMask(1) should be [[true]]: a single token attends to itself.", "Keep the diagonal: a token may always look at itself.");

        var ones = torch.ones(n, n, dtype: ScalarType.Bool);
        if (Same(ones))
            return CheckResult.Fail(CausalMaskExercise, $"every entry of CausalMask({n}) is true: every query may look at every key, the later ones (the future) included.",
                "Keep only the lower triangle with the diagonal: .tril().");
        if (Same(ones.logical_not()))
            return CheckResult.Fail(CausalMaskExercise, $"every entry of CausalMask({n}) is false: no query may look at anything.", "Start from all true and keep the lower triangle: torch.ones(n, n, dtype: ScalarType.Bool).tril().");
        if (Same(ones.triu(1)))
            return CheckResult.Fail(CausalMaskExercise, "the mask is inverted: it is true exactly where a query may NOT look.",
                "In this lesson true means 'may attend'. Use .tril() (the lower triangle with the diagonal) instead of .triu(1).");
        if (Same(ones.triu()))
            return CheckResult.Fail(CausalMaskExercise, "the mask is transposed: it lets each query see the keys AFTER it.",
                "Rows are queries and columns are keys; query i may see keys 0..i, the lower triangle: .tril(), not .triu().");
        if (Same(ones.tril(-1)))
            return CheckResult.Fail(CausalMaskExercise, "the diagonal is missing: no token may attend to itself (and the first token sees nothing at all).",
                ".tril() keeps the diagonal; .tril(-1) drops it.");

        long flat = TensorComparison.FirstMismatch(values.to_type(ScalarType.Float32), expected.to_type(ScalarType.Float32), 0, 0)!.Value;
        long query = flat / n, key = flat % n;
        string relation = key <= query ? "comes before it or is itself" : "comes after it";
        return CheckResult.Fail(CausalMaskExercise,
            $"CausalMask({n})[{query}, {key}] is {(!expected[query, key].ToBoolean()).ToString().ToLowerInvariant()}, but key {key} {relation}, so it should be {expected[query, key].ToBoolean().ToString().ToLowerInvariant()}.",
            "Entry [i, j] is true exactly when j ≤ i.");
    }
}
