namespace LessonKit.Lessons;

/// <summary>
/// Knowledge checks: multiple-choice questions that show themselves in a notebook. Pick an answer to see whether it is
/// right and why. They work offline and without scripts (plain HTML and CSS).
/// <para>
/// A lesson asks the questions kept in LessonKit by lesson and number, so that the answer key never appears in the
/// notebook's source: a cell holds only <c>Quiz.Ask("2.1", 3)</c>. The questions and their keys are written in
/// <c>src/LessonKit/Lessons/Quizzes/</c> with <see cref="Question(string, QuizAnswer[])"/>,
/// <see cref="Right"/> and <see cref="Wrong"/>:
/// </para>
/// <code>
/// Quiz.Question("Which part of a GPT-2 layer lets a token read from earlier tokens?",
///     Quiz.Wrong("The MLP", "The MLP works on each position alone."),
///     Quiz.Right("Self-attention", "Attention mixes information across positions."))
/// </code>
/// </summary>
public static class Quiz
{
    /// <summary>
    /// Question <paramref name="number"/> (1, 2, ...) of <paramref name="lesson"/>'s knowledge check, as LessonKit
    /// keeps it: <c>Quiz.Ask("2.1", 3)</c>. The cell shows the question; the answer key stays in the library.
    /// </summary>
    /// <exception cref="ArgumentException">No lesson of that name has a knowledge check.</exception>
    /// <exception cref="ArgumentOutOfRangeException">The lesson has no question with that number.</exception>
    public static QuizQuestion Ask(string lesson, int number) => QuizBank.Ask(lesson, number);

    /// <summary>How many questions <paramref name="lesson"/>'s knowledge check has (numbered 1 to that count).</summary>
    public static int Count(string lesson) => QuizBank.Count(lesson);

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
