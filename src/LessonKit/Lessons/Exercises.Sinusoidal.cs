using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string SinusoidalExercise = "Sinusoidal positional encoding";

    /// <summary>The sizes the check tries, (positions, d_model): two small ones, whose values a message can show, then the lesson's.</summary>
    internal static readonly (int SeqLen, int DModel)[] SinusoidalProbes = [(12, 8), (10, 6), (100, 128), (1, 2)];

    /// <summary>How many of the probes, from the first, are small enough to name a mistake on (their angles stay small enough for float32).</summary>
    private const int SmallProbes = 2;

    /// <summary>
    /// Checks a sinusoidal encoding: <c>sinusoidal(seqLen, dModel)</c> must return [seqLen, dModel] with
    /// PE[p, 2i] = sin(p / 10000^(2i/d_model)) and PE[p, 2i+1] = cos(p / 10000^(2i/d_model)), as
    /// <see cref="PositionalEncoding.Sinusoidal"/> computes it. Tried for 12 × 8, 10 × 6, 100 × 128 and 1 × 2. Names
    /// the usual mistakes (a wrong frequency exponent, sin and cos swapped, sines and cosines not interleaved, an off-by-one
    /// in 2i/d_model or in the positions), alone or together, and a wrong shape, type or NaN.
    /// </summary>
    public static CheckResult CheckSinusoidalEncoding(Func<int, int, Tensor> sinusoidal)
    {
        ArgumentNullException.ThrowIfNull(sinusoidal);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var outputs = new Tensor[SinusoidalProbes.Length];
        for (int probe = 0; probe < SinusoidalProbes.Length; probe++)
        {
            var (seqLen, dModel) = SinusoidalProbes[probe];
            string call = $"SinusoidalEncoding({seqLen}, {dModel})";
            var (output, problem) = Attempt(SinusoidalExercise, call, () => sinusoidal(seqLen, dModel));
            if (problem is not null) return problem;
            if (JudgeEncodingForm(output!, call, seqLen, dModel, probe == 0 ? null : outputs[0].shape) is CheckResult wrongForm) return wrongForm;
            outputs[probe] = output!.detach().cpu().to_type(ScalarType.Float64);
        }

        int firstWrong = -1;
        for (int probe = 0; probe < SinusoidalProbes.Length && firstWrong < 0; probe++)
        {
            var (seqLen, dModel) = SinusoidalProbes[probe];
            if (TensorComparison.FirstMismatch(outputs[probe], SinusoidalReference.Encoding(seqLen, dModel)) is not null) firstWrong = probe;
        }
        if (firstWrong < 0)
            return CheckResult.Pass(SinusoidalExercise,
                $"correct for {string.Join(", ", SinusoidalProbes.Select(p => $"{p.SeqLen} × {p.DModel}"))}: the same as PositionalEncoding.Sinusoidal.");

        var (wrongLength, wrongWidth) = SinusoidalProbes[firstWrong];
        var expected = SinusoidalReference.Encoding(wrongLength, wrongWidth);
        string evidence = TensorComparison.DescribeMismatch("PE", outputs[firstWrong], expected, TensorComparison.FirstMismatch(outputs[firstWrong], expected)!.Value) +
                          $"\n  (for {wrongLength} positions × d_model {wrongWidth})";
        if (firstWrong >= SmallProbes)
            return CheckResult.Fail(SinusoidalExercise,
                $"right for {string.Join(" and ", SinusoidalProbes.Take(firstWrong).Select(p => $"{p.SeqLen} × {p.DModel}"))}, but not for {wrongLength} × {wrongWidth}.",
                "Read every size from seqLen and dModel (no numbers fixed to one size), and compute the angle in double or float32, not in an integer type.", evidence);

        foreach (var mistakes in SinusoidalReference.Mistakes)
        {
            bool matches = Enumerable.Range(0, SmallProbes).All(probe =>
                TensorComparison.Close(outputs[probe], SinusoidalReference.Encoding(SinusoidalProbes[probe].SeqLen, SinusoidalProbes[probe].DModel, mistakes), 1e-2, 1e-3));
            if (!matches) continue;
            return CheckResult.Mistakes(SinusoidalExercise, SinusoidalReference.Explain(mistakes).ToArray(), where: null, aside: null, evidence);
        }
        return CheckResult.Fail(SinusoidalExercise, "the values differ from the formula.",
            "Check each part against PE[p, 2i] = sin(p / 10000^(2i/d_model)), PE[p, 2i+1] = cos(p / 10000^(2i/d_model)), for p = 0 … seqLen−1 and i = 0 … d_model/2 − 1. " +
            "Row 0 (position 0) must read 0, 1, 0, 1, …", evidence);
    }

    /// <summary>The shape, the type and NaN or infinity: what must be right before the values can be compared.</summary>
    private static CheckResult? JudgeEncodingForm(Tensor output, string call, int seqLen, int dModel, long[]? firstShape)
    {
        long[] shape = output.shape;
        string expected = $"[{seqLen}, {dModel}]";
        if (!shape.SequenceEqual(new long[] { seqLen, dModel }))
        {
            string hint =
                shape.SequenceEqual(new long[] { dModel, seqLen }) ? "That is [d_model, positions]: one row per position, one column per dimension. Swap the axes (or build it the other way round)." :
                shape.SequenceEqual(new long[] { 1, seqLen, dModel }) ? "Drop the batch axis: return [seqLen, dModel] (squeeze(0), or index [0])." :
                shape.SequenceEqual(new long[] { seqLen, dModel / 2 }) ? "That is one column per pair: every pair i fills two columns, its sine (2i) and its cosine (2i+1)." :
                shape.SequenceEqual(new long[] { seqLen, dModel / 2, 2 }) ? "That is [positions, pairs, 2], what torch.stack(..., dim: -1) gives: .reshape(seqLen, dModel) then lays each pair's sine and cosine side by side, as columns 2i and 2i+1." :
                shape.SequenceEqual(new long[] { 2, seqLen, dModel / 2 }) ? "That is [2, positions, pairs]: stacking on dim 0 puts all the sines in one block and all the cosines in another. Stack on the last axis (dim: -1), then .reshape(seqLen, dModel)." :
                firstShape is not null && shape.SequenceEqual(firstShape) ? "The shape does not follow the arguments: read the sizes from seqLen and dModel instead of fixed numbers." :
                "One row per position (seqLen rows) and one column per dimension (dModel columns): read both sizes from the arguments.";
            return CheckResult.Fail(SinusoidalExercise, $"{call} has shape {TensorComparison.Shape(shape)}, expected {expected}.", hint);
        }
        if (!output.is_floating_point())
            return CheckResult.Fail(SinusoidalExercise, $"{call} holds {output.dtype} values, not floating-point numbers.",
                "Sines and cosines are fractions: compute in double or float32 (for example torch.arange(seqLen, dtype: ScalarType.Float64)), then return float32.");
        if (TensorComparison.HasNaN(output))
            return CheckResult.Fail(SinusoidalExercise, $"{call} has NaN (not a number) in it.",
                "NaN comes from 0/0, ∞/∞ or 0·∞: check the division by 10000^(2i/d_model) (is the exponent ever huge, or the divisor 0?).");
        if (output.isinf().any().ToBoolean())
            return CheckResult.Fail(SinusoidalExercise, $"{call} has infinite values in it.", "A sine or a cosine lies between −1 and 1: an infinity means the angle overflowed. Check the exponent.");
        return null;
    }
}
