using LessonKit.Lessons.Quizzes;

namespace LessonKit.Lessons;

/// <summary>
/// The knowledge checks of every lesson, with their answer keys, by lesson and question number. They live in the
/// library (one file per lesson in <c>Quizzes/</c>) so that a notebook cell asks <c>Quiz.Ask("2.1", 3)</c> and a learner
/// reading the cell cannot see which answer is right. Each question is made fresh on every call, so every view has
/// its own element ids.
/// </summary>
internal static class QuizBank
{
    private static readonly Dictionary<string, IReadOnlyList<Func<QuizQuestion>>> s_lessons = new(StringComparer.Ordinal)
    {
        ["2.1"] = Lesson21Quiz.Questions,
        ["2.2"] = Lesson22Quiz.Questions,
    };

    /// <summary>The lessons that have a knowledge check.</summary>
    public static IReadOnlyCollection<string> Lessons => s_lessons.Keys;

    /// <summary>How many questions the lesson has.</summary>
    public static int Count(string lesson) => Questions(lesson).Count;

    /// <summary>Question <paramref name="number"/> (1-based) of the lesson, titled with the lesson and its number.</summary>
    public static QuizQuestion Ask(string lesson, int number)
    {
        var questions = Questions(lesson);
        if (number < 1 || number > questions.Count)
            throw new ArgumentOutOfRangeException(nameof(number), number,
                $"Lesson {lesson}'s knowledge check has {questions.Count} questions: ask for 1 to {questions.Count}.");
        return questions[number - 1]().Numbered(lesson, number, questions.Count);
    }

    /// <summary>Every question of the lesson, in order (fresh views).</summary>
    public static IReadOnlyList<QuizQuestion> All(string lesson) =>
        Enumerable.Range(1, Count(lesson)).Select(number => Ask(lesson, number)).ToArray();

    private static IReadOnlyList<Func<QuizQuestion>> Questions(string lesson)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lesson);
        return s_lessons.TryGetValue(lesson.Trim(), out var questions) ? questions
            : throw new ArgumentException($"No knowledge check for lesson '{lesson}'. Lessons with one: {string.Join(", ", s_lessons.Keys)}.", nameof(lesson));
    }
}
