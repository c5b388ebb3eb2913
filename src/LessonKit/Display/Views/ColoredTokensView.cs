using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// Text with every token shaded by a number: the logit lens's probability, a per-token loss, a neuron's activation.
/// Values that are all zero or more use white-to-blue (0 to the largest); values of both signs use red-white-blue,
/// symmetric around 0. Hover a token for its value. Static HTML: it needs no script.
/// Made by <see cref="Plots.ColoredTokens"/>.
/// </summary>
public sealed class ColoredTokensView : View
{
    private readonly string[] _tokens;
    private readonly float[] _values;
    private readonly string _title;

    internal ColoredTokensView(string[] tokens, IReadOnlyList<float> values, string? title) : base("coloredtokens")
    {
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(values);
        AttentionSource.CheckTokens(tokens);
        if (tokens.Length != values.Count)
            throw new ArgumentException($"ColoredTokens needs one value per token, but got {tokens.Length} tokens and {values.Count} values.", nameof(values));
        _tokens = tokens;
        _values = values.ToArray();
        _title = string.IsNullOrWhiteSpace(title) ? "Tokens coloured by value" : title;

        var finite = _values.Where(float.IsFinite).ToArray();
        Min = finite.Length > 0 ? finite.Min() : 0;
        Max = finite.Length > 0 ? finite.Max() : 0;
        IsDiverging = Min < 0;
        if (finite.Length < _values.Length) AddNote($"{_values.Length - finite.Length} value(s) are not numbers (NaN or infinite) and are shown grey.");
    }

    /// <summary>The smallest finite value.</summary>
    public float Min { get; }

    /// <summary>The largest finite value.</summary>
    public float Max { get; }

    /// <summary>Whether the red-white-blue scale is used (some value is negative).</summary>
    public bool IsDiverging { get; }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>Where a value falls on the colour scale: [0, 1] (sequential) or [-1, 1] (diverging).</summary>
    internal double Scaled(float value)
    {
        if (IsDiverging)
        {
            double extent = Math.Max(Math.Abs(Min), Math.Abs(Max));
            return extent > 0 ? value / extent : 0;
        }
        return Max > 0 ? value / Max : 0;
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        html.Append("<div class=\"lk-ct\">");
        for (int i = 0; i < _tokens.Length; i++)
        {
            float v = _values[i];
            string background, color;
            if (!float.IsFinite(v)) { background = "#d0d7de"; color = "#111"; }
            else if (IsDiverging) { double t = Scaled(v); background = Colors.DivergingHex(t); color = Colors.TextOnDiverging(t); }
            else { double t = Scaled(v); background = Colors.SequentialHex(t); color = Colors.TextOnSequential(t); }
            string shown = float.IsFinite(v) ? HtmlText.Num(v, 4) : v.ToString(System.Globalization.CultureInfo.InvariantCulture);
            html.Append("<span class=\"lk-ct-tok\" data-pos=\"").Append(i).Append("\" data-value=\"").Append(shown)
                .Append("\" style=\"background:").Append(background).Append(";color:").Append(color)
                .Append("\" title=\"").Append(HtmlText.Escape($"position {i}: {TokenLabels.Quoted(_tokens[i])} = {shown}")).Append("\">")
                .Append(HtmlText.Escape(TokenLabels.Label(_tokens[i]))).Append("</span>");
        }
        html.Append("</div><div class=\"lk-legend\"><span>").Append(HtmlText.Num(IsDiverging ? -Math.Max(Math.Abs(Min), Math.Abs(Max)) : 0, 3))
            .Append("</span><span class=\"lk-legend-bar ").Append(IsDiverging ? "lk-legend-div" : "lk-legend-seq").Append("\"></span><span>")
            .Append(HtmlText.Num(IsDiverging ? Math.Max(Math.Abs(Min), Math.Abs(Max)) : Max, 3)).Append("</span></div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        for (int i = 0; i < _tokens.Length; i++)
        {
            if (i > 0) text.Append(' ');
            text.Append(TokenLabels.Quoted(_tokens[i])).Append('=').Append(_values[i].ToString("0.###", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
