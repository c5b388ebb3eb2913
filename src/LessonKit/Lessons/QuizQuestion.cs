using System.Text;
using System.Text.RegularExpressions;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Lessons;

/// <summary>
/// A multiple-choice question that shows itself in a notebook: radio buttons, and the explanation of the answer
/// picked. Plain HTML and CSS (no script, nothing from the network), so it works offline, in an exported page and
/// where scripts are blocked. All text is escaped; `backticks` become inline code. The text form lists the question
/// and its answers, not which one is right (a saved notebook keeps that text). Made by <see cref="Quiz.Ask"/> or
/// <see cref="Quiz.Question(string, QuizAnswer[])"/>.
/// </summary>
public sealed partial class QuizQuestion : View
{
    private readonly QuizAnswer[] _answers;
    private string _title = "Knowledge check";

    internal QuizQuestion(string question, QuizAnswer[] answers) : base("quiz")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(question);
        ArgumentNullException.ThrowIfNull(answers);
        if (answers.Length < 2)
            throw new ArgumentException($"A question needs at least 2 answers to choose from; '{question}' has {answers.Length}.", nameof(answers));
        for (int i = 0; i < answers.Length; i++)
        {
            if (answers[i] is null) throw new ArgumentException($"Answer {i} of '{question}' is null.", nameof(answers));
            if (string.IsNullOrWhiteSpace(answers[i].Text)) throw new ArgumentException($"Answer {i} of '{question}' has no text.", nameof(answers));
            if (string.IsNullOrWhiteSpace(answers[i].Explanation)) throw new ArgumentException($"Answer {i} ('{answers[i].Text}') of '{question}' has no explanation.", nameof(answers));
        }
        int right = answers.Count(a => a.IsCorrect);
        if (right != 1)
            throw new ArgumentException($"'{question}' has {right} right answers; mark exactly one with Quiz.Right (the others with Quiz.Wrong).", nameof(answers));
        Question = question;
        _answers = answers.ToArray();
    }

    /// <summary>The question.</summary>
    public string Question { get; }

    /// <summary>The answers, in the order shown (A, B, C, ...).</summary>
    public IReadOnlyList<QuizAnswer> Answers => _answers;

    /// <summary>The letter of the right answer (A, B, ...).</summary>
    public char CorrectLetter => Letter(Array.FindIndex(_answers, a => a.IsCorrect));

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>The lesson whose knowledge check this question belongs to, when it was asked with <see cref="Quiz.Ask"/>.</summary>
    public string? Lesson { get; private set; }

    /// <summary>Its number in that lesson's knowledge check (1, 2, ...), when it was asked with <see cref="Quiz.Ask"/>.</summary>
    public int? Number { get; private set; }

    /// <summary>Marks the question as number <paramref name="number"/> of <paramref name="count"/> in a lesson's knowledge check (before it is shown).</summary>
    internal QuizQuestion Numbered(string lesson, int number, int count)
    {
        Lesson = lesson;
        Number = number;
        _title = $"Knowledge check {lesson} · question {number} of {count}";
        return this;
    }

    private static char Letter(int index) => (char)('A' + index);

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        string scope = "#" + Id;
        html.Append("<style>")
            .Append(scope).Append(" .lkq-question{font-size:14px;font-weight:600;margin:2px 0 8px}")
            .Append(scope).Append(" .lkq-answer{margin:4px 0}")
            .Append(scope).Append(" .lkq-answer label{cursor:pointer;display:inline-block;padding:3px 10px;border:1px solid #d0d7de;border-radius:6px;background:#f6f8fa}")
            .Append(scope).Append(" .lkq-answer input{margin:0 6px 0 0;vertical-align:middle}")
            .Append(scope).Append(" .lkq-feedback{display:none;margin:4px 0 8px 22px;padding:4px 10px;border-radius:6px;border-left:4px solid}")
            .Append(scope).Append(" .lkq-answer input:checked ~ .lkq-feedback{display:block}")
            .Append(scope).Append(" .lkq-right input:checked + label{border-color:#1a7f37;background:#dafbe1}")
            .Append(scope).Append(" .lkq-wrong input:checked + label{border-color:#cf222e;background:#ffebe9}")
            .Append(scope).Append(" .lkq-right .lkq-feedback{border-color:#1a7f37;background:#f0fff4}")
            .Append(scope).Append(" .lkq-wrong .lkq-feedback{border-color:#cf222e;background:#fff5f5}")
            .Append("</style>");
        html.Append("<div class=\"lkq-question\">").Append(Markup(Question)).Append("</div>");
        for (int i = 0; i < _answers.Length; i++)
        {
            var answer = _answers[i];
            string inputId = $"{Id}-{i}";
            html.Append("<div class=\"lkq-answer ").Append(answer.IsCorrect ? "lkq-right" : "lkq-wrong").Append("\">")
                .Append("<input type=\"radio\" name=\"").Append(Id).Append("\" id=\"").Append(inputId).Append("\">")
                .Append("<label for=\"").Append(inputId).Append("\"><b>").Append(Letter(i)).Append(".</b> ").Append(Markup(answer.Text)).Append("</label>")
                .Append("<div class=\"lkq-feedback\">").Append(answer.IsCorrect ? "✔ Right. " : "✘ Not quite. ").Append(Markup(answer.Explanation)).Append("</div>")
                .Append("</div>");
        }
        html.Append("<div class=\"lk-hint\">Pick an answer to see the explanation; you can pick again.</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text) => text.Append(ToString());

    /// <summary>
    /// The question and the answers lettered A, B, ..., without saying which is right: the text form is saved with the
    /// notebook's outputs, where a learner could read it before answering.
    /// </summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("Question: ").Append(Question).Append('\n');
        for (int i = 0; i < _answers.Length; i++)
            text.Append("  ").Append(Letter(i)).Append(". ").Append(_answers[i].Text).Append('\n');
        text.Append("(Pick an answer in the notebook to see whether it is right, and why.)");
        return text.ToString();
    }

    /// <summary>Escapes text for HTML, then turns `code` spans into &lt;code&gt; elements (safe: the text has no markup left).</summary>
    internal static string Markup(string text) =>
        CodeSpan().Replace(HtmlText.Escape(text), match => "<code class=\"lk-code\">" + match.Groups[1].Value + "</code>");

    [GeneratedRegex("`([^`]+)`")]
    private static partial Regex CodeSpan();
}
