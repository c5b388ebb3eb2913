using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The usual ways of getting GPT-2's LayerNorm wrong, in five groups: the variance, ε and the square root, the mean,
/// the axis, and the scale γ and shift β. The check tries them one at a time, then two from different groups.
/// </summary>
[Flags]
internal enum LayerNormMistake
{
    None = 0,
    // The variance.
    UnbiasedVariance = 1 << 0,      // divided by N − 1 (torch's var and std by default), not by N
    // ε and the square root.
    EpsOutsideRoot = 1 << 1,        // (x − μ) / (σ + ε)
    EpsMissing = 1 << 2,            // (x − μ) / σ
    RootMissing = 1 << 3,           // (x − μ) / (σ² + ε): divided by the variance, not the standard deviation
    // The mean.
    MeanNotSubtracted = 1 << 4,     // x / √(σ² + ε), σ² still taken around the mean
    RootMeanSquare = 1 << 5,        // x / √(mean(x²) + ε): no mean anywhere (RMSNorm)
    // The axis the statistics are taken over.
    OverPositions = 1 << 6,         // dim 1: each feature over the positions
    OverBatch = 1 << 7,             // dim 0: each feature and position over the batch
    OverEverything = 1 << 8,        // one mean and one variance for the whole tensor
    // The scale γ and the shift β.
    ScaleMissing = 1 << 9,          // x̂ + β
    ShiftMissing = 1 << 10,         // x̂ · γ
    ScaleAndShiftSwapped = 1 << 11, // x̂ · β + γ
    ShiftBeforeScale = 1 << 12,     // (x̂ + β) · γ
}

/// <summary>
/// GPT-2's LayerNorm written as the Lesson 2.1 exercise asks for it (equal to the model's own), and the same with the
/// usual mistakes made, so that the checker can say which mistake a learner's function made.
/// </summary>
internal static class LayerNormReference
{
    private static readonly LayerNormMistake[][] Groups =
    [
        [LayerNormMistake.UnbiasedVariance],
        [LayerNormMistake.EpsOutsideRoot, LayerNormMistake.EpsMissing, LayerNormMistake.RootMissing],
        [LayerNormMistake.MeanNotSubtracted, LayerNormMistake.RootMeanSquare],
        [LayerNormMistake.OverPositions, LayerNormMistake.OverBatch, LayerNormMistake.OverEverything],
        [LayerNormMistake.ScaleMissing, LayerNormMistake.ShiftMissing, LayerNormMistake.ScaleMissing | LayerNormMistake.ShiftMissing,
         LayerNormMistake.ScaleAndShiftSwapped, LayerNormMistake.ShiftBeforeScale],
    ];

    /// <summary>
    /// LayerNorm of x [batch, pos, d_model] (in float64) with <paramref name="mistakes"/> made. Without mistakes:
    /// μ and σ² = the mean and the variance (divided by N) of each position's d_model numbers,
    /// x̂ = (x − μ) / √(σ² + ε), output = x̂ · γ + β.
    /// </summary>
    public static Tensor Compute(Tensor x, Tensor weight, Tensor bias, double eps, LayerNormMistake mistakes = LayerNormMistake.None)
    {
        bool Made(LayerNormMistake mistake) => (mistakes & mistake) != 0;
        x = x.to_type(ScalarType.Float64);
        var gamma = weight.to_type(ScalarType.Float64);   // [d_model]
        var beta = bias.to_type(ScalarType.Float64);      // [d_model]

        long[] axes = Made(LayerNormMistake.OverPositions) ? [1] :
                      Made(LayerNormMistake.OverBatch) ? [0] :
                      Made(LayerNormMistake.OverEverything) ? [0, 1, 2] : [2];
        long count = axes.Aggregate(1L, (n, axis) => n * x.shape[axis]);          // N: how many numbers each mean averages
        var mean = x.mean(axes, keepdim: true);                                    // μ: [batch, pos, 1] when right
        var centered = x - mean;
        var squares = Made(LayerNormMistake.RootMeanSquare) ? x.pow(2) : centered.pow(2);
        var variance = squares.sum(axes, keepdim: true) / (Made(LayerNormMistake.UnbiasedVariance) ? count - 1 : count);   // σ²

        var numerator = Made(LayerNormMistake.MeanNotSubtracted) || Made(LayerNormMistake.RootMeanSquare) ? x : centered;
        var divisor = Made(LayerNormMistake.EpsOutsideRoot) ? variance.sqrt() + eps :
                      Made(LayerNormMistake.EpsMissing) ? variance.sqrt() :
                      Made(LayerNormMistake.RootMissing) ? variance + eps :
                      (variance + eps).sqrt();
        var normalized = numerator / divisor;                                      // x̂: [batch, pos, d_model]

        if (Made(LayerNormMistake.ScaleAndShiftSwapped)) return normalized * beta + gamma;
        if (Made(LayerNormMistake.ShiftBeforeScale)) return (normalized + beta) * gamma;
        var scaled = Made(LayerNormMistake.ScaleMissing) ? normalized : normalized * gamma;
        return Made(LayerNormMistake.ShiftMissing) ? scaled : scaled + beta;
    }

    /// <summary>
    /// What to look for: every mistake alone, then two from different groups; fewest mistakes first. Where ε sits shows
    /// only in a vector whose variance is far below ε; statistics taken over the wrong axis mix vectors and are never
    /// that small, so ε outside the root or missing is not paired with a wrong axis (the axis is named, and ε after it).
    /// </summary>
    public static IReadOnlyList<LayerNormMistake> Mistakes { get; } = ListMistakes();

    private const LayerNormMistake EpsPlacement = LayerNormMistake.EpsOutsideRoot | LayerNormMistake.EpsMissing;
    private const LayerNormMistake WrongAxis = LayerNormMistake.OverPositions | LayerNormMistake.OverBatch | LayerNormMistake.OverEverything;

    private static LayerNormMistake[] ListMistakes()
    {
        var singles = Groups.SelectMany(group => group).ToArray();
        var pairs = from first in Enumerable.Range(0, Groups.Length)
                    from second in Enumerable.Range(first + 1, Groups.Length - first - 1)
                    from a in Groups[first]
                    from b in Groups[second]
                    let both = a | b
                    where (both & EpsPlacement) == 0 || (both & WrongAxis) == 0
                    select both;
        return singles.Concat(pairs).OrderBy(m => System.Numerics.BitOperations.PopCount((uint)m)).ToArray();
    }

    /// <summary>What is wrong and what to do, one pair per mistake in <paramref name="mistakes"/>.</summary>
    public static IEnumerable<(string Diagnosis, string Hint)> Explain(LayerNormMistake mistakes) =>
        Enum.GetValues<LayerNormMistake>().Where(m => m != LayerNormMistake.None && (mistakes & m) != 0).Select(Explanation);

    private static (string Diagnosis, string Hint) Explanation(LayerNormMistake mistake) => mistake switch
    {
        LayerNormMistake.UnbiasedVariance => ("the variance is divided by d_model − 1 (the unbiased variance), but LayerNorm divides by d_model",
            "TorchSharp's x.var(...) and x.std(...) divide by N − 1 unless you pass unbiased: false. Or compute it yourself: ((x − mean)²).mean over the last axis."),
        LayerNormMistake.EpsOutsideRoot => ("the ε is added outside the square root: (x − μ) / (σ + ε), but GPT-2 divides by √(σ² + ε)",
            "Add ε to the variance, then take the square root: (variance + 1e-5).sqrt(). The two differ little for most vectors, a lot for a nearly constant one."),
        LayerNormMistake.EpsMissing => ("the ε is missing: (x − μ) / σ, so a nearly constant vector is blown up (and a constant one gives 0/0 = NaN)",
            "Divide by √(σ² + ε) with ε = 1e-5, GPT-2's layer_norm_epsilon: (variance + 1e-5).sqrt()."),
        LayerNormMistake.RootMissing => ("the square root is missing: you divide by the variance σ² + ε, not by the standard deviation √(σ² + ε)",
            "Take the square root of variance + ε: the output must have variance 1 (before γ and β), and dividing by the variance gives 1/σ²."),
        LayerNormMistake.MeanNotSubtracted => ("the mean is not subtracted: x / √(σ² + ε) instead of (x − μ) / √(σ² + ε)",
            "Center first: x − x.mean([-1], keepdim: true), then divide that by √(σ² + ε). Each position's normalized vector has mean 0."),
        LayerNormMistake.RootMeanSquare => ("no mean anywhere: x / √(mean(x²) + ε) is RMSNorm (Llama's), not GPT-2's LayerNorm",
            "LayerNorm subtracts each vector's mean μ, and its σ² is the mean of (x − μ)², not of x²."),
        LayerNormMistake.OverPositions => ("the mean and the variance are taken over the positions (dim 1), not over each position's d_model numbers",
            "Normalize each position's vector on its own: reduce over the last axis, dim -1 (mean([-1], keepdim: true))."),
        LayerNormMistake.OverBatch => ("the mean and the variance are taken over the batch (dim 0), not over each position's d_model numbers",
            "Normalize each position's vector on its own: reduce over the last axis, dim -1 (mean([-1], keepdim: true))."),
        LayerNormMistake.OverEverything => ("one mean and one variance for the whole tensor, not one per position",
            "x.mean() without an axis averages every number of every position. Reduce over the last axis only: x.mean([-1], keepdim: true) is [batch, pos, 1]."),
        LayerNormMistake.ScaleMissing => ("the scale γ (weight) is missing: x̂ + β",
            "Multiply the normalized vector by weight, entry by entry, before adding bias: x̂ · γ + β."),
        LayerNormMistake.ShiftMissing => ("the shift β (bias) is missing: x̂ · γ",
            "Add bias after the scale: x̂ · γ + β."),
        LayerNormMistake.ScaleAndShiftSwapped => ("the scale and the shift are swapped: x̂ · β + γ",
            "weight (γ) multiplies and bias (β) adds: x̂ · weight + bias."),
        LayerNormMistake.ShiftBeforeScale => ("the shift is added before the scale: (x̂ + β) · γ",
            "Scale first, then shift: x̂ · γ + β."),
        _ => throw new ArgumentOutOfRangeException(nameof(mistake), mistake, "Not a single mistake."),
    };
}
