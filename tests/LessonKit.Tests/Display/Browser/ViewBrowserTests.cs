using LessonKit.Display;
using LessonKit.Display.Views;
using Microsoft.Playwright;

namespace LessonKit.Tests.Display.Browser;

/// <summary>
/// Every view in a real (headless) Chromium with the network blocked: the expected elements are there, clicking and
/// hovering change what they should, nothing is requested from the network, nothing is logged as an error, and no
/// token text runs as code. One PNG per view goes to TestResults/views/ next to the test output.
/// </summary>
[Trait("Category", "Browser")]
public sealed class ViewBrowserTests(BrowserFixture browser) : IClassFixture<BrowserFixture>
{
    private static readonly string[] Sentence = ["<|endoftext|>", "The", " cat", " sat", " on", " the", " mat", " because", " it", " was", " tired", "."];

    [Fact]
    public async Task HeadViewDrawsLinesTogglesHeadsSwitchesLayersAndFocusesTokens()
    {
        using var cache = TestCaches.Random(layers: 3, heads: 4, length: TestCaches.Nasty.Length + 2, seed: 1);
        string[] tokens = TestCaches.Tokens(TestCaches.Nasty.Length + 2);
        var first = Plots.HeadView(cache, tokens);
        var second = Plots.HeadView(cache, tokens, layer: 2);
        await using var view = await browser.OpenAsync("headview", ViewPages.Page(first, second));
        var page = view.Page;

        var root = page.Locator($"#{first.Id}");
        Assert.Equal(4, await root.Locator(".lk-head-toggle").CountAsync());
        Assert.Equal(tokens.Length, await root.Locator(".lk-hv-left .lk-tok").CountAsync());
        // Token text is shown as text, exactly.
        var nasty = root.Locator(".lk-hv-left .lk-tok").Nth(1);
        Assert.Equal(LessonKit.Display.Html.TokenLabels.Short(TestCaches.Nasty[1]), await nasty.TextContentAsync());
        Assert.Equal($"position 1: '{TestCaches.Nasty[1]}'", await nasty.GetAttributeAsync("title"));
        Assert.Equal("0,1,2,3", await root.Locator(".lk-hv-stage").GetAttributeAsync("data-heads"));
        string before = await CanvasAsync(page, first.Id, ".lk-hv-canvas");
        Assert.NotEqual(await BlankCanvasAsync(page, first.Id, ".lk-hv-canvas"), before);
        await view.ScreenshotAsync($"#{first.Id}");

        await root.Locator(".lk-head-toggle").Nth(0).ClickAsync();
        Assert.Equal("false", await root.Locator(".lk-head-toggle").Nth(0).GetAttributeAsync("aria-pressed"));
        Assert.Equal("1,2,3", await root.Locator(".lk-hv-stage").GetAttributeAsync("data-heads"));
        Assert.NotEqual(before, await CanvasAsync(page, first.Id, ".lk-hv-canvas"));
        // The other view on the page did not change.
        Assert.Equal("0,1,2,3", await page.Locator($"#{second.Id} .lk-hv-stage").GetAttributeAsync("data-heads"));

        await root.Locator(".lk-layer-select").SelectOptionAsync("1");
        Assert.Equal("1", await root.Locator(".lk-hv-stage").GetAttributeAsync("data-layer"));
        Assert.Equal("2", await page.Locator($"#{second.Id} .lk-hv-stage").GetAttributeAsync("data-layer"));

        await root.Locator(".lk-hv-left .lk-tok").Nth(5).HoverAsync();
        Assert.Equal(1, await root.Locator(".lk-tok.lk-focus").CountAsync());
        string shaded = await root.Locator(".lk-hv-right .lk-tok").Nth(0).EvaluateAsync<string>("e => e.style.background");
        Assert.StartsWith("rgba(", shaded);
        await view.ScreenshotAsync($"#{first.Id}", "focused");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task ModelViewShowsEveryHeadAndEnlargesTheOneClicked()
    {
        using var cache = TestCaches.Random(layers: 4, heads: 6, length: Sentence.Length, seed: 2, structured: true);
        var model = Plots.ModelView(cache, Sentence);
        await using var view = await browser.OpenAsync("modelview", ViewPages.Page(model));
        var root = view.Page.Locator($"#{model.Id}");
        var canvas = root.Locator(".lk-mv-canvas");
        Assert.False(await root.Locator(".lk-mv-panel").IsVisibleAsync());
        int pitch = int.Parse(await canvas.GetAttributeAsync("data-pitch") ?? "0");
        Assert.Equal(6 * pitch, (int)(await canvas.BoundingBoxAsync())!.Width);
        Assert.Equal(4 * pitch, (int)(await canvas.BoundingBoxAsync())!.Height);
        string[] labels = (await root.Locator(".lk-mv-label").AllTextContentsAsync()).ToArray();
        Assert.Equal(["H0", "H1", "H2", "H3", "H4", "H5", "L0", "L1", "L2", "L3"], labels);

        await canvas.ClickAsync(new LocatorClickOptions { Position = new Position { X = 5 * pitch + pitch / 2f, Y = 2 * pitch + pitch / 2f } });
        var panel = root.Locator(".lk-mv-panel");
        Assert.True(await panel.IsVisibleAsync());
        Assert.Equal("2", await panel.GetAttributeAsync("data-layer"));
        Assert.Equal("5", await panel.GetAttributeAsync("data-head"));
        Assert.Contains("Layer 2 · head 5", await panel.Locator(".lk-caption").TextContentAsync());
        Assert.Equal(Sentence.Length, await panel.Locator(".lk-hm-rowlabel").CountAsync());
        Assert.True(await root.Locator(".lk-mv-selected").IsVisibleAsync());

        await HoverCellAsync(panel.Locator("canvas"), row: 3, col: 2, rows: Sentence.Length, cols: Sentence.Length);
        string tip = await root.Locator(".lk-tip").TextContentAsync() ?? "";
        Assert.Contains("L2H5 · query ' sat' (3) → key ' cat' (2): ", tip);
        float expected = Weight(cache, 2, 5, 3, 2);
        Assert.Equal(expected, float.Parse(tip[(tip.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), 2);
        await view.ScreenshotAsync($"#{model.Id}");

        await panel.Locator(".lk-close").ClickAsync();
        Assert.False(await panel.IsVisibleAsync());
        Assert.False(await root.Locator(".lk-mv-selected").IsVisibleAsync());
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task AttentionPatternsPreviewsOnHoverSelectsOnClickAndShowsValues()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 4, length: Sentence.Length, seed: 3);
        var patterns = Plots.AttentionPatterns(cache, 1, Sentence);
        var single = Plots.AttentionPattern(cache, 1, 2, Sentence);
        await using var view = await browser.OpenAsync("patterns", ViewPages.Page(patterns, single));
        var root = view.Page.Locator($"#{patterns.Id}");
        Assert.Equal(4, await root.Locator(".lk-pt-head").CountAsync());
        Assert.Equal("0", await root.GetAttributeAsync("data-head"));
        Assert.Equal(Sentence.Length, await root.Locator(".lk-hm-collabel").CountAsync());
        Assert.Equal(" cat", await root.Locator(".lk-hm-collabel").Nth(2).TextContentAsync());

        await root.Locator(".lk-pt-head").Nth(3).HoverAsync();
        Assert.Equal("3", await root.GetAttributeAsync("data-head"));
        Assert.Contains("(preview)", await root.Locator(".lk-caption").TextContentAsync());
        await root.Locator(".lk-pt-head").Nth(2).ClickAsync();
        Assert.Equal("true", await root.Locator(".lk-pt-head").Nth(2).GetAttributeAsync("aria-pressed"));
        await root.Locator(".lk-hm-canvas").HoverAsync();   // leaves the thumbnail: the selected head stays
        Assert.Equal("2", await root.GetAttributeAsync("data-head"));

        await HoverCellAsync(root.Locator(".lk-hm-canvas"), row: 10, col: 2, rows: Sentence.Length, cols: Sentence.Length);
        string tip = await root.Locator(".lk-tip").TextContentAsync() ?? "";
        Assert.StartsWith("Head 2 · query ' tired' (10) → key ' cat' (2): ", tip);
        Assert.Equal(patterns.Weight(2, 10, 2), float.Parse(tip[(tip.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), 3);
        await view.ScreenshotAsync($"#{patterns.Id}");

        var big = view.Page.Locator($"#{single.Id}");
        Assert.Equal(0, await big.Locator(".lk-pt-head").CountAsync());
        Assert.Contains("Layer 1 · Head 2", await big.Locator(".lk-caption").TextContentAsync());
        await HoverCellAsync(big.Locator(".lk-hm-canvas"), row: 8, col: 2, rows: Sentence.Length, cols: Sentence.Length);
        Assert.Contains("query ' it' (8) → key ' cat' (2)", await big.Locator(".lk-tip").TextContentAsync());
        await view.ScreenshotAsync($"#{single.Id}", "single");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task HeadFinderRanksHeadsAndShowsTheClickedHeadsPattern()
    {
        using var cache = TestCaches.Random(layers: 3, heads: 4, length: Sentence.Length, seed: 4);
        var finder = Plots.HeadFinder(cache, Sentence, "it", "cat");
        await using var view = await browser.OpenAsync("headfinder", ViewPages.Page(finder));
        var root = view.Page.Locator($"#{finder.Id}");
        Assert.Equal(12, await root.Locator("tr[data-index]").CountAsync());
        Assert.Equal(finder.Best.Layer.ToString(), await root.GetAttributeAsync("data-layer"));
        Assert.Equal(finder.Best.Head.ToString(), await root.GetAttributeAsync("data-head"));
        Assert.True(await root.Locator(".lk-hm-mark").IsVisibleAsync());

        var third = root.Locator("tr[data-index='2']");
        await third.ClickAsync();
        Assert.Equal(finder.Ranking[2].Layer.ToString(), await root.GetAttributeAsync("data-layer"));
        Assert.Equal(finder.Ranking[2].Head.ToString(), await root.GetAttributeAsync("data-head"));
        Assert.Contains("lk-selected", await third.GetAttributeAsync("class"));
        Assert.Contains("(rank 3)", await root.Locator(".lk-caption").TextContentAsync());
        await view.ScreenshotAsync($"#{finder.Id}");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task FilteredAndEditedCachesRenderWithTheirNotesAndVisibleLabels()
    {
        // A head view of a cache holding only layer 1's pattern (a lone-space token among the tokens), and a head
        // finder of patterns a hook multiplied by NaN (which flows on into every later layer).
        using var model = TestCaches.TinyModel();
        using var tokens = TestCaches.TinyTokens();
        var (logits, filtered) = model.RunWithCache(tokens, n => n == "blocks.1.attn.hook_pattern");
        var (logits2, poisoned) = model.RunWithHooksAndCache(tokens, n => n.EndsWith("hook_pattern"), ("blocks.0.attn.hook_pattern", (a, _) => a * float.NaN));
        using var _ = logits;
        using var __ = filtered;
        using var ___ = logits2;
        using var ____ = poisoned;
        var head = Plots.HeadView(filtered, TestCaches.Words, layer: 1);
        var finder = Plots.HeadFinder(poisoned, TestCaches.Words, 5, 1);
        await using var view = await browser.OpenAsync("filtered-edited", ViewPages.Page(head, finder));
        var page = view.Page;

        var root = page.Locator($"#{head.Id}");
        var space = root.Locator(".lk-hv-left .lk-tok").Nth(2);
        Assert.Equal("␣", await space.TextContentAsync());
        Assert.Equal("position 2: ' '", await space.GetAttributeAsync("title"));
        var layerZero = root.Locator(".lk-layer-select option").Nth(0);
        Assert.Equal("0 (not cached)", await layerZero.TextContentAsync());
        Assert.True(await layerZero.EvaluateAsync<bool>("o => o.disabled"));
        Assert.Equal("1", await root.Locator(".lk-hv-stage").GetAttributeAsync("data-layer"));
        Assert.Contains("no attention pattern for layers 0, 2", await root.Locator(".lk-note").First.TextContentAsync());
        Assert.NotEqual(await BlankCanvasAsync(page, head.Id, ".lk-hv-canvas"), await CanvasAsync(page, head.Id, ".lk-hv-canvas"));

        var found = page.Locator($"#{finder.Id}");
        Assert.Contains("not softmax weights", await found.Locator(".lk-note").First.TextContentAsync());
        Assert.StartsWith("NaN", await found.Locator("tr[data-index='0'] td.lk-num").Nth(2).TextContentAsync());
        Assert.Contains("): NaN of the attention from position 5", await found.Locator(".lk-caption").TextContentAsync());
        await view.ScreenshotAsync();
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task StaticViewsShowTokensAsTextAndTheirValues()
    {
        string[] tokens = TestCaches.Nasty;
        var values = tokens.Select((_, i) => (float)Math.Sin(i)).ToArray();
        var colored = Plots.ColoredTokens(tokens, values, "Loss per token <b>bold?</b>");
        var next = Plots.NextTokens([new TokenCandidate(1, " sat", 0.41f), new TokenCandidate(2, "<script>window.__xss=5</script>", 0.2f), new TokenCandidate(3, "\n", 0.05f)]);
        var steps = new List<GenerationStep>
        {
            new(0, 1, " sat", 0.41f, [new(1, " sat", 0.41f), new(2, " lay", 0.3f)]),
            new(1, 4, " on", 0.8f, [new(4, " on", 0.8f), new(5, "\"><img src=x onerror=window.__xss=6>", 0.1f)]),
        };
        var table = Plots.GenerationTable(steps);
        await using var view = await browser.OpenAsync("static-views", ViewPages.Page(colored, next, table));
        var page = view.Page;

        var spans = page.Locator($"#{colored.Id} .lk-ct-tok");
        Assert.Equal(tokens.Length, await spans.CountAsync());
        Assert.Equal(tokens[1], await spans.Nth(1).TextContentAsync());
        Assert.Equal("Loss per token <b>bold?</b>", await page.Locator($"#{colored.Id} .lk-title").TextContentAsync());
        Assert.Contains("= 0.8415", await spans.Nth(1).GetAttributeAsync("title"));
        Assert.NotEqual(await spans.Nth(0).EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"),
                        await spans.Nth(1).EvaluateAsync<string>("e => getComputedStyle(e).backgroundColor"));
        await view.ScreenshotAsync($"#{colored.Id}", "coloredtokens");

        var rows = page.Locator($"#{next.Id} .lk-nt-row");
        Assert.Equal(3, await rows.CountAsync());
        Assert.Equal("'" + LessonKit.Display.Html.TokenLabels.Short("<script>window.__xss=5</script>") + "'", await rows.Nth(1).Locator(".lk-code").TextContentAsync());
        Assert.Equal("token id 2: '<script>window.__xss=5</script>' p = 0.2000", await rows.Nth(1).Locator(".lk-code").GetAttributeAsync("title"));
        double left0 = await rows.Nth(0).Locator(".lk-nt-track").EvaluateAsync<double>("e => e.getBoundingClientRect().left");
        Assert.Equal(left0, await rows.Nth(1).Locator(".lk-nt-track").EvaluateAsync<double>("e => e.getBoundingClientRect().left"));
        double width41 = await rows.Nth(0).Locator(".lk-nt-bar").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        double width20 = await rows.Nth(1).Locator(".lk-nt-bar").EvaluateAsync<double>("e => e.getBoundingClientRect().width");
        Assert.Equal(0.41 / 0.2, width41 / width20, 1);
        await view.ScreenshotAsync($"#{next.Id}", "nexttokens");

        Assert.Equal(2, await page.Locator($"#{table.Id} tr[data-step]").CountAsync());
        Assert.Equal("' on'", await page.Locator($"#{table.Id} tr[data-step='1'] td:nth-child(2) .lk-chosen").TextContentAsync());
        Assert.Contains("\"><img src=x onerror=window.__xss=6>", await page.Locator($"#{table.Id} tr[data-step='1']").TextContentAsync());
        await view.ScreenshotAsync($"#{table.Id}", "generation");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task PositionalViewsDrawTheEncodingAndTheSimilarityCurve()
    {
        using var encoding = PositionalEncoding.Sinusoidal(100, 64);
        var heatmap = Plots.PositionalHeatmap(encoding, "Sinusoidal encoding, 100 positions × 64 dimensions");
        var similarity = Plots.PositionSimilarity(encoding);
        await using var view = await browser.OpenAsync("positional", ViewPages.Page(heatmap, similarity));
        var page = view.Page;

        var canvas = page.Locator($"#{heatmap.Id} .lk-hm-canvas");
        Assert.Equal(64, await canvas.EvaluateAsync<int>("c => c.width"));
        Assert.Equal(100, await canvas.EvaluateAsync<int>("c => c.height"));
        await HoverCellAsync(canvas, row: 7, col: 3, rows: 100, cols: 64);
        string tip = await page.Locator($"#{heatmap.Id} .lk-tip").TextContentAsync() ?? "";
        Assert.StartsWith("position 7 · dimension 3: ", tip);
        Assert.Equal(Math.Cos(7 / Math.Pow(10000, 2.0 / 64)), double.Parse(tip[(tip.LastIndexOf(' ') + 1)..], System.Globalization.CultureInfo.InvariantCulture), 2);
        await view.ScreenshotAsync($"#{heatmap.Id}", "heatmap");

        var sim = page.Locator($"#{similarity.Id}");
        Assert.Equal(4, await sim.Locator("tr[data-position]").CountAsync());
        Assert.Equal(5, await sim.Locator(".lk-sim-mark").CountAsync());
        int points = await sim.Locator(".lk-sim-line").EvaluateAsync<int>("e => e.points.numberOfItems");
        Assert.True(points >= 100, $"the curve has {points} points");
        await view.ScreenshotAsync($"#{similarity.Id}", "similarity");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task PipelineExpandsStagesAndDrawsAttentionAndMlp()
    {
        using var cache = TestCaches.Random(layers: 3, heads: 4, length: Sentence.Length, seed: 5);
        using var logits = TorchSharp.torch.randn(1, Sentence.Length, 64);
        int[] ids = Enumerable.Range(20, Sentence.Length).ToArray();
        var pipeline = Plots.Pipeline(cache, Sentence, ids, logits, id => id == 7 ? "<b>seven</b>" : $" word{id}");
        await using var view = await browser.OpenAsync("pipeline", ViewPages.Page(pipeline));
        var root = view.Page.Locator($"#{pipeline.Id}");
        Assert.Equal(5, await root.Locator("details.lk-stage").CountAsync());
        Assert.True(await root.Locator("details[data-stage='1']").EvaluateAsync<bool>("d => d.open"));
        Assert.False(await root.Locator(".lk-pl-layer").First.IsVisibleAsync());

        await root.Locator("details[data-stage='3'] > summary").ClickAsync();
        Assert.True(await root.Locator("details[data-stage='3']").EvaluateAsync<bool>("d => d.open"));
        Assert.Equal(3, await root.Locator(".lk-pl-layer").CountAsync());
        Assert.True(await root.Locator(".lk-pl-layer").First.IsVisibleAsync());
        await root.Locator("details[data-stage='4'] > summary").ClickAsync();
        var mlp = root.Locator(".lk-pl-mlp .lk-hm-canvas");
        await HoverCellAsync(mlp, row: 1, col: 2, rows: 3, cols: Sentence.Length);
        Assert.StartsWith("Layer 1 · token ' cat' (2): mean |activation| ", await root.Locator(".lk-tip").TextContentAsync());
        await root.Locator("details[data-stage='2'] > summary").ClickAsync();
        await root.Locator("details[data-stage='5'] > summary").ClickAsync();
        Assert.Equal(PipelineView.TopCandidates, await root.Locator("details[data-stage='5'] .lk-nt-row").CountAsync());
        // Every position's prediction and next-token loss, in a table that shows once the stage is open.
        var lossRows = root.Locator("details[data-stage='5'] table.lk-pl-loss tbody tr");
        Assert.Equal(Sentence.Length, await lossRows.CountAsync());
        Assert.True(await lossRows.Nth(0).IsVisibleAsync());
        Assert.Contains(pipeline.Predictions[0].Loss!.Value.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture), await lossRows.Nth(0).InnerTextAsync());
        Assert.Contains("nothing to compare with", await lossRows.Nth(Sentence.Length - 1).InnerTextAsync());
        Assert.True(await root.Locator("details[data-stage='5'] .lk-pl-chain").IsVisibleAsync());
        await view.ScreenshotAsync($"#{pipeline.Id}");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task LargeModelsStayResponsiveAndSayWhatTheyLeftOut()
    {
        // GPT-2 XL's shape (48 layers × 25 heads) over more tokens than the views show.
        using var cache = TestCaches.Random(layers: 48, heads: 25, length: 300, seed: 6, mlp: false, embed: false, structured: true);
        string[] tokens = TestCaches.Tokens(300);
        var head = Plots.HeadView(cache, tokens, layer: 47);
        var model = Plots.ModelView(cache, tokens);
        var patterns = Plots.AttentionPatterns(cache, 10, tokens);
        foreach (var v in new View[] { head, model, patterns })
            Assert.True(v.ToHtml().Length < 2_600_000, $"{v.Kind} is {v.ToHtml().Length:N0} characters");

        await using var view = await browser.OpenAsync("large", ViewPages.Page(head, model, patterns));
        var page = view.Page;
        // Time spent in our scripts, measured in the page (not the test's own overhead). A normal machine needs well
        // under a second; the limits leave room for a loaded CI machine.
        foreach (var v in new View[] { head, model, patterns })
        {
            int ms = int.Parse(await page.Locator($"#{v.Id}").GetAttributeAsync("data-lk-render-ms") ?? "-1");
            Assert.InRange(ms, 0, 5000);
        }
        Assert.Contains("Showing 256 of 300 tokens", await page.Locator($"#{head.Id} .lk-note").First.TextContentAsync());
        Assert.Contains("shrunk to 35×35 blocks", string.Join(" ", await page.Locator($"#{model.Id} .lk-note").AllTextContentsAsync()));
        Assert.Contains("strongest", await page.Locator($"#{head.Id} .lk-hv-limit").TextContentAsync());
        Assert.Equal(48 - head.EmbeddedLayers.Count, await page.Locator($"#{head.Id} .lk-layer-select option:disabled").CountAsync());
        Assert.Equal(48 + 25, await page.Locator($"#{model.Id} .lk-mv-label").CountAsync());

        Assert.InRange(await TimeInPageAsync(page, $"#{head.Id} .lk-head-toggle[data-head='3']", "click"), 0, 2000);
        Assert.InRange(await TimeInPageAsync(page, $"#{head.Id} .lk-hv-left .lk-tok[data-pos='200']", "mouseenter"), 0, 2000);
        Assert.InRange(await TimeInPageAsync(page, $"#{patterns.Id} .lk-pt-head[data-head='24']", "click"), 0, 2000);
        Assert.Equal("24", await page.Locator($"#{patterns.Id}").GetAttributeAsync("data-head"));
        var grid = page.Locator($"#{model.Id} .lk-mv-canvas");
        int pitch = int.Parse(await grid.GetAttributeAsync("data-pitch") ?? "0");
        await grid.ClickAsync(new LocatorClickOptions { Position = new Position { X = 20 * pitch + pitch / 2f, Y = 40 * pitch + pitch / 2f } });
        Assert.Equal("40", await page.Locator($"#{model.Id} .lk-mv-panel").GetAttributeAsync("data-layer"));
        Assert.Equal("20", await page.Locator($"#{model.Id} .lk-mv-panel").GetAttributeAsync("data-head"));
        await view.ScreenshotAsync($"#{model.Id}", "modelview");
        await view.ScreenshotAsync($"#{head.Id}", "headview");
        await view.AssertCleanAsync();
    }

    [Fact]
    public async Task SavedPagesWorkStandaloneUnderTheirContentSecurityPolicy()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 3, length: Sentence.Length, seed: 8);
        var head = Plots.HeadView(cache, Sentence);
        string path = head.SaveHtml(Path.Combine(browser.ArtifactsFolder, "saved", "headview-standalone.html"));
        Assert.True(File.Exists(path));
        await using var view = await browser.OpenAsync("headview-standalone", File.ReadAllText(path));
        Assert.Equal(3, await view.Page.Locator(".lk-head-toggle").CountAsync());
        await view.Page.Locator(".lk-head-toggle").First.ClickAsync();
        Assert.Equal("1,2", await view.Page.Locator(".lk-hv-stage").GetAttributeAsync("data-heads"));
        await view.AssertCleanAsync();
    }

    /// <summary>Dispatches an event on an element and returns how long our handler took, in milliseconds.</summary>
    private static Task<double> TimeInPageAsync(IPage page, string selector, string eventName) =>
        page.EvaluateAsync<double>(
            "([selector, name]) => { const el = document.querySelector(selector); const t = performance.now(); " +
            "el.dispatchEvent(new MouseEvent(name, { bubbles: name === 'click' })); return performance.now() - t; }",
            new[] { selector, eventName });

    private static float Weight(ActivationCache cache, int layer, int head, int query, int key) =>
        cache["pattern", layer][0, head, query, key].item<float>();

    /// <summary>Moves the mouse over the middle of one cell of a heatmap canvas.</summary>
    private static async Task HoverCellAsync(ILocator canvas, int row, int col, int rows, int cols)
    {
        var box = await canvas.BoundingBoxAsync() ?? throw new InvalidOperationException("The canvas is not visible.");
        await canvas.HoverAsync(new LocatorHoverOptions { Position = new Position { X = (float)((col + 0.5) * box.Width / cols), Y = (float)((row + 0.5) * box.Height / rows) } });
    }

    private static Task<string> CanvasAsync(IPage page, string id, string selector) =>
        page.EvaluateAsync<string>($"() => document.querySelector('#{id} {selector}').toDataURL()");

    private static Task<string> BlankCanvasAsync(IPage page, string id, string selector) =>
        page.EvaluateAsync<string>($"() => {{ const c = document.querySelector('#{id} {selector}'); const b = document.createElement('canvas'); b.width = c.width; b.height = c.height; return b.toDataURL(); }}");
}
