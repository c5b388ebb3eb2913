using System.Text;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// Generation step by step: at each step the token chosen, its probability, and the candidates it was chosen from
/// (the chosen one highlighted). Static HTML: it needs no script. Made by <see cref="Plots.GenerationTable"/>.
/// </summary>
public sealed class GenerationTableView : View
{
    private readonly GenerationStep[] _steps;

    internal GenerationTableView(IReadOnlyList<GenerationStep> steps) : base("generation")
    {
        ArgumentNullException.ThrowIfNull(steps);
        _steps = steps.ToArray();
        for (int i = 0; i < _steps.Length; i++)
        {
            if (_steps[i] is null) throw new ArgumentException($"steps[{i}] is null.", nameof(steps));
            NextTokensView.Check(_steps[i].TopCandidates ?? [], $"steps[{i}].TopCandidates");
        }
    }

    /// <summary>The steps shown.</summary>
    public IReadOnlyList<GenerationStep> Steps => _steps;

    /// <summary>The generated text: the chosen tokens joined.</summary>
    public string Text => string.Concat(_steps.Select(s => s.Token));

    /// <inheritdoc/>
    public override string Title => $"Generation, step by step ({_steps.Length} tokens)";

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        html.Append("<div class=\"lk-gen-text\">Generated: <span class=\"lk-code\">").Append(HtmlText.Escape(TokenLabels.Visible(Text))).Append("</span></div>");
        html.Append("<table class=\"lk-table lk-gen-table\"><thead><tr><th>Step</th><th>Chosen</th><th>p</th><th>Top candidates</th></tr></thead><tbody>");
        foreach (GenerationStep s in _steps)
        {
            html.Append("<tr data-step=\"").Append(s.Index).Append("\"><td class=\"lk-num\">").Append(s.Index).Append("</td>")
                .Append("<td><span class=\"lk-code lk-chosen\">").Append(HtmlText.Escape(TokenLabels.Quoted(s.Token))).Append("</span></td>")
                .Append("<td class=\"lk-num\">").Append(HtmlText.Num(s.Probability * 100, 1)).Append("%</td><td>");
            foreach (TokenCandidate c in s.TopCandidates ?? [])
            {
                bool chosen = c.Id == s.TokenId;
                html.Append("<span class=\"lk-code").Append(chosen ? " lk-chosen" : "").Append("\" title=\"")
                    .Append(HtmlText.Escape($"id {c.Id}")).Append("\">").Append(HtmlText.Escape(TokenLabels.Quoted(c.Text)))
                    .Append(' ').Append(HtmlText.Num(c.Probability * 100, 1)).Append("%</span> ");
            }
            html.Append("</td></tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append("Generated: ").Append(TokenLabels.Visible(Text)).Append('\n');
        foreach (GenerationStep s in _steps)
        {
            text.Append($"{s.Index,3}  {TokenLabels.Quoted(s.Token),-16} {s.Probability * 100,5:0.0}%  from ");
            text.Append(string.Join(", ", (s.TopCandidates ?? []).Take(5).Select(c => $"{TokenLabels.Quoted(c.Text)} {c.Probability * 100:0.0}%")));
            text.Append('\n');
        }
    }
}
