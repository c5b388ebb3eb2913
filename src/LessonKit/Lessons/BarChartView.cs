using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Lessons;

/// <summary>
/// A horizontal bar chart (static HTML, no script): one bar per label, its length proportional to the value, the
/// value written beside it. Values must be finite and not negative. Made by <see cref="Charts.Bars"/>.
/// </summary>
public sealed class BarChartView : View
{
    private readonly string _title;
    private readonly string[] _labels;
    private readonly double[] _values;

    internal BarChartView(string title, IReadOnlyList<string> labels, IReadOnlyList<double> values, string unit) : base("barchart")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(labels);
        ArgumentNullException.ThrowIfNull(values);
        if (labels.Count != values.Count)
            throw new ArgumentException($"{labels.Count} labels and {values.Count} values: give one value per label.", nameof(values));
        for (int i = 0; i < values.Count; i++)
            if (!double.IsFinite(values[i]) || values[i] < 0)
                throw new ArgumentException($"The value for '{labels[i]}' is {values[i]}; bar lengths must be finite and not negative.", nameof(values));
        _title = title;
        _labels = labels.Select(l => l ?? "").ToArray();
        _values = values.ToArray();
        Unit = unit ?? "";
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The unit written after each value ("ms", "M parameters").</summary>
    public string Unit { get; }

    /// <summary>The labels, one per bar.</summary>
    public IReadOnlyList<string> Labels => _labels;

    /// <summary>The values, one per bar.</summary>
    public IReadOnlyList<double> Values => _values;

    private string ValueText(double value) => (LineChartView.Number(value) + " " + Unit).TrimEnd();

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        if (_values.Length == 0)
        {
            html.Append("<div class=\"lk-hint\">Nothing to show.</div>");
            return;
        }
        double max = _values.Max();
        html.Append("<div class=\"lk-nt\">");
        for (int i = 0; i < _values.Length; i++)
        {
            double width = max > 0 ? _values[i] / max * 100 : 0;
            html.Append("<div class=\"lk-nt-row\" style=\"grid-template-columns:minmax(80px,max-content) 320px max-content\" title=\"").Append(HtmlText.Escape($"{_labels[i]}: {ValueText(_values[i])}")).Append("\">")
                .Append("<span class=\"lk-code\">").Append(HtmlText.Escape(_labels[i])).Append("</span>")
                .Append("<div class=\"lk-nt-track\"><div class=\"lk-nt-bar\" style=\"width:").Append(HtmlText.Num(width, 2)).Append("%;background:")
                .Append(LineChartView.Palette[0]).Append("\"></div></div>")
                .Append("<span class=\"lk-num\" style=\"white-space:nowrap\">").Append(HtmlText.Escape(ValueText(_values[i]))).Append("</span></div>");
        }
        html.Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        int width = _labels.Select(l => l.Length).DefaultIfEmpty(0).Max();
        for (int i = 0; i < _values.Length; i++)
            text.Append(_labels[i].PadRight(width)).Append("  ").Append(ValueText(_values[i])).Append('\n');
    }
}
