using System.Text.RegularExpressions;
using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

public class QuizTests
{
    private static QuizQuestion Sample() => Quiz.Question("Which part lets a token read earlier tokens?",
        Quiz.Wrong("The MLP", "It works on each position alone."),
        Quiz.Right("Self-attention", "It mixes information across positions."),
        Quiz.Wrong("LayerNorm", "It rescales one vector."));

    [Fact]
    public void Html_has_one_radio_per_answer_sharing_a_name_and_an_explanation_each()
    {
        var quiz = Sample();
        string html = quiz.ToHtml();
        var radios = Regex.Matches(html, "<input type=\"radio\" name=\"([^\"]+)\" id=\"([^\"]+)\">");
        Assert.Equal(3, radios.Count);
        Assert.All(radios, m => Assert.Equal(quiz.Id, m.Groups[1].Value));
        Assert.Equal(3, radios.Select(m => m.Groups[2].Value).Distinct().Count());
        Assert.Equal(3, Regex.Matches(html, "class=\"lkq-feedback\"").Count);
        Assert.Contains("✔ Right. It mixes information across positions.", html);
        Assert.Contains("✘ Not quite. It works on each position alone.", html);
    }

    [Fact]
    public void Explanations_are_hidden_until_an_answer_is_checked_without_any_script()
    {
        string html = Sample().ToHtml();
        Assert.DoesNotContain("<script", html);
        Assert.Contains(".lkq-feedback{display:none", html);
        Assert.Contains("input:checked ~ .lkq-feedback{display:block}", html);
        Assert.DoesNotContain("http", html);
    }

    [Fact]
    public void Every_text_is_escaped_and_backticks_become_code()
    {
        var quiz = Quiz.Question("Is <b>this</b> & `softmax(x)` safe?",
            Quiz.Right("<script>alert(1)</script>", "Because \"quotes\" & 'apostrophes' are escaped."),
            Quiz.Wrong("`<img src=x onerror=alert(2)>`", "Code spans are escaped too."));
        string html = quiz.ToHtml();
        Assert.DoesNotContain("<b>this</b>", html);
        Assert.DoesNotContain("<script>alert", html);
        Assert.DoesNotContain("<img", html);
        Assert.Contains("Is &lt;b&gt;this&lt;/b&gt; &amp; <code class=\"lk-code\">softmax(x)</code> safe?", html);
        Assert.Contains("&lt;script&gt;alert(1)&lt;/script&gt;", html);
        Assert.Contains("<code class=\"lk-code\">&lt;img src=x onerror=alert(2)&gt;</code>", html);
        Assert.Contains("&quot;quotes&quot; &amp; &#39;apostrophes&#39;", html);
    }

    [Fact]
    public void Plain_text_lists_the_lettered_answers_but_not_which_is_right()
    {
        string text = Sample().ToString();
        Assert.StartsWith("Question: Which part lets a token read earlier tokens?", text);
        Assert.Contains("  A. The MLP\n  B. Self-attention\n  C. LayerNorm\n", text);
        Assert.EndsWith("(Pick an answer in the notebook to see whether it is right, and why.)", text);
        Assert.DoesNotContain("Answer", text);
        Assert.DoesNotContain("mixes information", text);
        Assert.Equal('B', Sample().CorrectLetter);
    }

    [Fact]
    public void The_shared_explanation_form_marks_the_indexed_answer()
    {
        var quiz = Quiz.Question("2 + 2?", ["3", "4"], correct: 1, explanation: "Count.");
        Assert.False(quiz.Answers[0].IsCorrect);
        Assert.True(quiz.Answers[1].IsCorrect);
        Assert.Throws<ArgumentOutOfRangeException>(() => Quiz.Question("2 + 2?", ["3", "4"], correct: 2, explanation: "Count."));
    }

    [Fact]
    public void Questions_need_exactly_one_right_answer_and_real_text()
    {
        var none = Assert.Throws<ArgumentException>(() => Quiz.Question("Q?", Quiz.Wrong("a", "x"), Quiz.Wrong("b", "y")));
        Assert.Contains("0 right answers", none.Message);
        var two = Assert.Throws<ArgumentException>(() => Quiz.Question("Q?", Quiz.Right("a", "x"), Quiz.Right("b", "y")));
        Assert.Contains("2 right answers", two.Message);
        Assert.Throws<ArgumentException>(() => Quiz.Question("Q?", Quiz.Right("a", "x")));
        Assert.Throws<ArgumentException>(() => Quiz.Question("Q?", Quiz.Right("a", "x"), Quiz.Wrong(" ", "y")));
        Assert.Throws<ArgumentException>(() => Quiz.Question("Q?", Quiz.Right("a", ""), Quiz.Wrong("b", "y")));
        Assert.Throws<ArgumentException>(() => Quiz.Question(" ", Quiz.Right("a", "x"), Quiz.Wrong("b", "y")));
    }

    [Fact]
    public void Two_questions_on_one_page_do_not_share_radio_groups()
    {
        Assert.NotEqual(Sample().Id, Sample().Id);
    }
}
