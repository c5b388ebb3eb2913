using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// Checkers for the lessons' exercises, ARENA style: you read, write the code in a cell, then run its check.
/// A check runs your code on small fixed inputs and on the model's own activations, and returns a
/// <see cref="CheckResult"/>: one ✔ line, or what is off (shape, scale, mask, softmax axis, ...) with a hint.
/// Checks never throw on a wrong answer; they throw only when called wrongly (a null function).
/// </summary>
public static partial class Exercises
{
    /// <summary>
    /// Compares a tensor you computed with the model's (a hook value from the cache, for example): shape first, then
    /// every value within <paramref name="tolerance"/> (plus the same relative tolerance), with -∞ (masked scores)
    /// required in the same places. Says where the first difference is, and whether yours looks transposed or
    /// scaled by a constant. <paramref name="hint"/> is what to suggest when the values differ for none of those
    /// reasons (by default: check each step and the slices of the weights): say where to look in this cell.
    /// <code>Exercises.CheckMatches("Q of head 3", myQ, cache["q", layer][0, .., head, ..])</code>
    /// </summary>
    public static CheckResult CheckMatches(string what, Tensor yours, Tensor model, double tolerance = TensorComparison.DefaultAbsolute, string? hint = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(what);
        ArgumentNullException.ThrowIfNull(model);
        if (!(tolerance >= 0)) throw new ArgumentOutOfRangeException(nameof(tolerance), tolerance, "The tolerance must be 0 or more.");
        if (yours is null) return CheckResult.Fail(what, "your tensor is null.", "Assign the result of your computation before checking it.");
        if (yours.IsInvalid) return CheckResult.Fail(what, "your tensor has been disposed.", "Do not dispose it (or use it after a `using` block ends) before the check.");

        using var scope = torch.NewDisposeScope();
        string yourShape = TensorComparison.Shape(yours.shape), modelShape = TensorComparison.Shape(model.shape);
        if (!yours.shape.SequenceEqual(model.shape))
            return CheckResult.Fail(what, $"the shape is {yourShape}, the model's is {modelShape}.", ShapeHint(yours, model));
        if (!yours.is_floating_point())
            return CheckResult.Fail(what, $"your tensor holds {yours.dtype}, not floating-point numbers.", "Compute in float32, as the model does.");

        long? mismatch = TensorComparison.FirstMismatch(yours, model, tolerance, tolerance);
        if (mismatch is null)
        {
            double largest = MaxFiniteDifference(yours, model);
            return CheckResult.Pass(what, $"matches the model: shape {modelShape}, largest difference {largest.ToString("0.#e0", CultureInfo.InvariantCulture)}.");
        }
        string evidence = TensorComparison.DescribeMismatch("yours", yours, model, mismatch.Value);
        if (TensorComparison.HasNaN(yours))
            return CheckResult.Fail(what, "your tensor has NaN (not a number) in it.", "A softmax over a row that is all -∞ gives NaN: check which entries you mask.", evidence);
        if (!SameInfinities(yours, model))
            return CheckResult.Fail(what, "-∞ (masked) values are not in the same places as the model's.",
                "The model hides key j from query i exactly when j > i (later tokens). Check the mask's orientation and diagonal.", evidence);
        if (ConstantRatio(yours, model) is double ratio)
            return CheckResult.Fail(what, $"every value is {ratio.ToString("0.####", CultureInfo.InvariantCulture)} times the model's.",
                "A constant factor usually means a missing or extra scale, such as 1/√d_head.", evidence);
        if (model.Dimensions >= 2 && model.shape[^1] == model.shape[^2] && TensorComparison.Close(yours.transpose(-2, -1), model, tolerance, tolerance))
            return CheckResult.Fail(what, "yours is the model's with the last two axes swapped (transposed).", "Check which axis is which, e.g. [query, key] vs [key, query].", evidence);
        return CheckResult.Fail(what, "the values differ from the model's.",
            hint ?? "Check each step against the formula, and the weights' slices: which columns belong to this head?", evidence);
    }

    private static string ShapeHint(Tensor yours, Tensor model)
    {
        long[] a = yours.shape, b = model.shape;
        if (a.Length == b.Length && a.Length >= 2 && a.Reverse().SequenceEqual(b))
            return "Yours has the model's axes in reverse order: transpose it.";
        if (a.Where(d => d != 1).SequenceEqual(b.Where(d => d != 1)))
            return "Only axes of size 1 differ: index the batch ([0]) or squeeze/unsqueeze to match.";
        if (yours.numel() == model.numel())
            return "Same number of values, different shape: reshape or transpose the axes into the model's order.";
        return "Check which slice you took (the layer, the head, the position) and the order of the axes.";
    }

    private static double MaxFiniteDifference(Tensor a, Tensor b)
    {
        var difference = (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs();
        var finite = difference.isfinite();
        return finite.any().ToBoolean() ? difference.masked_select(finite).max().ToDouble() : 0;
    }

    private static bool SameInfinities(Tensor a, Tensor b) => a.isinf().eq(b.isinf()).all().ToBoolean();

    /// <summary>The constant c with yours ≈ c · model, when there is one (and it is not 1).</summary>
    private static double? ConstantRatio(Tensor yours, Tensor model)
    {
        var a = yours.to_type(ScalarType.Float64).flatten();
        var b = model.to_type(ScalarType.Float64).flatten();
        var usable = b.abs().gt(1e-6).logical_and(a.isfinite()).logical_and(b.isfinite());
        if (usable.sum().ToInt64() < 2) return null;
        var ratios = a.masked_select(usable) / b.masked_select(usable);
        double mean = ratios.mean().ToDouble();
        if (Math.Abs(mean - 1) < 1e-3 || Math.Abs(mean) < 1e-9) return null;
        var rebuilt = b * mean;
        return TensorComparison.Close(a, rebuilt, 1e-4, 1e-3) ? mean : null;
    }

    /// <summary>
    /// Runs learner code; NotImplementedException means "not done yet", anything else is reported, and so is a null or
    /// already disposed tensor. Give the code copies of the checker's inputs (<see cref="Copy"/>), so that code which
    /// changes its inputs in place cannot change what the checker compares with.
    /// </summary>
    private static (T? Value, CheckResult? Problem) Attempt<T>(string exercise, string function, Func<T> run)
    {
        try
        {
            var value = run();
            if (value is null)
                return (default, CheckResult.Fail(exercise, $"{function} returned null.", "Return the tensor you computed."));
            if (value is Tensor { IsInvalid: true })
                return (default, CheckResult.Fail(exercise,
                    $"{function}: your function returned a tensor that was already disposed (freed), so its values are gone.",
                    "Don't put the result in a `using` (`using var result = ...` frees it as the function returns). If your function " +
                    "opens its own torch.NewDisposeScope(), return result.MoveToOuterDisposeScope() so the result outlives the scope."));
            return (value, null);
        }
        catch (NotImplementedException notDone)
        {
            // The message says which function still throws: it may be another exercise's, called from this one.
            string? which = notDone.Message == DefaultNotImplementedMessage ? null : notDone.Message;
            return (default, CheckResult.NotDone(exercise, function, which));
        }
        catch (Exception e)
        {
            return (default, CheckResult.Fail(exercise, $"{function} threw {e.GetType().Name}: {FirstLine(e.Message)}", HintFor(e)));
        }
    }

    private static readonly string DefaultNotImplementedMessage = new NotImplementedException().Message;

    /// <summary>A fresh copy of a checker's input for learner code, which may change its inputs in place (<c>q.div_(...)</c>).</summary>
    [return: System.Diagnostics.CodeAnalysis.NotNullIfNotNull(nameof(input))]
    private static Tensor? Copy(Tensor? input) => input?.clone();

    private static string FirstLine(string message)
    {
        string line = message.Split('\n')[0].Trim();
        return line.Length > 240 ? line[..240] + "..." : line;
    }

    private static string HintFor(Exception e)
    {
        string message = e.Message;
        if (e is NullReferenceException)
            return "Something was null. If that is the mask: mask may be null, meaning 'no mask' (check `mask is null`).";
        if (message.Contains("einsum", StringComparison.OrdinalIgnoreCase))
            return "The einsum's letters do not fit the tensors: each letter names one axis, and a letter must have the same size everywhere. " +
                   "For the scores q·kᵀ: torch.einsum(\"bhqd,bhkd->bhqk\", q, k).";
        if (message.Contains("cannot be multiplied", StringComparison.OrdinalIgnoreCase) || message.Contains("mat1 and mat2", StringComparison.OrdinalIgnoreCase)
            || message.Contains("Expected size for first two dimensions", StringComparison.OrdinalIgnoreCase))
            return "A matrix product (mm, bmm) got shapes that do not fit. q·kᵀ needs k with its last two axes swapped: k.transpose(-2, -1); " +
                   "torch.einsum(\"bhqd,bhkd->bhqk\", q, k) does it for you.";
        if (message.Contains("must match the size", StringComparison.OrdinalIgnoreCase) || message.Contains("shape", StringComparison.OrdinalIgnoreCase))
            return "Two tensors' shapes do not fit together. Print the .shape of each step to see where.";
        if (message.Contains("dtype", StringComparison.OrdinalIgnoreCase) || message.Contains("Bool", StringComparison.OrdinalIgnoreCase))
            return "A tensor has an unexpected type: masks are bool (ScalarType.Bool), scores and values float32.";
        return "Read the message above, fix that line and run both cells again.";
    }
}
