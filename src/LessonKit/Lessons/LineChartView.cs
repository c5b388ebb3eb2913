using System.Globalization;
using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Lessons;

/// <summary>One line of a <see cref="LineChartView"/>: a name for the legend and its points.</summary>
/// <param name="Name">Shown in the legend.</param>
/// <param name="X">The x values (the same count as <paramref name="Y"/>).</param>
/// <param name="Y">The y values.</param>
public sealed record ChartSeries(string Name, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// A line chart as static SVG (no script, nothing from the network): one or more series, axes with round ticks, a
/// legend, and each point's value on hover. The text form lists the points. Made by <see cref="Charts.Lines"/>.
/// </summary>
public sealed class LineChartView : View
{
    private const int Width = 640, Height = 300, Left = 64, Right = 16, Top = 16, Bottom = 44;
    internal static readonly string[] Palette = ["#2171b5", "#e6550d", "#31a354", "#756bb1", "#de2d26", "#636363"];
    private readonly string _title;
    private readonly ChartSeries[] _series;

    internal LineChartView(string title, string xLabel, string yLabel, IReadOnlyList<ChartSeries> series) : base("linechart")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("A line chart needs at least one series.", nameof(series));
        foreach (var s in series)
        {
            ArgumentNullException.ThrowIfNull(s, nameof(series));
            if (s.X is null || s.Y is null || s.X.Count != s.Y.Count)
                throw new ArgumentException($"Series '{s.Name}' has {s.X?.Count ?? 0} x values and {s.Y?.Count ?? 0} y values; they must pair up.", nameof(series));
            if (s.X.Concat(s.Y).Any(v => !double.IsFinite(v)))
                throw new ArgumentException($"Series '{s.Name}' has a value that is not a finite number (NaN or infinity).", nameof(series));
        }
        _title = title;
        XLabel = xLabel ?? "";
        YLabel = yLabel ?? "";
        _series = series.ToArray();
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The x axis label.</summary>
    public string XLabel { get; }

    /// <summary>The y axis label.</summary>
    public string YLabel { get; }

    /// <summary>The lines drawn.</summary>
    public IReadOnlyList<ChartSeries> Series => _series;

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        var xs = _series.SelectMany(s => s.X).DefaultIfEmpty(0).ToArray();
        var ys = _series.SelectMany(s => s.Y).DefaultIfEmpty(0).ToArray();
        var x = ChartScale.Create(xs.Min(), xs.Max(), Left, Width - Right, includeZero: false, integers: xs.All(v => v == Math.Round(v)));
        var y = ChartScale.Create(ys.Min(), ys.Max(), Height - Bottom, Top);
        string C(double v) => ChartScale.Coordinate(v);

        html.Append("<svg width=\"").Append(Width).Append("\" height=\"").Append(Height).Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height)
            .Append("\" role=\"img\" aria-label=\"").Append(HtmlText.Escape(_title)).Append("\">");
        foreach (double tick in y.Ticks())
        {
            html.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(C(y.Pixel(tick))).Append("\" y2=\"").Append(C(y.Pixel(tick)))
                .Append("\" stroke=\"").Append(Math.Abs(tick) < y.Step / 1e6 ? "#8c959f" : "#eaeef2").Append("\"/>")
                .Append("<text x=\"").Append(Left - 6).Append("\" y=\"").Append(C(y.Pixel(tick) + 4)).Append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">")
                .Append(y.Label(tick)).Append("</text>");
        }
        foreach (double tick in x.Ticks())
            html.Append("<text x=\"").Append(C(x.Pixel(tick))).Append("\" y=\"").Append(Height - Bottom + 16).Append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">")
                .Append(x.Label(tick)).Append("</text>");
        html.Append("<text x=\"").Append((Left + Width - Right) / 2).Append("\" y=\"").Append(Height - 8).Append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">")
            .Append(HtmlText.Escape(XLabel)).Append("</text>");
        html.Append("<text transform=\"translate(14 ").Append((Top + Height - Bottom) / 2).Append(") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">")
            .Append(HtmlText.Escape(YLabel)).Append("</text>");

        for (int s = 0; s < _series.Length; s++)
        {
            var series = _series[s];
            string color = Palette[s % Palette.Length];
            var order = Enumerable.Range(0, series.X.Count).OrderBy(i => series.X[i]).ToArray();
            html.Append("<polyline fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"2\" points=\"");
            foreach (int i in order) html.Append(C(x.Pixel(series.X[i]))).Append(',').Append(C(y.Pixel(series.Y[i]))).Append(' ');
            html.Append("\"/>");
            foreach (int i in order)
                html.Append("<circle cx=\"").Append(C(x.Pixel(series.X[i]))).Append("\" cy=\"").Append(C(y.Pixel(series.Y[i]))).Append("\" r=\"3.5\" fill=\"").Append(color)
                    .Append("\"><title>").Append(HtmlText.Escape($"{series.Name}: {Number(series.X[i])} → {Number(series.Y[i])}")).Append("</title></circle>");
        }
        html.Append("</svg>");
        html.Append("<div class=\"lk-legend\">");
        for (int s = 0; s < _series.Length; s++)
            html.Append("<span style=\"display:inline-block;width:14px;height:3px;background:").Append(Palette[s % Palette.Length]).Append("\"></span>")
                .Append("<span style=\"margin-right:10px\">").Append(HtmlText.Escape(_series[s].Name)).Append("</span>");
        html.Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        foreach (var series in _series)
        {
            text.Append(series.Name).Append(": ");
            text.Append(string.Join(", ", Enumerable.Range(0, series.X.Count).Select(i => $"{Number(series.X[i])} → {Number(series.Y[i])}")));
            text.Append('\n');
        }
    }

    internal static string Number(double value) =>
        value.ToString(Math.Abs(value) >= 100 || value == Math.Round(value) ? "0.#" : "0.###", CultureInfo.InvariantCulture);
}
