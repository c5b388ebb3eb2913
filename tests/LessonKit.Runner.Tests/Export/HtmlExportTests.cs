using System.Text.RegularExpressions;
using LessonKit.Runner.Tests.Display;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Export;

public class HtmlExportTests
{
    private static readonly byte[] OnePixelPng = Convert.FromBase64String(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==");

    private static async Task<string> ExportAsync(TempFolder folder, NotebookText notebook)
    {
        var (result, _) = await RunnerHost.RunAsync(folder, notebook);
        Assert.True(result.ExitCode is 0 or 1, result.Output);
        return await File.ReadAllTextAsync(folder.File("out/lesson.html"));
    }

    [Fact]
    public async Task Renders_markdown_code_and_outputs_into_one_page()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Markdown("# Attention\nHeads *look* at tokens.\n\n| a | b |\n|---|---|\n| 1 | 2 |")
            .Code($"#r \"{typeof(Swatch).Assembly.Location}\"\nConsole.WriteLine(\"a < b\");\nnew LessonKit.Runner.Tests.Display.Swatch(\"red\")");

        var html = await ExportAsync(folder, notebook);

        Assert.StartsWith("<!DOCTYPE html>", html);
        Assert.Contains("<title>Attention</title>", html);
        Assert.Contains("<h1 id=\"attention\">Attention</h1>", html);
        Assert.Contains("<em>look</em>", html);
        Assert.Contains("<table>", html);
        Assert.Contains("In [1]:", html);
        Assert.Contains("Console.WriteLine(&quot;a &lt; b&quot;);", html);        // code shown, escaped
        Assert.Contains("<pre>a &lt; b\n</pre>", html);                              // stdout, escaped
        Assert.Contains("<div style=\"background:red\">red</div>", html);           // HTML output embedded as is
    }

    [Fact]
    public async Task Loads_nothing_from_the_network_and_inlines_local_images()
    {
        using var folder = new TempFolder();
        await File.WriteAllBytesAsync(folder.File("assets/dot.png"), OnePixelPng);
        var notebook = new NotebookText()
            .Markdown("![a dot](assets/dot.png)")
            .Code("display(\"x\", \"text/html\")");

        var html = await ExportAsync(folder, notebook);

        Assert.Contains($"src=\"data:image/png;base64,{Convert.ToBase64String(OnePixelPng)}\"", html);
        Assert.DoesNotMatch(new Regex("(src|href)\\s*=\\s*[\"']?\\s*(https?:)?//", RegexOptions.IgnoreCase), html);
        Assert.DoesNotContain("<link", html);
        Assert.DoesNotContain("<script src", html);
    }

    [Fact]
    public async Task Shows_errors_and_cells_that_did_not_run()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("throw new Exception(\"<bad>\");").Code("1");

        var html = await ExportAsync(folder, notebook);

        Assert.Contains("<div class=\"output error\"><pre>System.Exception: &lt;bad&gt;", html);
        Assert.Contains("failed: cell 1: System.Exception: &lt;bad&gt;", html);
        Assert.Contains("not run (an earlier cell failed)", html);
    }
}
