using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;
using LessonKit.Lessons;

namespace LessonKit.Display.Views;

/// <summary>
/// A learner's observations as a page: each lab question and the text written for it, as it was when saved (a copy,
/// so later edits do not change a page already written). Made by <see cref="Submission"/>.
/// </summary>
public sealed class ObservationsView : View
{
    private readonly string _lesson;
    private readonly (string Question, string Text)[] _entries;

    internal ObservationsView(string lesson, Observations observations) : base("observations")
    {
        ArgumentNullException.ThrowIfNull(observations);
        _lesson = lesson;
        _entries = observations.Entries.ToArray();
    }

    /// <summary>How many questions have a text.</summary>
    public int Written => _entries.Count(e => !string.IsNullOrWhiteSpace(e.Text));

    /// <inheritdoc/>
    public override string Title => $"Lesson {_lesson}: your observations ({Written} of {_entries.Length} written)";

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        if (_entries.Length == 0)
        {
            html.Append("<div class=\"lk-hint\">No observations yet: write them in the lesson's observation cells (observations[\"...\"] = \"what you saw\";).</div>");
            return;
        }
        foreach (var (question, text) in _entries)
        {
            html.Append("<div class=\"lk-observation\" style=\"margin:8px 0\"><div style=\"font-weight:600\">").Append(HtmlText.Escape(question)).Append("</div>");
            if (string.IsNullOrWhiteSpace(text))
                html.Append("<div class=\"lk-hint\">(not written yet)</div>");
            else
                html.Append("<div class=\"lk-observation-text\" style=\"white-space:pre-wrap;margin:2px 0 0 12px\">").Append(HtmlText.Escape(text.Trim())).Append("</div>");
            html.Append("</div>");
        }
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        foreach (var (question, answer) in _entries)
            text.Append(question).Append(": ").Append(string.IsNullOrWhiteSpace(answer) ? "(not written yet)" : answer.Trim()).Append('\n');
    }
}
