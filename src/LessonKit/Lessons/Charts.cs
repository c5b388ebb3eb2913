using LessonKit.Display;
using LessonKit.Display.Views;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// Small charts and tables for the lessons' measurements (timings, head scores, model sizes). Like the views of
/// <see cref="Plots"/>, each shows itself below a notebook cell, renders offline (static HTML and SVG) and has
/// <c>SaveHtml</c> and a text form. <see cref="Lines"/> and <see cref="Bars"/> are <see cref="Plots.Line(IEnumerable{ChartSeries}, string?, string?, string?, bool)"/>
/// and <see cref="Plots.Bar{T}(IEnumerable{string}, IEnumerable{T}, string?, string?, string?, string?)"/> with a required title.
/// </summary>
public static class Charts
{
    /// <summary>
    /// A line chart of one or more series, its y axis from 0: <c>Charts.Lines("Speed", "tokens", "tokens/s", new ChartSeries("cache", xs, ys))</c>.
    /// </summary>
    public static LineChartView Lines(string title, string xLabel, string yLabel, params ChartSeries[] series)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(series);
        return Plots.Line(series, title, xLabel, yLabel, yFromZero: true);
    }

    /// <summary>A horizontal bar per label, its value written beside it with <paramref name="unit"/>.</summary>
    public static BarChartView Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string unit = "")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        return Plots.Bar(labels, values, title, unit: unit);
    }

    /// <summary>
    /// One score per head, <paramref name="scores"/> [layer, head], as a shaded grid with the best head outlined and a
    /// ranking (<see cref="HeadScoresView.Best"/>, <see cref="HeadScoresView.Ranking"/>).
    /// </summary>
    public static HeadScoresView HeadScores(Tensor scores, string title, string format = "0.00") => new(scores, title, format);

    /// <summary>A table of text cells; all-number columns are right-aligned.</summary>
    public static TableView Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) => new(title, headers, rows);

    /// <summary>The model-size lab's measurements as a table and bar charts of parameters and forward latency.</summary>
    public static ModelComparisonView ModelComparison(IEnumerable<ModelMeasurement> measurements, string prompt) => new(measurements, prompt);
}
