using System.Text.Json.Nodes;
using LessonKit.Runner.Tests.Display;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Execution;

/// <summary>What a run writes into the executed notebook for cells that succeed: what the real kernel shows.</summary>
public class RunOutputTests
{
    [Fact]
    public async Task Captures_stdout_stderr_display_and_the_trailing_expression_in_order()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Markdown("# Title").Code(
            "Console.WriteLine(\"one\");\n" +
            "Console.Write(\"two\");\n" +
            "Console.Error.WriteLine(\"warning\");\n" +
            "display(\"shown\");\n" +
            "6 * 7");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        var outputs = executed.Outputs(2);
        Assert.Equal(4, outputs.Count);
        Assert.Equal(("stream", "stdout", "one\ntwo"), ((string)outputs[0]!["output_type"]!, (string)outputs[0]!["name"]!, outputs[0].Text()));
        Assert.Equal(("stream", "stderr", "warning\n"), ((string)outputs[1]!["output_type"]!, (string)outputs[1]!["name"]!, outputs[1].Text()));
        Assert.Equal("display_data", (string)outputs[2]!["output_type"]!);
        Assert.Equal(["text/plain"], MimeTypes(outputs[2]));      // strings show as plain text
        Assert.Equal("shown", outputs[2].Text("text/plain"));
        Assert.Equal("execute_result", (string)outputs[3]!["output_type"]!);
        Assert.Equal(["text/html"], MimeTypes(outputs[3]));       // other values as HTML, as the tool sets the formatter
        Assert.StartsWith(KernelOutput.PlainTextHtml("42"), outputs[3].Text("text/html"));
        Assert.Equal(1, (int)outputs[3]!["execution_count"]!);
        Assert.Equal(1, (int)executed.Cells[1].Json["execution_count"]!);
    }

    [Fact]
    public async Task Shows_no_result_for_statements_void_calls_or_a_trailing_semicolon()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("var x = 1;")
            .Code("Console.Write(\"\")")
            .Code("Math.Abs(x);")
            .Code("string s = null;\ns");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.Empty(executed.Outputs(1));
        Assert.Empty(executed.Outputs(2));
        Assert.Empty(executed.Outputs(3));
        // A null value is still shown.
        Assert.StartsWith(KernelOutput.PlainTextHtml("&lt;null&gt;"), Assert.Single(executed.Outputs(4)).Text("text/html"));
        Assert.Equal([1, 2, 3, 4], executed.Cells.Select(c => (int)c.Json["execution_count"]!));
    }

    [Fact]
    public async Task Continues_state_across_cells()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("using System.Text.RegularExpressions;\nvar count = 2;\nint Twice(int n) => n * 2;\nrecord Point(int X, int Y);")
            .Markdown("between")
            .Code("count = Twice(count);\nvar p = new Point(count, 1);\nRegex.IsMatch(\"abc\", \"b\")")
            .Code("$\"{count} {p}\"");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith(KernelOutput.PlainTextHtml("True"), Assert.Single(executed.Outputs(3)).Text("text/html"));
        Assert.Equal("4 Point { X = 4, Y = 1 }", Assert.Single(executed.Outputs(4)).Text("text/plain"));
    }

    [Fact]
    public async Task The_kernel_formats_types_through_their_own_TypeFormatterSourceAttribute()
    {
        using var folder = new TempFolder();
        var testAssembly = typeof(Swatch).Assembly.Location;
        var notebook = new NotebookText()
            .Code($"#r \"{testAssembly}\"\nusing LessonKit.Runner.Tests.Display;\ndisplay(new Swatch(\"teal\"));\nnew Swatch(\"navy\")");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        var outputs = executed.Outputs(1);
        Assert.Equal(["display_data", "execute_result"], outputs.Select(o => (string)o!["output_type"]!));
        Assert.Equal("<div style=\"background:teal\">teal</div>", outputs[0].Text("text/html"));
        Assert.Equal("swatch teal", outputs[0].Text("text/plain"));
        Assert.Equal("<div style=\"background:navy\">navy</div>", outputs[1].Text("text/html"));
        Assert.Equal("swatch navy", outputs[1].Text("text/plain"));
    }

    [Fact]
    public async Task Runs_the_magic_commands_of_the_kernel()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText()
            .Code("#!time\nvar slept = 1;\nSystem.Threading.Thread.Sleep(50);")
            .Code("#!markdown\n**Note** this")
            .Code("#!who");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.Matches(@"^Wall time: \d+(\.\d+)?ms$", Assert.Single(executed.Outputs(1)).Text("text/plain"));
        Assert.Equal("<p><strong>Note</strong> this</p>\n", Assert.Single(executed.Outputs(2)).Text("text/html"));
        Assert.Contains("slept", Assert.Single(executed.Outputs(3)).Text("text/html"));
    }

    [Fact]
    public async Task Shows_compiler_warnings_on_stderr_as_the_kernel_does()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("void Unused() { int neverRead; }\n1.5");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        var outputs = executed.Outputs(1);
        Assert.Equal(("stderr", "\n(1,21): warning CS0168: The variable 'neverRead' is declared but never used\n\n"),
            ((string)outputs[0]!["name"]!, outputs[0].Text()));
        Assert.StartsWith(KernelOutput.PlainTextHtml("1.5"), outputs[1].Text("text/html"));
    }

    [Fact]
    public async Task Runs_cells_in_the_notebook_folder_and_prints_progress_per_cell()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("Console.Write(Environment.CurrentDirectory)").Code("1");
        var before = Environment.CurrentDirectory;

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(folder.Path, executed.Outputs(1)[0].Text());
        Assert.Equal(before, Environment.CurrentDirectory);
        Assert.Matches(@"\[1/2\] cell 1 \.\.\. ok \(\d+\.\d s\)", result.Output);
        Assert.Matches(@"\[2/2\] cell 2 \.\.\. ok \(\d+\.\d s\)", result.Output);
        Assert.Contains("all 2 code cells ran", result.Output);
    }

    [Fact]
    public async Task Starts_each_notebook_in_a_fresh_kernel()
    {
        using var folder = new TempFolder();
        var first = new NotebookText().Code("var onlyInTheFirst = 1;").WriteTo(folder.File("a.ipynb"));
        var second = new NotebookText().Code("onlyInTheFirst").WriteTo(folder.File("b.ipynb"));

        var result = await RunnerHost.InvokeAsync("run", first, second, "--out", folder.File("out"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("a.ipynb: all 1 code cells ran", result.Output);
        Assert.Contains("b.ipynb: cell 1: (1,1): error CS0103: The name 'onlyInTheFirst' does not exist", result.Output);
    }

    [Fact]
    public async Task Leaves_the_source_notebook_unchanged()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("1");
        var path = notebook.WriteTo(folder.File("lesson.ipynb"));

        var result = await RunnerHost.InvokeAsync("run", path, "--out", folder.File("out"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal(notebook.ToJson(), await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Writes_to_artifacts_notebooks_by_default()
    {
        using var folder = new TempFolder();
        var path = new NotebookText().Code("1").WriteTo(folder.File("lesson.ipynb"));
        var previousDirectory = Environment.CurrentDirectory;
        Environment.CurrentDirectory = folder.Path;
        try
        {
            var result = await RunnerHost.InvokeAsync("run", path);

            Assert.Equal(0, result.ExitCode);
            Assert.Contains("wrote artifacts/notebooks/lesson.ipynb and artifacts/notebooks/lesson.html", result.Output);
            Assert.True(File.Exists(folder.File("artifacts/notebooks/lesson.html")));
        }
        finally
        {
            Environment.CurrentDirectory = previousDirectory;
        }
    }

    [Fact]
    public async Task Sends_each_cell_to_the_kernel_its_metadata_names()
    {
        using var folder = new TempFolder();
        JsonObject Kernel(string name) => new() { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = name } };
        var notebook = new NotebookText().Code("var viaAlias = \"C# by its alias\";\nviaAlias", Kernel("c#")).Code("let x = 1", Kernel("fsharp"));

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal("C# by its alias", Assert.Single(executed.Outputs(1)).Text("text/plain"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cell 2: the cell's metadata runs it with the 'fsharp' kernel; the runner hosts only the C# kernel", result.Output);
    }

    private static string[] MimeTypes(JsonNode? output) => output!["data"]!.AsObject().Select(p => p.Key).ToArray();
}
