using System.Text.Json.Nodes;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Execution;

/// <summary>How a run reports cells that fail, and the cells after them.</summary>
public class RunErrorTests
{
    [Fact]
    public async Task Compile_error_names_the_notebook_cell_and_cell_line_even_below_directives()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("var ok = 1;")
            .Code("#r \"nuget: Markdig, 1.6.0\"\n\nvar y = 2;\nvar z = undefinedName;")
            .Code("ok");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("[2/3] cell 2 ... FAILED", result.Output);
        Assert.Contains("lesson.ipynb: cell 2, line 4: error CS0103: The name 'undefinedName' does not exist in the current context", result.Output);
        Assert.Contains("[3/3] cell 3 ... not run", result.Output);
        Assert.Contains("1 of 3 code cells ran; cell 2 failed, the 1 after it did not run", result.Output);

        var error = Assert.Single(executed.Outputs(2));
        Assert.Equal("error", (string)error!["output_type"]!);
        Assert.Equal("CompilationError", (string)error["ename"]!);
        Assert.StartsWith("(4,9): error CS0103", (string)error["evalue"]!);
        Assert.Empty(executed.Outputs(3));
        Assert.Null(executed.Cells[2].Json["execution_count"]);
    }

    [Fact]
    public async Task Runtime_exception_names_the_line_in_the_failing_cell_and_keeps_earlier_output()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("void Explode(string why) => throw new InvalidOperationException(why);")
            .Code("Console.WriteLine(\"before\");\n\nExplode(\"boom\");\nConsole.WriteLine(\"after\");")
            .Code("1")
            .Code("2");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("lesson.ipynb: cell 2, line 3: System.InvalidOperationException: boom", result.Output);
        Assert.Contains("[3/4] cell 3 ... not run", result.Output);
        Assert.Contains("[4/4] cell 4 ... not run", result.Output);

        var outputs = executed.Outputs(2);
        Assert.Equal("before\n", outputs[0].Text());
        Assert.Equal(("error", "InvalidOperationException", "boom"),
            ((string)outputs[1]!["output_type"]!, (string)outputs[1]!["ename"]!, (string)outputs[1]!["evalue"]!));
        Assert.Contains(((JsonArray)outputs[1]!["traceback"]!).Select(l => (string)l!), l => l.Contains("lesson.ipynb cell 2:line 3"));
    }

    [Fact]
    public async Task Unsupported_magic_command_fails_the_cell_with_the_reason()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("var x = 1;\n#!time\nx");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cell 1, line 2: '#!time' is a .NET Interactive magic command. The real .NET Interactive kernel may support it, but the LessonKit runner does not", result.Output);
        Assert.Equal("UnsupportedDirective", (string)Assert.Single(executed.Outputs(1))!["ename"]!);
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
