using System.Text;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// The model's most likely next tokens as a bar chart (bar length = probability, on a 0-100% scale).
/// Static HTML: it needs no script. Made by <see cref="Plots.NextTokens"/>.
/// </summary>
public sealed class NextTokensView : View
{
    private readonly TokenCandidate[] _candidates;
    private readonly string _title;

    internal NextTokensView(IReadOnlyList<TokenCandidate> candidates, string? title) : base("nexttokens")
    {
        _candidates = Check(candidates, nameof(candidates));
        _title = string.IsNullOrWhiteSpace(title) ? "Most likely next tokens" : title;
    }

    /// <summary>The candidates shown, in the order given.</summary>
    public IReadOnlyList<TokenCandidate> Candidates => _candidates;

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>Checks a candidate list: no nulls, probabilities finite and within [0, 1].</summary>
    internal static TokenCandidate[] Check(IReadOnlyList<TokenCandidate> candidates, string name)
    {
        ArgumentNullException.ThrowIfNull(candidates, name);
        var list = candidates.ToArray();
        for (int i = 0; i < list.Length; i++)
        {
            if (list[i] is null) throw new ArgumentException($"{name}[{i}] is null.", name);
            float p = list[i].Probability;
            if (!float.IsFinite(p) || p < 0 || p > 1.0001f)
                throw new ArgumentException($"{name}[{i}] ({TokenLabels.Quoted(list[i].Text)}) has probability {p}; probabilities must be between 0 and 1 (did you pass logits instead of softmax(logits)?).", name);
        }
        return list;
    }

    /// <summary>Writes bars for <paramref name="candidates"/> (shared with the pipeline's output stage).</summary>
    internal static void WriteBars(StringBuilder html, IReadOnlyList<TokenCandidate> candidates)
    {
        html.Append("<div class=\"lk-nt\">");
        foreach (TokenCandidate c in candidates)
        {
            // One grid for all rows (each row's cells are grid items) so the bars line up.
            string title = HtmlText.Escape($"token id {c.Id}: {TokenLabels.Quoted(c.Text)} p = {c.Probability:0.0000}");
            html.Append("<div class=\"lk-nt-row\" data-token-id=\"").Append(c.Id).Append("\">")
                .Append("<span class=\"lk-code\" title=\"").Append(title).Append("\">").Append(HtmlText.Escape("'" + TokenLabels.Short(c.Text) + "'")).Append("</span>")
                .Append("<div class=\"lk-nt-track\" title=\"").Append(title).Append("\"><div class=\"lk-nt-bar\" style=\"width:")
                .Append(HtmlText.Num(Math.Clamp(c.Probability, 0, 1) * 100, 2))
                .Append("%\"></div></div><span class=\"lk-num\">").Append(HtmlText.Num(c.Probability * 100, 1)).Append("%</span></div>");
        }
        html.Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        if (_candidates.Length == 0) html.Append("<div class=\"lk-hint\">No candidates.</div>");
        else WriteBars(html, _candidates);
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        foreach (TokenCandidate c in _candidates)
            text.Append($"{TokenLabels.Quoted(c.Text),-20} {c.Probability * 100,6:0.0}%  (id {c.Id})\n");
    }
}
