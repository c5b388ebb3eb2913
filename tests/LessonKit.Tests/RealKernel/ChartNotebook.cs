using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// A notebook a learner might write to chart their own data: the lessons' own first cell (TorchSharp, LessonKit, the
/// model), then cells that end with <c>Plots.Line</c>, <c>Plots.Bar</c> and <c>Plots.Heatmap</c> on arrays, jagged
/// arrays, 2-D arrays and tensors, and with views that take an activation cache alone.
/// </summary>
internal static class ChartNotebook
{
    /// <summary>The chart cells, each with the CSS class of the view it must show.</summary>
    public static readonly (string Source, string ViewClass)[] ChartCells =
    [
        ("Plots.Line(new[] { 1.0, 2, 3, 4 }, new[] { 2.0, 4, 8, 16 }, \"Doubling\", \"step\", \"value\")", "lk-linechart"),
        ("Plots.Line([Plots.Series(\"squares\", new[] { 1, 2, 3 }, new[] { 1f, 4f, 9f }), Plots.Series(\"gap\", new[] { 1, 2, 3 }, new[] { 2.0, double.NaN, 3 })], \"Two lines\")", "lk-linechart"),
        ("Plots.Bar(new[] { \"gpt2\", \"distilgpt2\", \"loss\" }, new[] { 124.4f, 81.9f, -3f }, \"Bars\", unit: \"M\")", "lk-barchart"),
        ("var text = \"The cat sat on the mat\";\n" +
         "var (logits, cache) = model.RunWithCache(model.ToTokens(text));\n" +
         "var strTokens = model.ToStrTokens(text);\n" +
         "Plots.Heatmap(cache[\"pattern\", 0][0, 1], strTokens, strTokens, \"Layer 0, head 1\", \"query\", \"key\")", "lk-heatmap"),
        ("Plots.Heatmap(new double[,] { { 1, -2 }, { double.NaN, 4 } }, [\"a\", \"b\"], [\"x\", \"y\"])", "lk-heatmap"),
        ("Plots.Heatmap(new[] { new float[] { 0.5f, 1 }, new float[] { 2, 3 } })", "lk-heatmap"),
        ("Plots.Bar(strTokens, logits[0, .., 0], \"First logit per position\")", "lk-barchart"),
        // Views of the cache alone: it knows the tokens it was made from.
        ("Plots.HeadView(cache)", "lk-headview"),
        ("Plots.HeadFinder(cache, \"sat\", \"cat\")", "lk-headfinder"),
        ("Plots.Lines(\"Two series\", \"x\", \"y\", Plots.Series(\"a\", new[] { 1.0, 2 }), Plots.Series(\"b\", new[] { 2.0, 1 }))", "lk-linechart"),
        ("Plots.HeadScores(cache.Stack(\"pattern\")[.., 0, .., 5, 0], \"Attention from ' mat' to the first token\")", "lk-headscores"),
    ];

    /// <summary>The first code cell of lesson 2.2 (references and EnsureReady), as learners run it.</summary>
    public static string LessonSetupCell(string repositoryRoot) => LessonCodeCell(repositoryRoot, 0);

    /// <summary>The second code cell of lesson 2.2 (namespace usings and the model), as learners run it.</summary>
    public static string LessonModelCell(string repositoryRoot) => LessonCodeCell(repositoryRoot, 1);

    private static string LessonCodeCell(string repositoryRoot, int index)
    {
        var lesson = JsonNode.Parse(File.ReadAllText(Path.Combine(repositoryRoot, "lessons", "2.2-attention.ipynb")))!;
        return ExecutedNotebook.Text(((JsonArray)lesson["cells"]!).Where(c => (string?)c!["cell_type"] == "code").ElementAt(index)!["source"]);
    }

    /// <summary>The lesson's two setup cells in front of the chart cells.</summary>
    public const int SetupCells = 2;

    /// <summary>A Polyglot notebook (kernel .net-csharp) of <paramref name="setup"/>, <paramref name="model"/>, then the chart cells.</summary>
    public static JsonObject Build(string setup, string model) =>
        NotebookFile.Build([setup, model, .. ChartCells.Select(c => c.Source)]);

    /// <summary>
    /// Checks the executed cells: none failed or wrote to stderr, each chart cell shows its view with nothing that
    /// points at the network, and (with <paramref name="setupShowsHtml"/>: the kernel lists the packages it loaded)
    /// the setup cell shows HTML too.
    /// </summary>
    public static void AssertEveryChartShows(IReadOnlyList<ExecutedCell> cells, string where, bool setupShowsHtml)
    {
        Assert.Equal(SetupCells + ChartCells.Length, cells.Count);
        var problems = cells.SelectMany(c => c.Problems.Select(p => $"cell {c.Number}: {p}")).ToArray();
        Assert.True(problems.Length == 0, $"{where} reported:\n" + string.Join("\n", problems));
        // The model cell prints text only; the references cell lists its packages as HTML in the kernel.
        foreach (var cell in setupShowsHtml ? cells.Take(1).Concat(cells.Skip(SetupCells)) : cells.Skip(SetupCells))
            Assert.True(cell.Html.Any(), $"cell {cell.Number} has no text/html output in {where}:\n{cell.Source}");
        for (int i = 0; i < ChartCells.Length; i++)
        {
            string html = string.Concat(cells[i + SetupCells].Html);
            string kind = ChartCells[i].ViewClass;
            Assert.True(html.Contains($"class=\"lk-view {kind}\"", StringComparison.Ordinal), $"cell {i + SetupCells + 1} does not show a {kind} in {where}:\n{html[..Math.Min(html.Length, 400)]}");
            Assert.DoesNotContain("http://", html);
            Assert.DoesNotContain("https://", html);
        }
    }
}
