using System.Numerics;
using LessonKit.Display;
using LessonKit.Display.Charts;
using LessonKit.Display.Views;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// Charts of your own data: <see cref="Line{TX, TY}"/>, <see cref="Bar{T}(IEnumerable{string}, IEnumerable{T}, string?, string?, string?, string?)"/> and <see cref="Heatmap{T}(T[,], IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/>.
/// They take arrays of any number type (<c>double[]</c>, <c>float[]</c>, <c>int[]</c>), lists and LINQ queries, and
/// tensors; they draw offline (no script or data from the network) and show themselves below a notebook cell.
/// </summary>
public static partial class Plots
{
    /// <summary>
    /// A line through the points (x[i], y[i]), drawn in the order given: <c>Plots.Line(steps, losses, "Training loss", "step", "loss")</c>.
    /// A y that is NaN or ∞ leaves a gap (and a note); x values must be finite numbers.
    /// </summary>
    /// <param name="x">The x values.</param>
    /// <param name="y">The y values, one per x.</param>
    /// <param name="title">The heading ("Line chart" when not given).</param>
    /// <param name="xTitle">What x is, written under the x axis.</param>
    /// <param name="yTitle">What y is, written beside the y axis.</param>
    /// <param name="name">The line's name for a legend (none when not given).</param>
    /// <param name="yFromZero">Start the y axis at 0 even when every y is far from it.</param>
    public static LineChartView Line<TX, TY>(IEnumerable<TX> x, IEnumerable<TY> y, string? title = null, string? xTitle = null, string? yTitle = null,
        string? name = null, bool yFromZero = false) where TX : INumber<TX> where TY : INumber<TY> =>
        new([Series(name ?? "", x, y)], title, xTitle, yTitle, yFromZero);

    /// <summary>A line through y[0], y[1], … at x = 0, 1, …: <c>Plots.Line(losses, "Training loss")</c>.</summary>
    public static LineChartView Line<T>(IEnumerable<T> y, string? title = null, string? xTitle = null, string? yTitle = null,
        string? name = null, bool yFromZero = false) where T : INumber<T> =>
        new([Series(name ?? "", y)], title, xTitle, yTitle, yFromZero);

    /// <summary>A line through the values of a 1-D tensor at x = 0, 1, …: <c>Plots.Line(logits[0, -1, ..20])</c>.</summary>
    /// <remarks>
    /// Generic in the tensor's type only so that arrays pick the overload for sequences: TorchSharp converts a
    /// <c>double[]</c> to a <see cref="Tensor"/> implicitly, which would make <c>Plots.Line(array)</c> ambiguous.
    /// </remarks>
    public static LineChartView Line<TTensor>(TTensor y, string? title = null, string? xTitle = null, string? yTitle = null,
        string? name = null, bool yFromZero = false) where TTensor : Tensor
    {
        double[] values = ChartInput.Values(y, nameof(y));
        return new([new ChartSeries(name ?? "", Enumerable.Range(0, values.Length).Select(i => (double)i).ToArray(), values)], title, xTitle, yTitle, yFromZero);
    }

    /// <summary>A line through (x[i], y[i]) for two 1-D tensors of the same length: <c>Plots.Line(torch.arange(10), losses)</c>.</summary>
    public static LineChartView Line<TTensor>(TTensor x, TTensor y, string? title = null, string? xTitle = null, string? yTitle = null,
        string? name = null, bool yFromZero = false) where TTensor : Tensor =>
        new([new ChartSeries(name ?? "", ChartInput.Values(x, nameof(x)), ChartInput.Values(y, nameof(y)))], title, xTitle, yTitle, yFromZero);

    /// <summary>
    /// Several named lines on one chart, with a legend:
    /// <c>Plots.Line([Plots.Series("with cache", n, fast), Plots.Series("without", n, slow)], "Speed", "tokens", "tokens/s")</c>.
    /// </summary>
    public static LineChartView Line(IEnumerable<ChartSeries> series, string? title = null, string? xTitle = null, string? yTitle = null, bool yFromZero = false)
    {
        ArgumentNullException.ThrowIfNull(series);
        return new(series.ToArray(), title, xTitle, yTitle, yFromZero);
    }

    /// <summary>One named line for <see cref="Line(IEnumerable{ChartSeries}, string?, string?, string?, bool)"/>: the points (x[i], y[i]).</summary>
    public static ChartSeries Series<TX, TY>(string name, IEnumerable<TX> x, IEnumerable<TY> y) where TX : INumber<TX> where TY : INumber<TY> =>
        new(name ?? "", ChartInput.Values(x, nameof(x)), ChartInput.Values(y, nameof(y)));

    /// <summary>One named line through y[0], y[1], … at x = 0, 1, ….</summary>
    public static ChartSeries Series<T>(string name, IEnumerable<T> y) where T : INumber<T>
    {
        double[] values = ChartInput.Values(y, nameof(y));
        return new(name ?? "", Enumerable.Range(0, values.Length).Select(i => (double)i).ToArray(), values);
    }

    /// <summary>
    /// One horizontal bar per label, its value written beside it: <c>Plots.Bar(["gpt2", "distilgpt2"], [124.4, 81.9], "Parameters", unit: "M")</c>.
    /// Negative values grow left of a zero line; NaN or ∞ get no bar, only their value in red (and a note).
    /// </summary>
    /// <param name="labels">One label per bar.</param>
    /// <param name="values">One value per label.</param>
    /// <param name="title">The heading ("Bar chart" when not given).</param>
    /// <param name="labelTitle">A heading over the labels (what they are).</param>
    /// <param name="valueTitle">A heading over the bars (what the values are).</param>
    /// <param name="unit">Written after each value ("ms", "%").</param>
    public static BarChartView Bar<T>(IEnumerable<string> labels, IEnumerable<T> values, string? title = null, string? labelTitle = null,
        string? valueTitle = null, string? unit = null) where T : INumber<T>
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new(labels.ToArray(), ChartInput.Values(values, nameof(values)), title, labelTitle, valueTitle, unit);
    }

    /// <summary>One bar per label for the values of a 1-D tensor: <c>Plots.Bar(strTokens, loss, "Loss per token")</c>.</summary>
    /// <remarks>Generic in the tensor's type for the reason given on <see cref="Line{TTensor}(TTensor, string?, string?, string?, string?, bool)"/>.</remarks>
    public static BarChartView Bar<TTensor>(IEnumerable<string> labels, TTensor values, string? title = null, string? labelTitle = null,
        string? valueTitle = null, string? unit = null) where TTensor : Tensor
    {
        ArgumentNullException.ThrowIfNull(labels);
        return new(labels.ToArray(), ChartInput.Values(values, nameof(values)), title, labelTitle, valueTitle, unit);
    }

    /// <summary>
    /// A matrix as a heatmap, from a 2-D tensor [rows, columns]: <c>Plots.Heatmap(cache["pattern", 0][0, 3], strTokens, strTokens, "L0H3")</c>.
    /// Hover a cell for its row, column and value. NaN cells are grey, ±∞ at the ends of the scale (and a note).
    /// </summary>
    /// <param name="matrix">The values [rows, columns] (any number type, any device).</param>
    /// <param name="rowLabels">One label per row, top to bottom (rows are numbered from 0 when not given).</param>
    /// <param name="columnLabels">One label per column, left to right.</param>
    /// <param name="title">The heading.</param>
    /// <param name="rowTitle">What the rows are ("query", "layer"); "row" when not given.</param>
    /// <param name="columnTitle">What the columns are ("key", "head"); "column" when not given.</param>
    /// <param name="colors">The colour scale: by default diverging (red, white at 0, blue) when the values have both signs, else sequential (white to blue).</param>
    /// <param name="min">The value at the scale's low end (the smallest value when not given); values below it take the end colour.</param>
    /// <param name="max">The value at the scale's high end (the largest value when not given).</param>
    public static HeatmapView Heatmap(Tensor matrix, IEnumerable<string>? rowLabels = null, IEnumerable<string>? columnLabels = null, string? title = null,
        string? rowTitle = null, string? columnTitle = null, HeatmapColors colors = HeatmapColors.Auto, double? min = null, double? max = null) =>
        Heatmap(ChartInput.Matrix(matrix, nameof(matrix)), rowLabels, columnLabels, title, rowTitle, columnTitle, colors, min, max);

    /// <summary>A matrix as a heatmap, from a 2-D array (<c>double[,]</c>, <c>float[,]</c>, <c>int[,]</c>).</summary>
    public static HeatmapView Heatmap<T>(T[,] matrix, IEnumerable<string>? rowLabels = null, IEnumerable<string>? columnLabels = null, string? title = null,
        string? rowTitle = null, string? columnTitle = null, HeatmapColors colors = HeatmapColors.Auto, double? min = null, double? max = null) where T : INumber<T> =>
        Heatmap(ChartInput.Matrix(matrix, nameof(matrix)), rowLabels, columnLabels, title, rowTitle, columnTitle, colors, min, max);

    /// <summary>A matrix as a heatmap, from its rows: a jagged array (<c>double[][]</c>, <c>float[][]</c>) or a list of lists, every row the same length.</summary>
    public static HeatmapView Heatmap<T>(IEnumerable<IEnumerable<T>> matrix, IEnumerable<string>? rowLabels = null, IEnumerable<string>? columnLabels = null, string? title = null,
        string? rowTitle = null, string? columnTitle = null, HeatmapColors colors = HeatmapColors.Auto, double? min = null, double? max = null) where T : INumber<T> =>
        Heatmap(ChartInput.Matrix(matrix, nameof(matrix)), rowLabels, columnLabels, title, rowTitle, columnTitle, colors, min, max);

    private static HeatmapView Heatmap(ChartMatrix matrix, IEnumerable<string>? rowLabels, IEnumerable<string>? columnLabels, string? title,
        string? rowTitle, string? columnTitle, HeatmapColors colors, double? min, double? max) =>
        new(matrix, ChartInput.Labels(rowLabels, matrix.Rows, nameof(rowLabels), "rows"), ChartInput.Labels(columnLabels, matrix.Columns, nameof(columnLabels), "columns"),
            title, rowTitle, columnTitle, colors, min, max);
}
