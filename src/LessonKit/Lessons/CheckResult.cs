using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;

namespace LessonKit.Lessons;

/// <summary>How an exercise check came out.</summary>
public enum CheckOutcome
{
    /// <summary>The learner's code gives what the model computes.</summary>
    Passed,

    /// <summary>The code runs but gives something else (or throws); the result says what is off.</summary>
    Failed,

    /// <summary>The exercise is still the starting code (it throws <see cref="NotImplementedException"/>).</summary>
    NotDone,
}

/// <summary>
/// What a checker found: one ✔ line when the learner's code is right, otherwise what is off (shape, scale, mask,
/// softmax axis, ...), where, and a hint. Shows itself below a notebook cell; <see cref="ToString"/> is the same text.
/// A wrong answer is a normal step in a lab, so checkers return this instead of throwing.
/// </summary>
public sealed class CheckResult : View
{
    private readonly string[] _details;

    internal CheckResult(string exercise, CheckOutcome outcome, string message, string? hint = null, IEnumerable<string>? details = null)
        : base("check")
    {
        Exercise = exercise;
        Outcome = outcome;
        Message = message;
        Hint = hint;
        _details = details?.Where(d => !string.IsNullOrWhiteSpace(d)).ToArray() ?? [];
    }

    /// <summary>The exercise checked ("Causal mask").</summary>
    public string Exercise { get; }

    /// <summary>Passed, failed, or not done yet.</summary>
    public CheckOutcome Outcome { get; }

    /// <summary>Whether the learner's code gives what the model computes.</summary>
    public bool Passed => Outcome == CheckOutcome.Passed;

    /// <summary>The verdict in one sentence.</summary>
    public string Message { get; }

    /// <summary>What to try next (null when passed).</summary>
    public string? Hint { get; }

    /// <summary>Evidence: the first value that differs, the shapes compared, ...</summary>
    public IReadOnlyList<string> Details => _details;

    /// <summary>✔, ✘ or ○.</summary>
    public string Symbol => Outcome switch
    {
        CheckOutcome.Passed => "✔",
        CheckOutcome.Failed => "✘",
        _ => "○",
    };

    /// <inheritdoc/>
    public override string Title => $"{Symbol} {Exercise}";

    internal static CheckResult Pass(string exercise, string message) => new(exercise, CheckOutcome.Passed, message);

    internal static CheckResult Fail(string exercise, string message, string? hint, params string?[] details) =>
        new(exercise, CheckOutcome.Failed, message, hint, details.OfType<string>());

    /// <summary>
    /// A failure that names the mistakes the learner's output matched: one gives its diagnosis and hint, several give
    /// "N things are off: a; and b" and every hint. <paramref name="where"/> (the call or place checked, or null) comes
    /// first; <paramref name="aside"/> (or null) goes in brackets before the full stop.
    /// </summary>
    internal static CheckResult Mistakes(string exercise, IReadOnlyList<(string Diagnosis, string Hint)> mistakes, string? where,
        string? aside, params string?[] details)
    {
        string found = mistakes.Count == 1 ? mistakes[0].Diagnosis
            : $"{mistakes.Count} things are off: {string.Join("; and ", mistakes.Select(m => m.Diagnosis))}";
        string message = (where is null ? Capitalized(found) : $"{where}: {found}") + (aside is null ? "" : $" ({aside})") + ".";
        return Fail(exercise, message, string.Join(" ", mistakes.Select(m => m.Hint)), details);
    }

    /// <summary>The text with its first letter in upper case.</summary>
    internal static string Capitalized(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];

    internal static CheckResult NotDone(string exercise, string what, string? thrownMessage = null) =>
        new(exercise, CheckOutcome.NotDone, $"not done yet: {what} still throws NotImplementedException.",
            "Replace the `throw` with your code, run that cell, then run this check again.",
            thrownMessage is null ? null : [$"It says: {thrownMessage}"]);

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        string color = Outcome switch
        {
            CheckOutcome.Passed => "#1a7f37",
            CheckOutcome.Failed => "#cf222e",
            _ => "#57606a",
        };
        html.Append("<div class=\"lk-check-message\" style=\"color:").Append(color).Append(";font-weight:600\">")
            .Append(HtmlText.Escape(Message)).Append("</div>");
        if (_details.Length > 0)
        {
            html.Append("<pre class=\"lk-check-details\" style=\"margin:4px 0;white-space:pre-wrap;font-size:12px\">");
            html.Append(HtmlText.Escape(string.Join("\n", _details)));
            html.Append("</pre>");
        }
        if (Hint is not null)
            html.Append("<div class=\"lk-hint\" style=\"font-size:13px\">Hint: ").Append(HtmlText.Escape(Hint)).Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text) => text.Append(ToString());

    /// <summary>The result as text: <c>✔ Causal mask: ...</c>, then details and the hint, indented.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Symbol).Append(' ').Append(Exercise).Append(": ").Append(Message);
        foreach (string detail in _details)
            foreach (string line in detail.Split('\n'))
                text.Append("\n  ").Append(line);
        if (Hint is not null) text.Append("\n  Hint: ").Append(Hint);
        return text.ToString();
    }
}
