using System.Text;

namespace LessonKit.Lessons;

/// <summary>
/// What you saw in a lesson's labs, in your own words: one text per lab question, kept by the question's name, in the
/// order first written. <see cref="Submission.Save(string, Observations, ValueTuple{string, Display.View}[])"/> saves
/// them with your views, as a page of their own.
/// <code>
/// var observations = new Observations();
/// observations["1 · The previous-token head"] = "L4H11 scores 0.9: a stripe just below the diagonal.";
/// </code>
/// Writing the same question again replaces its text, so running a cell twice keeps one copy.
/// </summary>
public sealed class Observations
{
    private readonly List<string> _questions = [];
    private readonly Dictionary<string, string> _texts = new(StringComparer.Ordinal);

    /// <summary>
    /// Your text for a question ("" while nothing is written). Setting it adds the question (at the end) or replaces
    /// its text; null counts as "".
    /// </summary>
    /// <exception cref="ArgumentException">The question's name is empty.</exception>
    public string this[string question]
    {
        get => _texts.TryGetValue(Key(question), out string? text) ? text : "";
        set
        {
            string key = Key(question);
            if (!_texts.ContainsKey(key)) _questions.Add(key);
            _texts[key] = value ?? "";
        }
    }

    /// <summary>The questions, in the order they were first written.</summary>
    public IReadOnlyList<string> Questions => _questions;

    /// <summary>The questions whose text is still empty (or only spaces).</summary>
    public IReadOnlyList<string> Missing => _questions.Where(q => string.IsNullOrWhiteSpace(_texts[q])).ToArray();

    /// <summary>The questions and their texts, in order, as they are now.</summary>
    internal IReadOnlyList<(string Question, string Text)> Entries => _questions.Select(q => (q, _texts[q])).ToArray();

    private static string Key(string question)
    {
        if (string.IsNullOrWhiteSpace(question))
            throw new ArgumentException("Name the question your observation answers, e.g. observations[\"1 · The previous-token head\"] = \"...\".", nameof(question));
        return question.Trim();
    }

    /// <summary>Each question and your text, one after the other; "(not written yet)" where there is none.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(_questions.Count - Missing.Count).Append(" of ").Append(_questions.Count).Append(" observations written");
        foreach (var (question, answer) in Entries)
            text.Append("\n\n").Append(question).Append('\n').Append(string.IsNullOrWhiteSpace(answer) ? "(not written yet)" : answer.Trim());
        return text.ToString();
    }
}
