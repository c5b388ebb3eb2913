using System.Text;
using LessonKit.Display.Html;
using Plotly.NET;

namespace LessonKit.Display;

/// <summary>
/// Any Plotly.NET chart, shown offline: plotly.js is inlined from the copy Plotly.NET ships inside its own
/// assembly (no CDN). Heavy: every such view carries plotly.js (about 3.6 MB), so prefer the LessonKit views for
/// attention and use this for charts of your own. Made by <see cref="Plots.Offline"/>.
/// </summary>
public sealed class PlotlyView : View
{
    private const string PlotlyResource = "Plotly.NET.plotly-2.28.0.min.js";
    private static readonly Lazy<string> PlotlyJs = new(LoadPlotlyJs);
    private readonly string _figureJson;
    private readonly string _title;

    internal PlotlyView(GenericChart chart, string? title) : base("plotly")
    {
        ArgumentNullException.ThrowIfNull(chart);
        _figureJson = HtmlText.MakeScriptSafe(GenericChart.toFigureJson(chart));
        _title = string.IsNullOrWhiteSpace(title) ? "Plotly chart" : title;
    }

    /// <summary>The version of plotly.js inlined.</summary>
    public static string PlotlyJsVersion => "2.28.0";

    /// <inheritdoc/>
    public override string Title => _title;

    private protected override bool AllowsEval => true;

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        html.Append("<div class=\"lk-plotly\" id=\"").Append(Id).Append("-plot\" style=\"min-height:420px\"></div>");
        // plotly.js is a UMD bundle: shadowing define/module/exports makes it set window.Plotly even inside
        // Jupyter (which has RequireJS). It is evaluated once per page and version.
        html.Append("<script>if(!(window.Plotly&&window.Plotly.version===\"").Append(PlotlyJsVersion)
            .Append("\")){(function(define,module,exports){\n").Append(PlotlyJs.Value).Append("\n}).call(window);}</script>");
        html.Append("<script>(function(){var el=document.getElementById(\"").Append(Id).Append("-plot\");var fig=")
            .Append(_figureJson)
            .Append(";window.Plotly.newPlot(el,fig.data||[],fig.layout||{},{responsive:true,displaylogo:false});})();</script>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text) =>
        text.Append($"A Plotly chart ({_figureJson.Length:N0} characters of figure JSON), rendered offline with plotly.js {PlotlyJsVersion}.");

    private static string LoadPlotlyJs()
    {
        var assembly = typeof(GenericChart).Assembly;
        using Stream stream = assembly.GetManifestResourceStream(PlotlyResource)
            ?? throw new InvalidOperationException($"Plotly.NET {assembly.GetName().Version} does not embed '{PlotlyResource}'; LessonKit expects Plotly.NET 6.0.0. " +
                                                   $"Embedded: {string.Join(", ", assembly.GetManifestResourceNames())}.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        string js = reader.ReadToEnd();
        if (js.Contains("</script", StringComparison.OrdinalIgnoreCase) || js.Contains("<!--", StringComparison.Ordinal))
            throw new InvalidOperationException("The bundled plotly.js contains '</script' or '<!--' and cannot be inlined safely.");
        return js;
    }
}
