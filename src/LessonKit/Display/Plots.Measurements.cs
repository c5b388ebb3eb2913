using LessonKit.Display;
using LessonKit.Display.Views;
using LessonKit.Lessons;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// Charts and tables for measurements a lesson makes: a score per attention head, a table of text cells, the
/// model-size comparison, and title-first forms of <see cref="Line(IEnumerable{ChartSeries}, string?, string?, string?, bool)"/>
/// and <see cref="Bar{T}(IEnumerable{string}, IEnumerable{T}, string?, string?, string?, string?)"/>.
/// </summary>
public static partial class Plots
{
    /// <summary>
    /// Several named lines under a title, the y axis from 0:
    /// <c>Plots.Lines("Speed", "tokens", "tokens/s", new ChartSeries("cache", xs, ys), new ChartSeries("no cache", xs, zs))</c>.
    /// </summary>
    /// <param name="title">The heading (required).</param>
    /// <param name="xLabel">What x is, written under the x axis.</param>
    /// <param name="yLabel">What y is, written beside the y axis.</param>
    /// <param name="series">The lines, at least one (<see cref="Series{TX, TY}"/> makes one).</param>
    public static LineChartView Lines(string title, string xLabel, string yLabel, params ChartSeries[] series)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(series);
        return Line(series, title, xLabel, yLabel, yFromZero: true);
    }

    /// <summary>A horizontal bar per label under a title, its value written beside it with <paramref name="unit"/>: <c>Plots.Bars("Latency", ["gpt2", "distilgpt2"], [40, 20], "ms")</c>.</summary>
    public static BarChartView Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string unit = "")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        return Bar(labels, values, title, unit: unit);
    }

    /// <summary>
    /// One score per head, <paramref name="scores"/> [layer, head], as a shaded grid with the best head outlined and a
    /// ranking (<see cref="HeadScoresView.Best"/>, <see cref="HeadScoresView.Ranking"/>):
    /// <c>Plots.HeadScores(PatternScores.PreviousToken(cache), "Previous-token heads")</c>.
    /// </summary>
    /// <param name="scores">One number per head, [layer, head].</param>
    /// <param name="title">The heading (required).</param>
    /// <param name="format">How each score is written (a .NET number format: "0.00", "0.0", "P0").</param>
    public static HeadScoresView HeadScores(Tensor scores, string title, string format = "0.00") => new(scores, title, format);

    /// <summary>A table of text cells under a title; columns whose cells are all numbers are right-aligned.</summary>
    /// <param name="title">The heading (required).</param>
    /// <param name="headers">One header per column.</param>
    /// <param name="rows">The rows, each with one cell per column.</param>
    public static TableView Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) => new(title, headers, rows);

    /// <summary>The model-size lab's measurements as a table and bar charts of parameters and forward latency.</summary>
    /// <param name="measurements">One per model name: measured, or skipped with the reason.</param>
    /// <param name="prompt">The prompt every model read (written in the view's title).</param>
    public static ModelComparisonView ModelComparison(IEnumerable<ModelMeasurement> measurements, string prompt) => new(measurements, prompt);
}
