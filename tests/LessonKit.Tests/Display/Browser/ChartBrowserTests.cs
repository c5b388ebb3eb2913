using System.Globalization;
using LessonKit.Display;
using Microsoft.Playwright;
using TorchSharp;

namespace LessonKit.Tests.Display.Browser;

/// <summary>
/// <c>Plots.Line</c>, <c>Plots.Bar</c> and <c>Plots.Heatmap</c> in headless Chromium with every non-local request
/// aborted (and recorded: <see cref="ViewPage.AssertCleanAsync"/> fails if one was even attempted): each draws its
/// marks where the values put them, shows its labels, and tells the value under the mouse.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ChartBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    /// <summary>The tooltip the browser would show at the centre of <paramref name="selector"/>: the title of the element hit there.</summary>
    private static Task<string> TooltipAtAsync(IPage page, string selector) => page.EvaluateAsync<string>(
        "selector => { const r = document.querySelector(selector).getBoundingClientRect(); " +
        "const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2); " +
        "const titled = hit.closest('[title]'); const title = hit.querySelector(':scope > title'); " +
        "return title ? title.textContent : titled ? titled.getAttribute('title') : ''; }", selector);

    [Fact]
    public async Task A_line_chart_draws_a_marker_per_point_a_gap_for_NaN_its_legend_and_tooltips()
    {
        var view = Plots.Line(
            [Plots.Series("with cache", new[] { 8, 16, 32, 64 }, new[] { 400.0, 380, 390, 370 }), Plots.Series("without", new[] { 8, 16, 32, 64 }, new[] { 300f, 150f, float.NaN, 40f })],
            "Generation speed", "new tokens", "tokens/s");
        await using var page = await browser.OpenAsync("chart-line", ViewPages.Page(view));
        var root = page.Page.Locator($"#{view.Id}");

        Assert.Equal(4, await root.Locator(".lk-lc-series[data-series='0'] circle.lk-lc-point").CountAsync());
        Assert.Equal(3, await root.Locator(".lk-lc-series[data-series='1'] circle.lk-lc-point").CountAsync());
        Assert.Equal(1, await root.Locator(".lk-lc-series[data-series='0'] polyline").CountAsync());
        Assert.Equal(1, await root.Locator(".lk-lc-series[data-series='1'] polyline").CountAsync());   // 300, 150 | gap | 40 alone
        Assert.Equal(["with cache", "without"], await root.Locator(".lk-lc-name").AllTextContentsAsync());
        Assert.Equal("new tokens", await root.Locator(".lk-lc-xtitle").TextContentAsync());
        Assert.Equal("tokens/s", await root.Locator(".lk-lc-ytitle").TextContentAsync());
        Assert.Contains("NaN at x = 32", await root.Locator(".lk-note").TextContentAsync());

        // On screen, 400 is above 40 and x = 64 right of x = 8.
        var first = await root.Locator(".lk-lc-series[data-series='0'] circle").Nth(0).BoundingBoxAsync();
        var last = await root.Locator(".lk-lc-series[data-series='1'] circle").Nth(2).BoundingBoxAsync();
        Assert.True(first!.Y < last!.Y && first.X < last.X, $"400 at ({first.X}, {first.Y}), 40 at ({last.X}, {last.Y})");

        await root.Locator(".lk-lc-series[data-series='1'] circle").Nth(1).HoverAsync();
        Assert.Equal("without: new tokens = 16, tokens/s = 150", await TooltipAtAsync(page.Page, $"#{view.Id} .lk-lc-series[data-series='1'] circle:nth-of-type(2)"));
        await page.ScreenshotAsync($"#{view.Id}");
        await page.AssertCleanAsync();
    }

    [Fact]
    public async Task A_bar_chart_draws_bars_in_proportion_left_and_right_of_zero_with_tooltips()
    {
        var view = Plots.Bar(["gpt2", " cat", "<b>bold</b>", "broken"], new[] { 40.0, -10, 20, double.NaN }, "Latency", "model", "time", "ms");
        await using var page = await browser.OpenAsync("chart-bar", ViewPages.Page(view));
        var root = page.Page.Locator($"#{view.Id}");

        Assert.Equal(4, await root.Locator(".lk-bc-row").CountAsync());
        Assert.Equal(3, await root.Locator(".lk-bc-bar").CountAsync());
        Assert.Equal(["gpt2", " cat", "<b>bold</b>", "broken"], await root.Locator(".lk-bc-label").AllTextContentsAsync());
        Assert.Equal(["40 ms", "-10 ms", "20 ms", "NaN ms"], await root.Locator(".lk-bc-value").AllTextContentsAsync());
        Assert.Equal("rgb(207, 34, 46)", await root.Locator(".lk-bc-nan").EvaluateAsync<string>("e => getComputedStyle(e).color"));

        var bars = await Task.WhenAll(Enumerable.Range(0, 3).Select(i => root.Locator(".lk-bc-bar").Nth(i).BoundingBoxAsync()));
        var zero = await root.Locator(".lk-bc-zero").First.BoundingBoxAsync();
        Assert.Equal(2.0, bars[0]!.Width / bars[2]!.Width, 1);   // 40 against 20
        Assert.Equal(4.0, bars[0]!.Width / bars[1]!.Width, 1);   // 40 against |-10|
        Assert.InRange(bars[1]!.X + bars[1]!.Width - zero!.X, -1, 1);   // the negative bar ends at the zero line
        Assert.InRange(bars[0]!.X - zero.X, -1, 1);                      // the positive ones start there

        await root.Locator(".lk-bc-track").Nth(1).HoverAsync();
        Assert.Equal(" cat: -10 ms", await TooltipAtAsync(page.Page, $"#{view.Id} .lk-bc-row[data-index='1'] .lk-bc-bar"));
        await page.ScreenshotAsync($"#{view.Id}");
        await page.AssertCleanAsync();
    }

    [Fact]
    public async Task A_heatmap_colours_each_cell_labels_rows_and_columns_and_shows_the_value_under_the_mouse()
    {
        // 3 rows × 4 columns with a NaN at (0, 3); values 0 .. 1 (sequential: 0 white, 1 dark blue).
        using var matrix = torch.tensor(new[] { 0f, 0.25f, 0.5f, float.NaN, 0.125f, 1f, 0.75f, 0.5f, 0.375f, 0f, 0.625f, 0.875f }, [3, 4]);
        var view = Plots.Heatmap(matrix, ["first", "second", " third"], ["w", "x", "y", "<z>"], "Attention", "query", "key");
        await using var page = await browser.OpenAsync("chart-heatmap", ViewPages.Page(view));
        var root = page.Page.Locator($"#{view.Id}");

        var canvas = root.Locator(".lk-hm-canvas");
        Assert.Equal(4, await canvas.EvaluateAsync<int>("c => c.width"));
        Assert.Equal(3, await canvas.EvaluateAsync<int>("c => c.height"));
        Assert.Equal(["first", "second", " third"], await root.Locator(".lk-hm-rowlabel").AllTextContentsAsync());
        Assert.Equal(["w", "x", "y", "<z>"], await root.Locator(".lk-hm-collabel").AllTextContentsAsync());
        Assert.Equal("query ↓ · key →", await root.Locator(".lk-hm-titles").TextContentAsync());
        Assert.Equal(["0.000", "1.000", "NaN"], await root.Locator(".lk-legend span:not([class*='bar']):not(.lk-legend-nan)").AllTextContentsAsync());

        // One canvas pixel per cell: the lowest value is white, the highest dark blue, NaN grey.
        var pixel = await PixelsAsync(canvas);
        Assert.Equal(new[] { 255, 255, 255 }, pixel(0, 0));
        Assert.Equal(new[] { 8, 48, 107 }, pixel(1, 1));
        Assert.Equal(new[] { 175, 184, 193 }, pixel(0, 3));

        await HoverCellAsync(canvas, row: 1, col: 2, rows: 3, cols: 4);
        Assert.Equal("query second · key y: 0.750", await root.Locator(".lk-tip").TextContentAsync());
        await HoverCellAsync(canvas, row: 0, col: 3, rows: 3, cols: 4);
        Assert.Equal("query first · key <z>: NaN", await root.Locator(".lk-tip").TextContentAsync());
        await page.ScreenshotAsync($"#{view.Id}");
        await page.AssertCleanAsync();
    }

    [Fact]
    public async Task A_heatmap_without_labels_numbers_its_rows_and_columns_and_centres_a_diverging_scale_on_zero()
    {
        var view = Plots.Heatmap(new[] { new[] { -2.0, 0, 1 }, new[] { 2.0, 0.5, -1 } });
        await using var page = await browser.OpenAsync("chart-heatmap-signed", ViewPages.Page(view));
        var root = page.Page.Locator($"#{view.Id}");
        var canvas = root.Locator(".lk-hm-canvas");
        Assert.Equal(["0", "1"], await root.Locator(".lk-hm-rowlabel").AllTextContentsAsync());
        Assert.Equal(["0", "1", "2"], await root.Locator(".lk-hm-collabel").AllTextContentsAsync());
        var pixel = await PixelsAsync(canvas);
        Assert.Equal(new[] { 178, 24, 43 }, pixel(0, 0));    // -2: full red
        Assert.Equal(new[] { 255, 255, 255 }, pixel(0, 1));  // 0: white
        Assert.Equal(new[] { 33, 102, 172 }, pixel(1, 0));   // +2: full blue
        await HoverCellAsync(canvas, row: 1, col: 1, rows: 2, cols: 3);
        Assert.Equal("row 1 · column 1: 0.500", await root.Locator(".lk-tip").TextContentAsync());
        Assert.Equal("-2.000", await root.Locator(".lk-legend-lo").TextContentAsync());
        Assert.Equal("+2.000", await root.Locator(".lk-legend-hi").TextContentAsync());
        await page.AssertCleanAsync();
    }

    /// <summary>The canvas's pixels, read once (several reads make Chromium warn on the console): RGB of (row, col).</summary>
    private static async Task<Func<int, int, int[]>> PixelsAsync(ILocator canvas)
    {
        int width = await canvas.EvaluateAsync<int>("c => c.width");
        int[] rgba = await canvas.EvaluateAsync<int[]>("c => Array.from(c.getContext('2d').getImageData(0, 0, c.width, c.height).data)");
        return (row, col) => rgba.Skip((row * width + col) * 4).Take(3).ToArray();
    }

    private static async Task HoverCellAsync(ILocator canvas, int row, int col, int rows, int cols)
    {
        var box = await canvas.BoundingBoxAsync() ?? throw new InvalidOperationException("The canvas is not visible.");
        await canvas.HoverAsync(new LocatorHoverOptions { Position = new Position { X = (float)((col + 0.5) * box.Width / cols), Y = (float)((row + 0.5) * box.Height / rows) } });
    }
}
