namespace LessonKit.Lessons;

/// <summary>
/// Knowledge checks: a multiple-choice question that shows itself in a notebook. Pick an answer to see whether it is
/// right and why. It works offline and without scripts (plain HTML and CSS).
/// <code>
/// Quiz.Question("Which part of a GPT-2 layer lets a token read from earlier tokens?",
///     Quiz.Wrong("The MLP", "The MLP works on each position alone."),
///     Quiz.Right("Self-attention", "Attention mixes information across positions."))
/// </code>
/// </summary>
public static class Quiz
{
    /// <summary>A question with its answers, in the order given; exactly one must be right.</summary>
    public static QuizQuestion Question(string question, params QuizAnswer[] answers) => new(question, answers);

    /// <summary>
    /// A question whose answers share one explanation, shown whichever answer is picked;
    /// <paramref name="correct"/> is the 0-based index of the right answer.
    /// </summary>
    public static QuizQuestion Question(string question, string[] answers, int correct, string explanation)
    {
        ArgumentNullException.ThrowIfNull(answers);
        if (correct < 0 || correct >= answers.Length)
            throw new ArgumentOutOfRangeException(nameof(correct), correct, $"correct is the index of the right answer: 0 to {answers.Length - 1} for {answers.Length} answers.");
        return new(question, answers.Select((text, i) => new QuizAnswer(text, i == correct, explanation)).ToArray());
    }

    /// <summary>The right answer, and why it is right.</summary>
    public static QuizAnswer Right(string text, string explanation) => new(text, true, explanation);

    /// <summary>A wrong answer, and why it is wrong.</summary>
    public static QuizAnswer Wrong(string text, string explanation) => new(text, false, explanation);
}
