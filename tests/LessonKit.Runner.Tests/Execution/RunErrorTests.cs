using System.Text.Json.Nodes;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Execution;

/// <summary>How a run reports cells that fail, and the cells after them.</summary>
public class RunErrorTests
{
    [Fact]
    public async Task Compile_error_names_the_notebook_cell_and_the_error_as_the_kernel_shows_it()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("var ok = 1;")
            .Code("\nvar y = 2;\nvar z = undefinedName;")
            .Code("ok");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("[2/3] cell 2 ... FAILED", result.Output);
        Assert.Contains("lesson.ipynb: cell 2: (3,9): error CS0103: The name 'undefinedName' does not exist in the current context", result.Output);
        Assert.Contains("[3/3] cell 3 ... not run", result.Output);
        Assert.Contains("1 of 3 code cells ran; cell 2 failed, the 1 after it did not run", result.Output);

        // As the tool shows it: the diagnostics on stderr, then an error output that says "compilation error".
        var outputs = executed.Outputs(2);
        Assert.Contains("(3,9): error CS0103: The name 'undefinedName' does not exist in the current context", outputs[0].Text());
        Assert.Equal("stderr", (string)outputs[0]!["name"]!);
        var error = outputs[^1]!;
        Assert.Equal(("error", "Error", "compilation error"), ((string)error["output_type"]!, (string)error["ename"]!, (string)error["evalue"]!));
        Assert.Empty(executed.Outputs(3));
        Assert.Null(executed.Cells[2].Json["execution_count"]);
    }

    [Fact]
    public async Task Runtime_exception_is_reported_with_its_stack_and_keeps_earlier_output()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("void Explode(string why) => throw new InvalidOperationException(why);")
            .Code("Console.WriteLine(\"before\");\n\nExplode(\"boom\");\nConsole.WriteLine(\"after\");")
            .Code("1")
            .Code("2");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lesson.ipynb: cell 2: System.InvalidOperationException: boom", result.Output);
        Assert.Contains("[3/4] cell 3 ... not run", result.Output);
        Assert.Contains("[4/4] cell 4 ... not run", result.Output);

        var outputs = executed.Outputs(2);
        Assert.Equal(2, outputs.Count);
        Assert.Equal("before\n", outputs[0].Text());
        Assert.Equal(("error", "Error"), ((string)outputs[1]!["output_type"]!, (string)outputs[1]!["ename"]!));
        Assert.StartsWith("System.InvalidOperationException: boom", (string)outputs[1]!["evalue"]!);
        var traceback = ((JsonArray)outputs[1]!["traceback"]!).Select(l => (string)l!).ToList();
        Assert.StartsWith("System.InvalidOperationException: boom", traceback[0]);
        Assert.Contains(traceback, l => l.Contains(".Explode(String why)", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_magic_command_the_kernel_does_not_know_fails_the_cell_with_the_kernels_message()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("var x = 1;\n#!nosuchmagic\nx");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("[1/1] cell 1 ... FAILED", result.Output);
        Assert.Contains("#!nosuchmagic", result.Output);
        Assert.Equal("error", (string)executed.Outputs(1)[^1]!["output_type"]!);
    }

    [Fact]
    public async Task A_failing_notebook_does_not_stop_the_next_one()
    {
        using var folder = new TempFolder();
        var bad = new NotebookText().Code("throw new Exception(\"first\");").WriteTo(folder.File("a.ipynb"));
        var good = new NotebookText().Code("1").WriteTo(folder.File("b.ipynb"));

        var result = await RunnerHost.InvokeAsync("run", bad, good, "--out", folder.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("b.ipynb: all 1 code cells ran", result.Output);
        Assert.Contains("1 of 2 notebooks failed", result.Output);
        Assert.True(File.Exists(folder.File("out/b.html")));
    }

    [Theory]
    [InlineData(new[] { "run" }, "")]
    [InlineData(new[] { "run", "missing.ipynb" }, "missing.ipynb: no such notebook file")]
    [InlineData(new[] { "run", "--timeout", "0", "x.ipynb" }, "--timeout must be a positive number")]
    [InlineData(new[] { "frobnicate" }, "Run with --help")]
    public async Task Usage_errors_exit_with_2(string[] args, string expected)
    {
        var result = await RunnerHost.InvokeAsync(args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, result.Error);
    }
}
