using System.Collections.Concurrent;
using Microsoft.Playwright;

namespace LessonKit.Tests.Display.Browser;

/// <summary>
/// One headless Chromium for all browser tests (Debian's <c>chromium</c> package; Playwright's own browser download
/// is not used). Fails, rather than skips, when the browser is missing: install it with <c>apt-get install chromium</c>
/// or point <c>LESSONKIT_CHROMIUM</c> at another Chromium.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private IPlaywright? _playwright;

    /// <summary>The browser, launched once.</summary>
    public IBrowser Browser { get; private set; } = null!;

    /// <summary>Where pages and screenshots are written: <c>TestResults/views/</c> next to the test output.</summary>
    public string ArtifactsFolder { get; } = Path.Combine(AppContext.BaseDirectory, "TestResults", "views");

    public static string ChromiumPath => Environment.GetEnvironmentVariable("LESSONKIT_CHROMIUM") is { Length: > 0 } path ? path : "/usr/bin/chromium";

    public async Task InitializeAsync()
    {
        if (!File.Exists(ChromiumPath))
            throw new InvalidOperationException(
                $"The browser tests need Chromium at {ChromiumPath}, and it is not there. Install it with `apt-get update && apt-get install -y chromium` " +
                "(Debian/Ubuntu), or set LESSONKIT_CHROMIUM to a Chromium executable.");
        Directory.CreateDirectory(ArtifactsFolder);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ChromiumPath,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null) await Browser.CloseAsync();
        _playwright?.Dispose();
    }

    /// <summary>
    /// Writes <paramref name="html"/> to <c>{name}.html</c>, opens it in a fresh page with every request that is not
    /// <c>file:</c>, <c>data:</c>, <c>blob:</c> or <c>about:</c> aborted and recorded, and records console errors
    /// and page errors.
    /// </summary>
    public async Task<ViewPage> OpenAsync(string name, string html, int width = 1280)
    {
        string path = Path.Combine(ArtifactsFolder, name + ".html");
        await File.WriteAllTextAsync(path, html);
        var context = await Browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = width, Height = 900 } });
        var page = await context.NewPageAsync();
        var result = new ViewPage(this, context, page, name);
        await context.RouteAsync("**/*", async route =>
        {
            string url = route.Request.Url;
            if (IsLocal(url)) await route.ContinueAsync();
            else { result.BlockedRequests.Add(url); await route.AbortAsync(); }
        });
        page.Request += (_, request) => { if (!IsLocal(request.Url)) result.BlockedRequests.Add(request.Url); };
        page.Console += (_, message) => { if (message.Type is "error" or "warning") result.ConsoleErrors.Add($"{message.Type}: {message.Text}"); };
        page.PageError += (_, error) => result.ConsoleErrors.Add("page error: " + error);
        await page.GotoAsync(new Uri(path).AbsoluteUri);
        return result;
    }

    private static bool IsLocal(string url) =>
        url.StartsWith("file:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("data:", StringComparison.OrdinalIgnoreCase) ||
        url.StartsWith("blob:", StringComparison.OrdinalIgnoreCase) || url.StartsWith("about:", StringComparison.OrdinalIgnoreCase);
}

/// <summary>An open page with what it tried to load and what it complained about.</summary>
public sealed class ViewPage(BrowserFixture fixture, IBrowserContext context, IPage page, string name) : IAsyncDisposable
{
    public IPage Page { get; } = page;
    public ConcurrentBag<string> BlockedRequests { get; } = [];
    public ConcurrentBag<string> ConsoleErrors { get; } = [];

    /// <summary>Saves a PNG of the element (or the page) into the artifacts folder and prints the path.</summary>
    public async Task<string> ScreenshotAsync(string? selector = null, string? suffix = null)
    {
        string path = Path.Combine(fixture.ArtifactsFolder, name + (suffix is null ? "" : "-" + suffix) + ".png");
        if (selector is null) await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path, FullPage = true });
        else await Page.Locator(selector).First.ScreenshotAsync(new LocatorScreenshotOptions { Path = path });
        Console.WriteLine($"screenshot: {path}");
        return path;
    }

    /// <summary>
    /// Asserts the page made no network request, logged no error, ran no injected script, and added no global
    /// variable but <c>LessonKitViews</c> (and <paramref name="alsoAllowed"/>).
    /// </summary>
    public async Task AssertCleanAsync(params string[] alsoAllowed)
    {
        string[] added = await Page.EvaluateAsync<string[]>(
            "() => { const frame = document.createElement('iframe'); document.body.appendChild(frame); " +
            "const baseline = new Set(Object.getOwnPropertyNames(frame.contentWindow)); frame.remove(); " +
            "return Object.getOwnPropertyNames(window).filter(k => !baseline.has(k)); }");
        string[] allowed = ["LessonKitViews", .. alsoAllowed];
        Assert.True(added.All(allowed.Contains), "The page added globals: " + string.Join(", ", added));
        Assert.True(BlockedRequests.IsEmpty, "The page tried to reach the network: " + string.Join(", ", BlockedRequests));
        Assert.True(ConsoleErrors.IsEmpty, "The page logged errors: " + string.Join(" | ", ConsoleErrors));
        Assert.Equal("undefined", await Page.EvaluateAsync<string>("() => typeof window.__xss"));
    }

    public async ValueTask DisposeAsync() => await context.CloseAsync();
}
