using System.Numerics;
using LessonKit.Display.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display.Charts;

/// <summary>
/// Turns what a learner passes to <see cref="Plots.Line{TX, TY}"/>, <see cref="Plots.Bar{T}(IEnumerable{string}, IEnumerable{T}, string?, string?, string?, string?)"/> and
/// <see cref="Plots.Heatmap{T}(T[,], IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/>
/// (arrays of any number type, sequences, 2-D arrays, jagged arrays, tensors) into plain <c>double</c>s, with an error
/// that names the argument and what is wrong with it.
/// </summary>
internal static class ChartInput
{
    /// <summary>The values of a sequence of numbers (<c>double[]</c>, <c>float[]</c>, <c>int[]</c>, <c>List&lt;double&gt;</c>, a LINQ query).</summary>
    public static double[] Values<T>(IEnumerable<T>? values, string name) where T : INumber<T>
    {
        ArgumentNullException.ThrowIfNull(values, name);
        return values.Select(v => ToDouble(v, name)).ToArray();
    }

    /// <summary>The values of a 1-D tensor (any number type, any device).</summary>
    public static double[] Values(Tensor? tensor, string name)
    {
        CheckNumbers(tensor, name);
        if (tensor!.Dimensions != 1)
            throw new ArgumentException(
                $"'{name}' must be a 1-D tensor (one value per point), but its shape is [{Shape(tensor)}]. " +
                "Pick one row (e.g. t[0]) or flatten it (t.flatten()).", name);
        return TensorReader.ToFloats(tensor).Select(v => (double)v).ToArray();
    }

    /// <summary>A matrix from a 2-D array: <c>double[,]</c>, <c>float[,]</c>, <c>int[,]</c>.</summary>
    public static ChartMatrix Matrix<T>(T[,]? matrix, string name) where T : INumber<T>
    {
        ArgumentNullException.ThrowIfNull(matrix, name);
        int rows = matrix.GetLength(0), columns = matrix.GetLength(1);
        CheckNotEmpty(rows, columns, name);
        var values = new double[rows * columns];
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < columns; c++) values[r * columns + c] = ToDouble(matrix[r, c], name);
        return new ChartMatrix(values, rows, columns);
    }

    /// <summary>A matrix from rows: a jagged array (<c>double[][]</c>, <c>float[][]</c>) or a list of lists; every row the same length.</summary>
    public static ChartMatrix Matrix<T>(IEnumerable<IEnumerable<T>>? rows, string name) where T : INumber<T>
    {
        ArgumentNullException.ThrowIfNull(rows, name);
        var list = rows.Select((row, r) => row is null
            ? throw new ArgumentException($"Row {r} of '{name}' is null; every row needs its values.", name)
            : row.Select(v => ToDouble(v, name)).ToArray()).ToArray();
        int columns = list.Length == 0 ? 0 : list[0].Length;
        for (int r = 1; r < list.Length; r++)
            if (list[r].Length != columns)
                throw new ArgumentException(
                    $"Row {r} of '{name}' has {list[r].Length} values but row 0 has {columns}; a heatmap needs every row the same length.", name);
        CheckNotEmpty(list.Length, columns, name);
        return new ChartMatrix(list.SelectMany(row => row).ToArray(), list.Length, columns);
    }

    /// <summary>A matrix from a 2-D tensor [rows, columns] (any number type, any device).</summary>
    public static ChartMatrix Matrix(Tensor? tensor, string name)
    {
        CheckNumbers(tensor, name);
        if (tensor!.Dimensions != 2)
            throw new ArgumentException(
                $"'{name}' must be a 2-D tensor [rows, columns], but its shape is [{Shape(tensor)}]. " +
                (tensor.Dimensions > 2 ? "Pick one matrix, e.g. t[0] (or t[0, 3] for one head of an attention pattern)." : "Reshape it, e.g. t.reshape(rows, -1)."), name);
        int rows = (int)tensor.shape[0], columns = (int)tensor.shape[1];
        CheckNotEmpty(rows, columns, name);
        if ((long)rows * columns > MaxMatrixValues)
            throw new ArgumentException($"'{name}' has {(long)rows * columns:N0} values, too many to draw; slice it first (e.g. t[..512, ..512]).", name);
        return new ChartMatrix(TensorReader.ToFloats(tensor).Select(v => (double)v).ToArray(), rows, columns);
    }

    /// <summary>The largest tensor a heatmap reads (it then shows every k-th row and column).</summary>
    public const long MaxMatrixValues = 50_000_000;

    /// <summary>
    /// Labels for <paramref name="count"/> rows, columns or bars, or <c>null</c> when none are given. A null label
    /// becomes empty text.
    /// </summary>
    public static string[]? Labels(IEnumerable<string?>? labels, int count, string name, string what)
    {
        if (labels is null) return null;
        string[] list = labels.Select(l => l ?? "").ToArray();
        if (list.Length != count)
            throw new ArgumentException($"'{name}' has {list.Length} labels for {count} {what}: give one label per {what.TrimEnd('s')} (or none).", name);
        return list;
    }

    private static double ToDouble<T>(T value, string name) where T : INumber<T>
    {
        try
        {
            return double.CreateSaturating(value);
        }
        catch (Exception e) when (e is NotSupportedException or OverflowException)
        {
            throw new ArgumentException($"'{name}' holds {typeof(T).Name} values, which cannot be turned into numbers to draw; convert them to double first.", name, e);
        }
    }

    private static void CheckNumbers(Tensor? tensor, string name)
    {
        TensorReader.CheckAlive(tensor, name);
        if (tensor!.is_complex())
            throw new ArgumentException($"'{name}' holds complex numbers ({tensor.dtype}); draw their size or real part instead: t.abs() or t.real.", name);
    }

    private static void CheckNotEmpty(int rows, int columns, string name)
    {
        if (rows == 0 || columns == 0)
            throw new ArgumentException($"'{name}' is empty ({rows} rows × {columns} columns); a heatmap needs at least one value.", name);
    }

    private static string Shape(Tensor tensor) => string.Join(", ", tensor.shape);
}

/// <summary>A matrix of numbers, row-major: <c>Values[r * Columns + c]</c>.</summary>
internal sealed record ChartMatrix(double[] Values, int Rows, int Columns);
