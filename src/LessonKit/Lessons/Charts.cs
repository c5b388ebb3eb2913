using System.ComponentModel;
using LessonKit.Display;
using LessonKit.Display.Views;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The lessons' first name for some of <see cref="Plots"/>' charts, kept so existing notebooks run: use
/// <see cref="Plots"/> instead (<c>Charts.Lines</c> is <see cref="Plots.Lines"/>, <c>Charts.Bars</c> is
/// <see cref="Plots.Bars"/>, <c>Charts.HeadScores</c> is <see cref="Plots.HeadScores"/>, <c>Charts.Table</c> is
/// <see cref="Plots.Table"/>, <c>Charts.ModelComparison</c> is <see cref="Plots.ModelComparison"/>, with the same parameters).
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static class Charts
{
    /// <summary>Use <see cref="Plots.Lines"/>.</summary>
    public static LineChartView Lines(string title, string xLabel, string yLabel, params ChartSeries[] series) => Plots.Lines(title, xLabel, yLabel, series);

    /// <summary>Use <see cref="Plots.Bars"/>.</summary>
    public static BarChartView Bars(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string unit = "") => Plots.Bars(title, labels, values, unit);

    /// <summary>Use <see cref="Plots.HeadScores"/>.</summary>
    public static HeadScoresView HeadScores(Tensor scores, string title, string format = "0.00") => Plots.HeadScores(scores, title, format);

    /// <summary>Use <see cref="Plots.Table"/>.</summary>
    public static TableView Table(string title, IReadOnlyList<string> headers, IEnumerable<IReadOnlyList<string>> rows) => Plots.Table(title, headers, rows);

    /// <summary>Use <see cref="Plots.ModelComparison"/>.</summary>
    public static ModelComparisonView ModelComparison(IEnumerable<ModelMeasurement> measurements, string prompt) => Plots.ModelComparison(measurements, prompt);
}
