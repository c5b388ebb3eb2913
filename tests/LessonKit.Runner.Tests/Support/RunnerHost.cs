using System.Text.Json.Nodes;
using LessonKit.Runner.Cli;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Tests.Support;

/// <summary>Runs the runner's command line in-process, capturing what it prints.</summary>
public static class RunnerHost
{
    public sealed record Result(int ExitCode, string Output, string Error);

    private static readonly Lazy<Task> WarmUp = new(async () =>
    {
        using var folder = new TempFolder();
        await RunAsync(folder, new NotebookText().Code("1"));
    });

    /// <summary>Runs one trivial notebook once per test process, so later cells do not pay for starting the kernel (loading Roslyn).</summary>
    public static Task WarmUpAsync() => WarmUp.Value;

    public static async Task<Result> InvokeAsync(params string[] args) => await InvokeAsync(args, CancellationToken.None);

    public static async Task<Result> InvokeAsync(string[] args, CancellationToken interrupt)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = await RunnerCommandLine.InvokeAsync(args, output, error, interrupt);
        return new Result(exitCode, output.ToString(), error.ToString());
    }

    /// <summary>Writes <paramref name="notebook"/> to a temp folder, runs it, and returns the result and the executed notebook.</summary>
    public static async Task<(Result Result, Notebook Executed)> RunAsync(
        TempFolder folder, NotebookText notebook, params string[] extraArgs)
    {
        var path = notebook.WriteTo(folder.File("lesson.ipynb"));
        var outDir = folder.File("out");
        var result = await InvokeAsync(["run", path, "--out", outDir, .. extraArgs]);
        var executedPath = Path.Combine(outDir, "lesson.ipynb");
        Assert.True(File.Exists(executedPath), $"no executed notebook written; output:\n{result.Output}\n{result.Error}");
        return (result, Notebook.Load(executedPath));
    }

    /// <summary>The outputs of the code cell with this number.</summary>
    public static JsonArray Outputs(this Notebook notebook, int cellNumber) =>
        (JsonArray)notebook.Cells[cellNumber - 1].Json["outputs"]!;

    /// <summary>The joined text of an output's MIME value or stream text.</summary>
    public static string Text(this JsonNode? output, string? mimeType = null) =>
        CellSource.Join(mimeType is null ? output!["text"] : output!["data"]![mimeType]);
}
