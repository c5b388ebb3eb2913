using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The lessons' knowledge checks as LessonKit keeps them: asked by lesson and number, answer keys out of the
/// notebooks, right answers spread over the letters and no longer than the wrong ones.
/// </summary>
public class QuizBankTests
{
    public static TheoryData<string> Lessons() => new(QuizBank.Lessons);

    [Fact]
    public void Both_lessons_have_a_knowledge_check()
    {
        Assert.Equal(["2.1", "2.2"], QuizBank.Lessons.Order());
        Assert.Equal(8, Quiz.Count("2.1"));
        Assert.Equal(6, Quiz.Count("2.2"));
    }

    [Fact]
    public void Ask_gives_a_fresh_numbered_question_each_time()
    {
        var first = Quiz.Ask("2.1", 3);
        var again = Quiz.Ask("2.1", 3);
        Assert.NotEqual(first.Id, again.Id);
        Assert.Equal(first.Question, again.Question);
        Assert.Equal("2.1", first.Lesson);
        Assert.Equal(3, first.Number);
        Assert.Equal("Knowledge check 2.1 · question 3 of 8", first.Title);
        Assert.Contains("Knowledge check 2.1 · question 3 of 8", first.ToHtml());
        Assert.Equal("What kind of Transformer is GPT-2?", first.Question);
    }

    [Fact]
    public void Asking_for_what_does_not_exist_says_what_does()
    {
        var lesson = Assert.Throws<ArgumentException>(() => Quiz.Ask("9.9", 1));
        Assert.Contains("2.1, 2.2", lesson.Message);
        var number = Assert.Throws<ArgumentOutOfRangeException>(() => Quiz.Ask("2.2", 7));
        Assert.Contains("has 6 questions: ask for 1 to 6", number.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Quiz.Ask("2.2", 0));
        Assert.Throws<ArgumentException>(() => Quiz.Ask(" ", 1));
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public void The_right_answers_are_spread_over_the_letters(string lesson)
    {
        char[] letters = QuizBank.All(lesson).Select(q => q.CorrectLetter).ToArray();
        int most = (letters.Length + 2) / 3;   // a third of the questions, rounded up
        Assert.True(letters.Distinct().Count() >= 3 && letters.GroupBy(l => l).Max(g => g.Count()) <= most,
            $"lesson {lesson}: the right answers are {string.Join(", ", letters)}; spread them over the positions (no letter more than {most} times)");
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public void The_right_answer_is_the_longest_in_at_most_a_third_of_the_questions(string lesson)
    {
        var questions = QuizBank.All(lesson);
        var longest = questions.Where(q => q.Answers.Where(a => !a.IsCorrect).All(a => q.Answers.Single(r => r.IsCorrect).Text.Length >= a.Text.Length)).ToArray();
        Assert.True(longest.Length * 3 <= questions.Count,
            $"lesson {lesson}: the right answer is the longest option in {longest.Length} of {questions.Count} questions " +
            $"({string.Join("; ", longest.Select(q => q.Question))}): a learner could pick the longest. Shorten it or lengthen the others.");
    }

    [Fact]
    public void The_length_rule_fails_a_quiz_whose_right_answers_stand_out()
    {
        // The rule above, on questions whose right answer is always the longest: it must not pass them.
        var telling = Enumerable.Range(0, 3).Select(i => Quiz.Question($"Q{i}?", Quiz.Wrong("short", "x"), Quiz.Right("the long and detailed one", "y"))).ToArray();
        int longest = telling.Count(q => q.Answers.Where(a => !a.IsCorrect).All(a => q.Answers.Single(r => r.IsCorrect).Text.Length >= a.Text.Length));
        Assert.False(longest * 3 <= telling.Length);
    }

    [Theory]
    [MemberData(nameof(Lessons))]
    public void Every_question_has_four_answers_with_explanations(string lesson)
    {
        foreach (var question in QuizBank.All(lesson))
        {
            Assert.Equal(4, question.Answers.Count);
            Assert.All(question.Answers, a => Assert.False(string.IsNullOrWhiteSpace(a.Explanation)));
        }
    }

    [Theory]
    [InlineData("2.1-transformer-architecture.ipynb", "2.1")]
    [InlineData("2.2-attention.ipynb", "2.2")]
    public void The_notebooks_ask_every_question_in_order_and_hold_no_answer_key(string notebook, string lesson)
    {
        string path = Path.Combine(LessonRunner.FindRepositoryRoot(), "lessons", notebook);
        var sources = JsonNode.Parse(File.ReadAllText(path))!["cells"]!.AsArray()
            .Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => string.Concat(c!["source"]!.AsArray().Select(l => (string?)l))).ToArray();
        Assert.DoesNotContain(sources, s => s.Contains("Quiz.Right(", StringComparison.Ordinal) || s.Contains("Quiz.Wrong(", StringComparison.Ordinal)
                                            || s.Contains("Quiz.Question(", StringComparison.Ordinal));
        var asked = sources.SelectMany(s => Regex.Matches(s, @"Quiz\.Ask\(""([^""]+)"", (\d+)\)")).Select(m => (m.Groups[1].Value, int.Parse(m.Groups[2].Value))).ToArray();
        Assert.Equal(Enumerable.Range(1, Quiz.Count(lesson)).Select(n => (lesson, n)), asked);
    }
}
