using System.Text;
using LessonKit.Display.Charts;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// A line chart as static SVG (no script, nothing from the network): one or more named series, each drawn through its
/// points in the order given; axes with round ticks, axis titles, a legend, and each point's values in a tooltip on
/// hover. A y value that is NaN or ∞ cannot be placed, so the line has a gap there and a note says where. The text
/// form lists the points. Made by <see cref="Plots.Line{TX, TY}"/> (and <see cref="Plots.Lines"/>).
/// </summary>
public sealed class LineChartView : View
{
    private const int Width = 640, Height = 300, Left = 64, Right = 16, Top = 16, Bottom = 44;
    private const int SummaryPoints = 50;
    internal static readonly string[] Palette = ["#2171b5", "#e6550d", "#31a354", "#756bb1", "#de2d26", "#636363"];
    private readonly string _title;
    private readonly ChartSeries[] _series;
    private readonly bool _yFromZero;

    internal LineChartView(IReadOnlyList<ChartSeries> series, string? title, string? xTitle, string? yTitle, bool yFromZero) : base("linechart")
    {
        ArgumentNullException.ThrowIfNull(series);
        if (series.Count == 0) throw new ArgumentException("A line chart needs at least one series.", nameof(series));
        _series = new ChartSeries[series.Count];
        for (int s = 0; s < series.Count; s++) _series[s] = Checked(series[s], s, series.Count);
        _title = string.IsNullOrWhiteSpace(title) ? "Line chart" : title;
        XTitle = xTitle ?? "";
        YTitle = yTitle ?? "";
        _yFromZero = yFromZero;

        int total = _series.Sum(s => s.X.Count);
        Step = (total + ViewLimits.MaxLinePoints - 1) / ViewLimits.MaxLinePoints;
        if (Step > 1)
            AddNote($"Drawing every {ChartNumbers.Ordinal(Step)} point (and each line's last) of {total:N0} points, to keep the page small. The values are all in the view's Series.");
        foreach (var s in _series) NoteGaps(s);
    }

    /// <summary>A copy of one series with its counts and x values checked; an unnamed series among several gets a name.</summary>
    private static ChartSeries Checked(ChartSeries? series, int index, int count)
    {
        if (series is null) throw new ArgumentException($"Series {index} is null.", "series");
        string name = string.IsNullOrWhiteSpace(series.Name) ? (count == 1 ? "" : $"series {index + 1}") : series.Name;
        string what = name.Length > 0 ? $"Series '{name}'" : "The line";
        if (series.X is null || series.Y is null)
            throw new ArgumentException($"{what} has no {(series.X is null ? "x" : "y")} values (null).", "series");
        if (series.X.Count != series.Y.Count)
            throw new ArgumentException($"{what} has {series.X.Count} x values and {series.Y.Count} y values: give one y per x.", "series");
        if (series.X.Count == 0)
            throw new ArgumentException($"{what} has no points: give at least one (x, y).", "series");
        for (int i = 0; i < series.X.Count; i++)
            if (!double.IsFinite(series.X[i]))
                throw new ArgumentException($"{what}: x[{i}] is {ChartNumbers.Format(series.X[i])}; every x must be a finite number (only y may be NaN, which leaves a gap).", "series");
        return new ChartSeries(name, series.X.ToArray(), series.Y.ToArray());
    }

    private void NoteGaps(ChartSeries series)
    {
        var bad = Enumerable.Range(0, series.Y.Count).Where(i => !double.IsFinite(series.Y[i])).ToArray();
        if (bad.Length == 0) return;
        string where = string.Join(", ", bad.Take(5).Select(i => $"{ChartNumbers.Format(series.Y[i])} at x = {ChartNumbers.Format(series.X[i])}"));
        string what = series.Name.Length > 0 ? $"Series '{series.Name}'" : "The line";
        AddNote($"{what} has {bad.Length} y value{(bad.Length == 1 ? "" : "s")} that cannot be drawn ({where}{(bad.Length > 5 ? ", …" : "")}): " +
                "the line has a gap there.");
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The x axis title.</summary>
    public string XTitle { get; }

    /// <summary>The y axis title.</summary>
    public string YTitle { get; }

    /// <summary>The lines, with every value given (also those not drawn).</summary>
    public IReadOnlyList<ChartSeries> Series => _series;

    /// <summary>Every how many points one is drawn (1 = all; more only past <see cref="ViewLimits.MaxLinePoints"/>).</summary>
    public int Step { get; }

    /// <summary>Whether each point drawn has a marker with a tooltip (up to <see cref="ViewLimits.MaxLineMarkers"/> points).</summary>
    public bool HasMarkers => _series.Sum(s => Shown(s).Count()) <= ViewLimits.MaxLineMarkers;

    /// <summary>The indices of a series' points that are drawn: every <see cref="Step"/>th and the last.</summary>
    private IEnumerable<int> Shown(ChartSeries series) =>
        Enumerable.Range(0, series.X.Count).Where(i => i % Step == 0 || i == series.X.Count - 1);

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        var xs = _series.SelectMany(s => s.X).ToArray();
        var ys = _series.SelectMany(s => s.Y).Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        var x = ChartScale.Create(xs.Min(), xs.Max(), Left, Width - Right, includeZero: false, integers: xs.All(v => v == Math.Round(v)));
        var y = ChartScale.Create(ys.Min(), ys.Max(), Height - Bottom, Top, includeZero: _yFromZero);
        string C(double v) => ChartScale.Coordinate(v);

        html.Append("<svg class=\"lk-lc-plot\" width=\"").Append(Width).Append("\" height=\"").Append(Height).Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height)
            .Append("\" role=\"img\" aria-label=\"").Append(HtmlText.Escape(_title)).Append("\">");
        foreach (double tick in y.Ticks())
        {
            html.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(C(y.Pixel(tick))).Append("\" y2=\"").Append(C(y.Pixel(tick)))
                .Append("\" stroke=\"").Append(Math.Abs(tick) < y.Step / 1e6 ? "#8c959f" : "#eaeef2").Append("\"/>")
                .Append("<text class=\"lk-lc-ytick\" x=\"").Append(Left - 6).Append("\" y=\"").Append(C(y.Pixel(tick) + 4)).Append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">")
                .Append(y.Label(tick)).Append("</text>");
        }
        foreach (double tick in x.Ticks())
            html.Append("<text class=\"lk-lc-xtick\" x=\"").Append(C(x.Pixel(tick))).Append("\" y=\"").Append(Height - Bottom + 16).Append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">")
                .Append(x.Label(tick)).Append("</text>");
        html.Append("<text class=\"lk-lc-xtitle\" x=\"").Append((Left + Width - Right) / 2).Append("\" y=\"").Append(Height - 8).Append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">")
            .Append(HtmlText.Escape(XTitle)).Append("</text>");
        html.Append("<text class=\"lk-lc-ytitle\" transform=\"translate(14 ").Append((Top + Height - Bottom) / 2).Append(") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">")
            .Append(HtmlText.Escape(YTitle)).Append("</text>");

        bool markers = HasMarkers;
        for (int s = 0; s < _series.Length; s++)
        {
            var series = _series[s];
            string color = Palette[s % Palette.Length];
            html.Append("<g class=\"lk-lc-series\" data-series=\"").Append(s).Append("\">");
            // One polyline per run of drawable points: a y that is NaN or ∞ ends a run, leaving a gap.
            foreach (int[] run in Runs(series))
            {
                if (run.Length == 1 && !markers)
                    html.Append("<circle cx=\"").Append(C(x.Pixel(series.X[run[0]]))).Append("\" cy=\"").Append(C(y.Pixel(series.Y[run[0]]))).Append("\" r=\"2\" fill=\"").Append(color).Append("\"/>");
                if (run.Length < 2) continue;
                html.Append("<polyline fill=\"none\" stroke=\"").Append(color).Append("\" stroke-width=\"2\" stroke-linejoin=\"round\" points=\"");
                foreach (int i in run) html.Append(C(x.Pixel(series.X[i]))).Append(',').Append(C(y.Pixel(series.Y[i]))).Append(' ');
                html.Append("\"/>");
            }
            if (markers)
                foreach (int i in Shown(series).Where(i => double.IsFinite(series.Y[i])))
                    html.Append("<circle class=\"lk-lc-point\" cx=\"").Append(C(x.Pixel(series.X[i]))).Append("\" cy=\"").Append(C(y.Pixel(series.Y[i]))).Append("\" r=\"3.5\" fill=\"").Append(color)
                        .Append("\"><title>").Append(HtmlText.Escape(PointText(series, i))).Append("</title></circle>");
            html.Append("</g>");
        }
        html.Append("</svg>");
        if (!markers)
            html.Append("<div class=\"lk-hint\">Points are not marked: there are more than ").Append(ViewLimits.MaxLineMarkers.ToString("N0", System.Globalization.CultureInfo.InvariantCulture))
                .Append(". The text form lists the values.</div>");
        if (_series.Any(s => s.Name.Length > 0))
        {
            html.Append("<div class=\"lk-legend\">");
            for (int s = 0; s < _series.Length; s++)
                html.Append("<span style=\"display:inline-block;width:14px;height:3px;background:").Append(Palette[s % Palette.Length]).Append("\"></span>")
                    .Append("<span class=\"lk-lc-name\" style=\"margin-right:10px\">").Append(HtmlText.Escape(_series[s].Name)).Append("</span>");
            html.Append("</div>");
        }
    }

    /// <summary>The drawn points of a series split where y is NaN or ∞, as runs of indices.</summary>
    private IEnumerable<int[]> Runs(ChartSeries series)
    {
        var run = new List<int>();
        foreach (int i in Shown(series))
        {
            if (double.IsFinite(series.Y[i])) { run.Add(i); continue; }
            if (run.Count > 0) yield return run.ToArray();
            run.Clear();
        }
        if (run.Count > 0) yield return run.ToArray();
    }

    /// <summary>A point's tooltip: <c>with cache: tokens = 8, tokens/s = 400</c>.</summary>
    private string PointText(ChartSeries series, int i) =>
        (series.Name.Length > 0 ? series.Name + ": " : "") +
        $"{(XTitle.Length > 0 ? XTitle : "x")} = {ChartNumbers.Format(series.X[i])}, {(YTitle.Length > 0 ? YTitle : "y")} = {ChartNumbers.Format(series.Y[i])}";

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        if (XTitle.Length > 0 || YTitle.Length > 0)
            text.Append($"x: {(XTitle.Length > 0 ? XTitle : "x")}, y: {(YTitle.Length > 0 ? YTitle : "y")}\n");
        foreach (var series in _series)
        {
            if (series.Name.Length > 0) text.Append(series.Name).Append(": ");
            int count = series.X.Count;
            text.Append(string.Join(", ", Enumerable.Range(0, Math.Min(count, SummaryPoints)).Select(i => $"{ChartNumbers.Format(series.X[i])} → {ChartNumbers.Format(series.Y[i])}")));
            if (count > SummaryPoints) text.Append($", … ({count - SummaryPoints:N0} more)");
            text.Append('\n');
        }
    }
}
