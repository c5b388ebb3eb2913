using System.Diagnostics;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Cli;

/// <summary>The runner as CI starts it: a separate process whose exit code fails the build.</summary>
public class ProcessExitCodeTests
{
    private static async Task<(int ExitCode, string Output)> RunProcessAsync(params string[] args)
    {
        var runnerDll = Path.Combine(AppContext.BaseDirectory, "LessonKit.Runner.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(runnerDll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(limit.Token);
        return (process.ExitCode, await output + await error);
    }

    [Fact]
    public async Task A_failing_cell_makes_the_process_exit_non_zero_naming_notebook_and_cell()
    {
        using var folder = new TempFolder();
        var bad = new NotebookText().Code("var a = 1;").Code("var b = 2;\nthrow new ArgumentException(\"bad input\");").WriteTo(folder.File("bad.ipynb"));

        var failed = await RunProcessAsync("run", bad, "--out", folder.File("out"));

        Assert.Equal(1, failed.ExitCode);
        Assert.Contains("bad.ipynb: cell 2: System.ArgumentException: bad input", failed.Output);
    }
}
