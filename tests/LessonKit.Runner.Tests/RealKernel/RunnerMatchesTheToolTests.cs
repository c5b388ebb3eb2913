using System.Text.Json.Nodes;
using LessonKit.Runner.Notebooks;
using LessonKit.Runner.Tests.Support;
using LessonKit.Tests.RealKernel;

namespace LessonKit.Runner.Tests.RealKernel;

/// <summary>
/// The same notebook through the runner and through the dotnet-interactive tool (Jupyter): cell by cell, the same
/// kinds of output (MIME types, stdout and stderr, errors).
/// </summary>
[Trait("Category", "Kernel")]
public class RunnerMatchesTheToolTests
{
    [Fact]
    public async Task Every_cell_shows_the_same_kinds_of_output_in_the_runner_and_in_the_tool()
    {
        using var folder = new TempFolder();
        var lessonKit = BuiltLessonKit();
        var notebook = new NotebookText()
            .Code("Console.WriteLine(\"to stdout\");\nConsole.Error.WriteLine(\"to stderr\");")
            .Code("display(\"a string\");")
            .Code($"#r \"{lessonKit}\"\nusing LessonKit;\ndisplay(Plots.ColoredTokens([\"The\", \" cat\"], [0.25f, 0.75f], \"weights\"));")
            .Code("display(\"<b>bold</b>\", \"text/html\");")
            .Code("6 * 7")
            .Code("#!time\nSystem.Threading.Thread.Sleep(10);")
            .Code("void Unused() { int neverRead; }")
            .Code("#!markdown\n**Note** this")
            .Code("throw new InvalidOperationException(\"boom\");");
        var path = notebook.WriteTo(folder.File("same.ipynb"));

        var fromTool = JupyterKernel.Execute(path, folder.File("tool"), environment: null, TimeSpan.FromMinutes(3)).Json;
        await RunnerHost.InvokeAsync("run", path, "--out", folder.File("runner"));
        var fromRunner = JsonNode.Parse(File.ReadAllText(folder.File("runner/same.ipynb")))!;

        var tool = OutputKinds(fromTool);
        var runner = OutputKinds(fromRunner);
        Assert.Equal(9, tool.Count);
        for (var cell = 0; cell < tool.Count; cell++)
        {
            Assert.True(tool[cell].SequenceEqual(runner[cell]),
                $"cell {cell + 1}: the tool shows [{string.Join(", ", tool[cell])}], the runner [{string.Join(", ", runner[cell])}]");
        }
        // What the kinds hide: the LessonKit view is HTML in both, and the warning is the same text.
        Assert.Equal(["text/html", "text/plain"], runner[2]);
        Assert.Equal(["stderr"], runner[6]);
        Assert.Equal(Text(fromTool, 6, 0), Text(fromRunner, 6, 0));
        Assert.Equal(["error"], runner[8]);
    }

    /// <summary>Per code cell, its outputs' kinds: the stream name, "error", or the output's MIME types.</summary>
    private static List<string[]> OutputKinds(JsonNode notebook) =>
        notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => c!["outputs"]!.AsArray().Where(o => !IsJupyterBootstrap(o!)).SelectMany(Kinds).ToArray())
            .ToList();

    private static IEnumerable<string> Kinds(JsonNode? output) => (string?)output!["output_type"] switch
    {
        "stream" => [(string)output["name"]!],
        "error" => ["error"],
        _ => output["data"]!.AsObject().Select(entry => entry.Key).Order(StringComparer.Ordinal),
    };

    /// <summary>
    /// The tool's Jupyter front end puts a script of its own above the first cell's outputs (it loads the tool's
    /// JavaScript API from its HTTP server, and require.js from a CDN). VS Code does not get it, and it is no output
    /// of the cell: left out of the comparison.
    /// </summary>
    private static bool IsJupyterBootstrap(JsonNode output) =>
        output["data"]?["text/html"] is { } html && CellSource.Join(html).Contains("dotnet-interactive-this-cell", StringComparison.Ordinal);

    private static string Text(JsonNode notebook, int codeCell, int output) =>
        CellSource.Join(notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code").ElementAt(codeCell)!["outputs"]![output]!["text"]);

    /// <summary>LessonKit.dll as this configuration built it (the runner's build builds it too).</summary>
    private static string BuiltLessonKit()
    {
        var output = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));   // .../bin/<Configuration>/net10.0
        var configuration = output.Parent!.Name;
        for (var folder = output; folder is not null; folder = folder.Parent)
        {
            var dll = Path.Combine(folder.FullName, "src", "LessonKit", "bin", configuration, "net10.0", "LessonKit.dll");
            if (File.Exists(dll)) return dll;
        }
        throw new InvalidOperationException($"LessonKit.dll ({configuration}) not found above {AppContext.BaseDirectory}: build LessonKit.slnx first.");
    }
}
