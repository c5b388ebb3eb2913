using System.Globalization;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// Compares a learner's tensor with the expected one the way a checker reports it: shape first, then values with a
/// tolerance, treating −∞ (masked scores) as a value that must sit in the same places, and NaN as always wrong
/// (unless both have NaN at the same place and <c>nanEqual</c> is set).
/// </summary>
internal static class TensorComparison
{
    /// <summary>Absolute tolerance used when none is given: float32 sums of a few hundred products agree this well.</summary>
    public const double DefaultAbsolute = 1e-4;

    /// <summary>Relative tolerance used when none is given.</summary>
    public const double DefaultRelative = 1e-4;

    /// <summary>Same shape and every value within <c>absolute + relative·|expected|</c> (infinities must match exactly).</summary>
    public static bool Close(Tensor actual, Tensor expected, double absolute = DefaultAbsolute, double relative = DefaultRelative, bool nanEqual = false) =>
        actual.shape.SequenceEqual(expected.shape) && FirstMismatch(actual, expected, absolute, relative, nanEqual) is null;

    /// <summary>
    /// The flat index of the first element that differs, or null when all agree. Shapes must be equal.
    /// </summary>
    public static long? FirstMismatch(Tensor actual, Tensor expected, double absolute = DefaultAbsolute, double relative = DefaultRelative, bool nanEqual = false)
    {
        using var scope = torch.NewDisposeScope();
        var a = actual.detach().cpu().to_type(ScalarType.Float64).flatten();
        var e = expected.detach().cpu().to_type(ScalarType.Float64).flatten();
        var finiteBoth = a.isfinite().logical_and(e.isfinite());
        // Where both are finite: the usual tolerance. Elsewhere (±∞, NaN): they must be the very same special value.
        var closeFinite = (a - e).abs().le(e.abs() * relative + absolute).logical_and(finiteBoth);
        var sameSpecial = a.eq(e).logical_and(finiteBoth.logical_not());
        var good = closeFinite.logical_or(sameSpecial);
        if (nanEqual) good = good.logical_or(a.isnan().logical_and(e.isnan()));
        var bad = good.logical_not();
        if (!bad.any().ToBoolean()) return null;
        return bad.to_type(ScalarType.Int32).argmax().ToInt64();
    }

    /// <summary>Whether a tensor holds a NaN anywhere.</summary>
    public static bool HasNaN(Tensor tensor)
    {
        if (!tensor.is_floating_point()) return false;
        using var nan = tensor.isnan();
        using var any = nan.any();
        return any.ToBoolean();
    }

    /// <summary>Turns a flat index into one index per axis: 37 in [2, 3, 5, 8] is [0, 0, 4, 5].</summary>
    public static long[] Unravel(long flat, ReadOnlySpan<long> shape)
    {
        var index = new long[shape.Length];
        for (int axis = shape.Length - 1; axis >= 0; axis--)
        {
            index[axis] = shape[axis] == 0 ? 0 : flat % shape[axis];
            flat = shape[axis] == 0 ? 0 : flat / shape[axis];
        }
        return index;
    }

    /// <summary>A shape as <c>[2, 3, 5, 8]</c>.</summary>
    public static string Shape(ReadOnlySpan<long> shape) => "[" + string.Join(", ", shape.ToArray()) + "]";

    /// <summary>
    /// Describes where <paramref name="actual"/> first differs from <paramref name="expected"/> (same shape): the
    /// index, and the expected and actual values along the last axis there: <c>out[0, 1, 3, :]</c>, then
    /// <c>expected 0.1250 0.5000 ...</c> and <c>got ...</c> on the next two lines.
    /// </summary>
    public static string DescribeMismatch(string name, Tensor actual, Tensor expected, long flat)
    {
        long[] index = Unravel(flat, expected.shape);
        string where = index.Length == 0 ? name : name + "[" + string.Join(", ", index.Take(index.Length - 1).Select(i => i.ToString(CultureInfo.InvariantCulture)).Append(":")) + "]";
        if (index.Length == 0)
            return $"{name}: expected {Format(expected.ToDouble())}, got {Format(actual.ToDouble())}";
        using var scope = torch.NewDisposeScope();
        Tensor Row(Tensor t)
        {
            var row = t.detach().cpu().to_type(ScalarType.Float64);
            for (int axis = 0; axis < index.Length - 1; axis++) row = row[index[axis]];
            return row;
        }
        return $"{where}\n  expected {Values(Row(expected))}\n  got      {Values(Row(actual))}";
    }

    /// <summary>Up to 8 values of a 1-D tensor, with "..." after.</summary>
    public static string Values(Tensor row)
    {
        var values = row.data<double>().ToArray();
        var text = new StringBuilder();
        foreach (double v in values.Take(8)) text.Append(Format(v)).Append(' ');
        if (values.Length > 8) text.Append("...");
        return text.ToString().TrimEnd();
    }

    /// <summary>A value with 4 decimals (or -inf, nan).</summary>
    public static string Format(double value) =>
        double.IsNegativeInfinity(value) ? "-inf" :
        double.IsPositiveInfinity(value) ? "inf" :
        double.IsNaN(value) ? "nan" :
        value.ToString(Math.Abs(value) >= 1e4 ? "0.###e0" : "0.0000", CultureInfo.InvariantCulture);
}
