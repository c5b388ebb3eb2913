namespace LessonKit.Lessons;

/// <summary>One answer of a quiz question: its text, whether it is the right one, and why (shown once picked).</summary>
/// <param name="Text">The answer as the learner reads it. `backticks` show as code.</param>
/// <param name="IsCorrect">Whether this is the right answer.</param>
/// <param name="Explanation">Why it is right or wrong, shown when the learner picks it.</param>
public sealed record QuizAnswer(string Text, bool IsCorrect, string Explanation);
