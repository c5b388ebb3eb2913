using System.Text;
using LessonKit.Display.Charts;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// A horizontal bar chart (static HTML, no script): one bar per label, its length proportional to the value, the value
/// written beside it and in a tooltip. Negative values grow left of a zero line, in another colour. A value that is NaN
/// or ∞ gets no bar: its value is written in red and a note names it. Made by <see cref="Plots.Bar{T}(IEnumerable{string}, IEnumerable{T}, string?, string?, string?, string?)"/> (and
/// <c>Plots.Bars</c>).
/// </summary>
public sealed class BarChartView : View
{
    private const string Track = "320px";
    private readonly string _title;
    private readonly string[] _labels;
    private readonly double[] _values;

    internal BarChartView(IReadOnlyList<string> labels, IReadOnlyList<double> values, string? title, string? labelTitle, string? valueTitle, string? unit) : base("barchart")
    {
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        if (labels.Count != values.Count)
            throw new ArgumentException($"{labels.Count} labels and {values.Count} values: give one value per label.", nameof(values));
        if (values.Count == 0)
            throw new ArgumentException("A bar chart needs at least one bar, but the labels and values are empty.", nameof(values));
        _title = string.IsNullOrWhiteSpace(title) ? "Bar chart" : title;
        _labels = labels.Select(l => l ?? "").ToArray();
        _values = values.ToArray();
        LabelTitle = labelTitle ?? "";
        ValueTitle = valueTitle ?? "";
        Unit = unit ?? "";

        if (_values.Length > ViewLimits.MaxBars)
            AddNote($"Showing the first {ViewLimits.MaxBars} of {_values.Length:N0} bars, to keep the chart readable; the text form lists them all.");
        var bad = Enumerable.Range(0, _values.Length).Where(i => !double.IsFinite(_values[i])).ToArray();
        if (bad.Length > 0)
            AddNote($"{bad.Length} value{(bad.Length == 1 ? " is" : "s are")} not a number that a bar can show " +
                    $"({string.Join(", ", bad.Take(5).Select(i => $"{ChartNumbers.Format(_values[i])} for '{TokenLabels.Visible(_labels[i])}'"))}{(bad.Length > 5 ? ", …" : "")}): " +
                    $"no bar is drawn for {(bad.Length == 1 ? "it" : "them")}, and {(bad.Length == 1 ? "its value is" : "their values are")} written in red.");
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The unit written after each value ("ms", "M parameters").</summary>
    public string Unit { get; }

    /// <summary>The heading above the labels.</summary>
    public string LabelTitle { get; }

    /// <summary>The heading above the bars (what the values are).</summary>
    public string ValueTitle { get; }

    /// <summary>The labels, one per bar.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The values, one per bar.</summary>
    public IReadOnlyList<double> Values => _values;

    private string ValueText(double value) => (ChartNumbers.Format(value) + " " + Unit).TrimEnd();

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        int shown = Math.Min(_values.Length, ViewLimits.MaxBars);
        // The axis runs from the lowest value to the highest, 0 always included, so every bar starts at the zero line.
        var finite = _values.Take(shown).Where(double.IsFinite).ToArray();
        double lo = Math.Min(0, finite.DefaultIfEmpty(0).Min()), hi = Math.Max(0, finite.DefaultIfEmpty(0).Max());
        if (hi - lo <= 0) hi = lo + 1;
        double Percent(double v) => (v - lo) / (hi - lo) * 100;

        html.Append("<div class=\"lk-bc\" style=\"grid-template-columns:minmax(60px,max-content) ").Append(Track).Append(" max-content\">");
        if (LabelTitle.Length > 0 || ValueTitle.Length > 0)
            html.Append("<span class=\"lk-bc-head\">").Append(HtmlText.Escape(LabelTitle)).Append("</span>")
                .Append("<span class=\"lk-bc-head lk-bc-valuetitle\">").Append(HtmlText.Escape(ValueTitle)).Append("</span><span></span>");
        for (int i = 0; i < shown; i++)
        {
            double v = _values[i];
            string tip = HtmlText.Escape($"{TokenLabels.Visible(_labels[i])}: {ValueText(v)}");
            html.Append("<div class=\"lk-bc-row\" data-index=\"").Append(i).Append("\">")
                .Append("<span class=\"lk-code lk-bc-label\" title=\"").Append(tip).Append("\">").Append(HtmlText.Escape(TokenLabels.Short(_labels[i]))).Append("</span>")
                .Append("<div class=\"lk-bc-track\" title=\"").Append(tip).Append("\">");
            if (lo < 0) html.Append("<div class=\"lk-bc-zero\" style=\"left:").Append(HtmlText.Num(Percent(0), 2)).Append("%\"></div>");
            if (double.IsFinite(v))
                html.Append("<div class=\"lk-bc-bar").Append(v < 0 ? " lk-bc-neg" : "").Append("\" style=\"left:").Append(HtmlText.Num(Percent(Math.Min(v, 0)), 2))
                    .Append("%;width:").Append(HtmlText.Num(Math.Abs(v) / (hi - lo) * 100, 2)).Append("%\"></div>");
            html.Append("</div><span class=\"lk-num lk-bc-value").Append(double.IsFinite(v) ? "" : " lk-bc-nan").Append("\" title=\"").Append(tip).Append("\">")
                .Append(HtmlText.Escape(ValueText(v))).Append("</span></div>");
        }
        html.Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        if (LabelTitle.Length > 0 || ValueTitle.Length > 0)
            text.Append(string.Join(" → ", new[] { LabelTitle, ValueTitle }.Where(t => t.Length > 0))).Append('\n');
        int width = _labels.Select(l => l.Length).DefaultIfEmpty(0).Max();
        for (int i = 0; i < _values.Length; i++)
            text.Append(_labels[i].PadRight(width)).Append("  ").Append(ValueText(_values[i])).Append('\n');
    }
}
