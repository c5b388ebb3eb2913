using LessonKit.Display.Html;
using Microsoft.FSharp.Core;
using Plotly.NET;
using Plotly.NET.LayoutObjects;
using CSharpChart = Plotly.NET.CSharp.Chart;

namespace LessonKit.Display;

/// <summary>
/// Builds the Plotly.NET versions of the views (<c>ToPlotly()</c>). Plotly renders axis labels as a small subset
/// of HTML, so token text is entity-escaped here too.
/// </summary>
internal static class PlotlyCharts
{
    private static StyleParam.Colorscale Scale(params (double At, string Hex)[] stops) =>
        StyleParam.Colorscale.NewCustom(stops.Select(s => Tuple.Create(s.At, Color.fromHex(s.Hex))).ToArray());

    /// <summary>White to dark blue, as the HTML views.</summary>
    public static StyleParam.Colorscale Sequential { get; } =
        Scale((0, "#ffffff"), (0.25, "#c6dbef"), (0.5, "#6baed6"), (0.75, "#2171b5"), (1, "#08306b"));

    /// <summary>Red, white, blue, as the HTML views.</summary>
    public static StyleParam.Colorscale Diverging { get; } =
        Scale((0, "#b2182b"), (0.25, "#ef8a62"), (0.5, "#ffffff"), (0.75, "#67a9cf"), (1, "#2166ac"));

    /// <summary>A token as an axis label: position first (so repeated tokens stay distinct), text escaped for Plotly.</summary>
    public static string Label(int position, string token) => $"{position}: {HtmlText.Escape(TokenLabels.Label(token))}";

    /// <summary>Text escaped for Plotly, which renders a subset of HTML in titles and labels.</summary>
    public static string Text(string text) => HtmlText.Escape(text);

    /// <summary>
    /// An n × n attention pattern as a heatmap: queries down, keys across, on [0, 1]. Weights are rounded to 3 decimals,
    /// as the HTML views' tooltips show them: a float widened to double prints ~18 digits (0.10000000149011612), which
    /// made a 256-token, 12-head chart 10 MB of JSON.
    /// </summary>
    public static GenericChart AttentionHeatmap(float[] values, int offset, int n, IReadOnlyList<string> tokens, int firstPosition, string name, bool showScale)
    {
        string[] labels = tokens.Select((t, i) => Label(firstPosition + i, t)).ToArray();
        var z = Enumerable.Range(0, n).Select(q => values.Skip(offset + q * n).Take(n).Select(v => Math.Round((double)v, 3)).ToArray()).ToArray();
        var chart = CSharpChart.Heatmap<double, string, string, string>(
            zData: z, X: labels, Y: labels, Name: Text(name), ColorScale: Sequential, ShowScale: showScale, ReverseYAxis: true);
        return chart;
    }

    /// <summary>
    /// A signed matrix as a heatmap (red negative, blue positive), symmetric around 0. Values are rounded to a
    /// ten-thousandth of the largest magnitude (4 decimals for values up to 1), far finer than the colours show,
    /// to keep the page small.
    /// </summary>
    public static GenericChart SignedHeatmap(double[][] z, IEnumerable<int> rowIndex, IEnumerable<int> columnIndex, string rowTitle, string columnTitle, string title)
    {
        double max = z.SelectMany(r => r).Where(double.IsFinite).Select(Math.Abs).DefaultIfEmpty(1).Max();
        if (!(max > 0)) max = 1;   // all zeros: still a scale from -1 to 1
        int decimals = Math.Clamp(4 - (int)Math.Ceiling(Math.Log10(max)), 0, 15);
        z = z.Select(row => row.Select(v => Math.Round(v, decimals)).ToArray()).ToArray();
        var chart = CSharpChart.Heatmap<double, int, int, string>(
            zData: z, X: columnIndex.ToArray(), Y: rowIndex.ToArray(), ColorScale: Diverging, ShowScale: true, ReverseYAxis: true);
        GenericChart styled = Plotly.NET.CSharp.GenericChartExtensions.WithXAxisStyle<double, double, string>(chart, TitleText: Text(columnTitle));
        styled = Plotly.NET.CSharp.GenericChartExtensions.WithYAxisStyle<double, double, string>(styled, TitleText: Text(rowTitle));
        return WithTitle(SetZRange(styled, -max, max), title);
    }

    /// <summary>Several charts in a grid with subplot titles.</summary>
    public static GenericChart Grid(IEnumerable<GenericChart> charts, int rows, int columns, string title, IEnumerable<string> subplotTitles) =>
        WithTitle(CSharpChart.Grid(charts, rows, columns, SubPlotTitles: subplotTitles.Select(Text).ToArray()), title);

    /// <summary>Sets the chart's title (escaped).</summary>
    public static GenericChart WithTitle(GenericChart chart, string title) =>
        Plotly.NET.Chart.withTitle(Text(title), FSharpOption<Font>.None).Invoke(chart);

    private static GenericChart SetZRange(GenericChart chart, double min, double max) =>
        Plotly.NET.GenericChart.mapTrace(FuncConvert.FromFunc<Trace, Trace>(trace =>
        {
            trace.SetProperty("zmin", min);
            trace.SetProperty("zmax", max);
            return trace;
        }), chart);
}
