namespace LessonKit;

/// <summary>
/// One line of a line chart: a name for the legend and its points. Make one with
/// <c>Plots.Series("with cache", x, y)</c> (any number type) or <c>new ChartSeries("with cache", x, y)</c> (doubles), and
/// draw several with <c>Plots.Line([first, second], title: "...")</c>.
/// </summary>
/// <param name="Name">Shown in the legend and the tooltips.</param>
/// <param name="X">The x values (the same count as <paramref name="Y"/>).</param>
/// <param name="Y">The y values; NaN or ∞ leave a gap in the line.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);
