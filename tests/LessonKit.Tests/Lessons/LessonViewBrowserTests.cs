using LessonKit.Lessons;
using LessonKit.Tests.Display.Browser;
using Microsoft.Playwright;
using TorchSharp;

namespace LessonKit.Tests.Lessons;

/// <summary>The lessons' own views in headless Chromium, network blocked: quizzes answer clicks without any script; charts draw.</summary>
[Trait("Category", "Browser")]
public sealed class LessonViewBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static QuizQuestion Question(string hostile = "") => Quiz.Question("Which vectors are mixed into the output?" + hostile,
        Quiz.Wrong("The queries" + hostile, "A query only decides where to look."),
        Quiz.Right("The values", "The output is the weighted average of the values."));

    private static async Task<bool> VisibleAsync(ILocator locator) => await locator.IsVisibleAsync();

    [Fact]
    public async Task A_quiz_shows_only_the_explanation_of_the_answer_picked_and_questions_do_not_interfere()
    {
        var first = Question("<img src=x onerror=\"window.__xss=1\">");
        var second = Question();
        await using var page = await browser.OpenAsync("lesson-quiz", ViewPages.Page(first, second));

        var firstFeedback = page.Page.Locator($"#{first.Id} .lkq-feedback");
        var secondFeedback = page.Page.Locator($"#{second.Id} .lkq-feedback");
        Assert.Equal(2, await firstFeedback.CountAsync());
        Assert.False(await VisibleAsync(firstFeedback.Nth(0)));
        Assert.False(await VisibleAsync(firstFeedback.Nth(1)));

        await page.Page.Locator($"#{first.Id} label").Nth(0).ClickAsync();
        Assert.True(await VisibleAsync(firstFeedback.Nth(0)));
        Assert.Contains("Not quite", await firstFeedback.Nth(0).InnerTextAsync());
        Assert.False(await VisibleAsync(firstFeedback.Nth(1)));

        await page.Page.Locator($"#{first.Id} label").Nth(1).ClickAsync();
        Assert.False(await VisibleAsync(firstFeedback.Nth(0)));
        Assert.True(await VisibleAsync(firstFeedback.Nth(1)));
        Assert.Contains("Right", await firstFeedback.Nth(1).InnerTextAsync());

        Assert.False(await VisibleAsync(secondFeedback.Nth(0)), "picking in one question leaves the other alone");
        Assert.False(await VisibleAsync(secondFeedback.Nth(1)));
        Assert.Contains("<img src=x", await page.Page.Locator($"#{first.Id} .lkq-question").InnerTextAsync());
        await page.ScreenshotAsync($"#{first.Id}");
        await page.AssertCleanAsync();
    }

    [Fact]
    public async Task Charts_tables_and_check_results_render_offline()
    {
        var lines = Plots.Lines("Speed", "tokens", "tokens/s", new ChartSeries("with cache", [8, 16, 32], [400, 380, 390]),
            new ChartSeries("without", [8, 16, 32], [300, 150, 70]));
        var bars = Plots.Bars("Latency", ["gpt2", "distilgpt2"], [40, 20], "ms");
        var heads = Plots.HeadScores(torch.tensor(new float[] { 0.1f, 0.9f, 0.3f, 0.2f }, [2, 2]), "Scores");
        var check = Exercises.CheckCausalMask(n => torch.ones(n, n, dtype: torch.ScalarType.Bool));
        await using var page = await browser.OpenAsync("lesson-charts", ViewPages.Page(lines, bars, heads, check, Gpt2Family.Table()));

        Assert.Equal(2, await page.Page.Locator($"#{lines.Id} polyline").CountAsync());
        Assert.Equal(6, await page.Page.Locator($"#{lines.Id} circle").CountAsync());
        var barBox = await page.Page.Locator($"#{bars.Id} .lk-bc-bar").Nth(1).BoundingBoxAsync();
        var fullBox = await page.Page.Locator($"#{bars.Id} .lk-bc-bar").Nth(0).BoundingBoxAsync();
        Assert.InRange(barBox!.Width / fullBox!.Width, 0.45, 0.55);
        Assert.Contains("✘ Causal mask", await page.Page.Locator($"#{check.Id}").InnerTextAsync());
        Assert.Contains("124,439,808", await page.Page.ContentAsync());
        await page.ScreenshotAsync();
        await page.AssertCleanAsync();
    }
}
