using System.Diagnostics;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Execution;

/// <summary>The per-cell time limit, Ctrl+C, and --model.</summary>
public class RunLimitsTests
{
    // Waits until the runner gives up on the cell, which the kernel passes on to the cell's cancellation token (or 120 s
    // at most, so an abandoned thread always ends, and a runner that waited for the cell instead is far slower than any
    // loaded machine).
    private const string WaitForCancellation =
        "var clock = System.Diagnostics.Stopwatch.StartNew();\n" +
        "var cellToken = Microsoft.DotNet.Interactive.KernelInvocationContext.Current.CancellationToken;\n" +
        "while (!cellToken.IsCancellationRequested && clock.Elapsed.TotalSeconds < 120) System.Threading.Thread.Sleep(10);";

    [Fact]
    public async Task A_cell_over_the_time_limit_is_reported_and_stops_the_run()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("1")
            .Code("Console.WriteLine(\"started\");\n" + WaitForCancellation)
            .Code("3");
        await RunnerHost.WarmUpAsync();   // so starting the kernel cannot take longer than the limit
        var clock = Stopwatch.StartNew();

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook, "--timeout", "8");

        Assert.Equal(124, result.ExitCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(100), $"took {clock.Elapsed}: the runner waited for the cell instead of abandoning it");
        Assert.Contains("[2/3] cell 2 ... TIMED OUT", result.Output);
        Assert.Contains("cell 2: the cell ran longer than the 8 s time limit (--timeout) and was abandoned", result.Output);
        Assert.Contains("[3/3] cell 3 ... not run", result.Output);
        var outputs = executed.Outputs(2);
        Assert.Equal("started\n", outputs[0].Text());
        Assert.Equal("CellTimeout", (string)outputs[^1]!["ename"]!);
        Assert.StartsWith(KernelOutput.PlainTextHtml("1"), executed.Outputs(1)[0].Text("text/html"));
    }

    [Fact]
    public async Task An_interrupt_reports_the_running_cell_writes_partial_outputs_and_exits_130()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("Console.WriteLine(\"partial\");\nSystem.IO.File.WriteAllText(\"started\", \"\");\n" + WaitForCancellation)
            .Code("2");
        var path = notebook.WriteTo(folder.File("lesson.ipynb"));
        using var interrupt = new CancellationTokenSource();
        var started = folder.File("started");
        _ = Task.Run(async () =>
        {
            // Press "Ctrl+C" once cell 1 is running (it runs in the notebook's folder).
            for (var i = 0; i < 600 && !File.Exists(started); i++) await Task.Delay(50);
            await interrupt.CancelAsync();
        });

        var result = await RunnerHost.InvokeAsync(["run", path, "--out", folder.File("out")], interrupt.Token);

        Assert.Equal(130, result.ExitCode);
        Assert.Contains("[1/2] cell 1 ... INTERRUPTED", result.Output);
        Assert.Contains("[2/2] cell 2 ... not run", result.Output);
        var executed = LessonKit.Runner.Notebooks.Notebook.Load(folder.File("out/lesson.ipynb"));
        Assert.Equal("partial\n", executed.Outputs(1)[0].Text());
        Assert.Equal("Interrupted", (string)executed.Outputs(1)[^1]!["ename"]!);
        Assert.Contains("interrupted", await File.ReadAllTextAsync(folder.File("out/lesson.html")));
    }

    [Fact]
    public async Task Model_option_reaches_cells_as_LESSONKIT_MODEL_OVERRIDE_with_an_absolute_folder()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.File("models/tiny-gpt2/"));
        var notebook = new NotebookText().Code("Environment.GetEnvironmentVariable(\"LESSONKIT_MODEL_OVERRIDE\")");
        var before = Environment.GetEnvironmentVariable("LESSONKIT_MODEL_OVERRIDE");
        var previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder.Path;
        try
        {
            var (result, executed) = await RunnerHost.RunAsync(folder, notebook, "--model", "models/tiny-gpt2");

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("LESSONKIT_MODEL_OVERRIDE=", result.Output);
            Assert.Equal(folder.File("models/tiny-gpt2"), Assert.Single(executed.Outputs(1)).Text("text/plain"));
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
        Assert.Equal(before, Environment.GetEnvironmentVariable("LESSONKIT_MODEL_OVERRIDE"));
    }

    [Fact]
    public async Task Model_option_keeps_a_hub_name_and_rejects_a_missing_folder()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("Environment.GetEnvironmentVariable(\"LESSONKIT_MODEL_OVERRIDE\")");

        var (named, executed) = await RunnerHost.RunAsync(folder, notebook, "--model", "distilgpt2");
        var missing = await RunnerHost.InvokeAsync("run", folder.File("lesson.ipynb"), "--model", "./no/such/model");

        Assert.Equal(0, named.ExitCode);
        Assert.Equal("distilgpt2", Assert.Single(executed.Outputs(1)).Text("text/plain"));
        Assert.Equal(2, missing.ExitCode);
        Assert.Contains("--model ./no/such/model: no such folder", missing.Error);
    }

    [Fact]
    public async Task Help_documents_the_model_override()
    {
        var result = await RunnerHost.InvokeAsync("run", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("--model", result.Output);
        Assert.Contains("LESSONKIT_MODEL_OVERRIDE", result.Output);
        Assert.Contains("--timeout", result.Output);
    }
}
