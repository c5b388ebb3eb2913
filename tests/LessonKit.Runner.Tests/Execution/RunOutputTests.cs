using LessonKit.Runner.Tests.Display;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Execution;

/// <summary>What a run writes into the executed notebook for cells that succeed.</summary>
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
        Assert.Equal("shown", outputs[2].Text("text/plain"));
        Assert.Equal("execute_result", (string)outputs[3]!["output_type"]!);
        Assert.Equal("42", outputs[3].Text("text/plain"));
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
        Assert.Equal("<null>", Assert.Single(executed.Outputs(4)).Text("text/plain"));   // a null value is still shown
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
        Assert.Equal("True", Assert.Single(executed.Outputs(3)).Text("text/plain"));
        Assert.Equal("4 Point { X = 4, Y = 1 }", Assert.Single(executed.Outputs(4)).Text("text/plain"));
    }

    [Fact]
    public async Task Formats_types_through_their_own_TypeFormatterSourceAttribute()
    {
        using var folder = new TempFolder();
        var testAssembly = typeof(Swatch).Assembly.Location;
        var notebook = new NotebookText()
            .Code($"#r \"{testAssembly}\"\nusing LessonKit.Runner.Tests.Display;\ndisplay(new Swatch(\"teal\"));\nnew BigSwatch(\"navy\")");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        var outputs = executed.Outputs(1);
        Assert.Equal("<div style=\"background:teal\">teal</div>", outputs[0].Text("text/html"));
        Assert.Equal("swatch teal", outputs[0].Text("text/plain"));
        Assert.Equal("<div style=\"background:navy\">navy</div>", outputs[1].Text("text/html"));
        Assert.Equal("swatch navy", outputs[1].Text("text/plain"));
    }

    [Fact]
    public async Task Display_returns_a_handle_that_replaces_the_shown_value()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("var shown = display(\"step 1\");\nshown.Update(\"done\");");

        var (_, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal("done", Assert.Single(executed.Outputs(1)).Text("text/plain"));
    }

    [Fact]
    public async Task Shows_markdown_parts_of_a_code_cell_rendered()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("#!markdown\n**Note** this\n#!csharp\n1 + 1");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        var outputs = executed.Outputs(1);
        Assert.Equal("<p><strong>Note</strong> this</p>\n", outputs[0].Text("text/html"));
        Assert.Equal("2", outputs[1].Text("text/plain"));
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
    public async Task Follows_the_kernel_named_in_cell_metadata()
    {
        using var folder = new TempFolder();
        var markdownKernel = new System.Text.Json.Nodes.JsonObject
        {
            ["polyglot_notebook"] = new System.Text.Json.Nodes.JsonObject { ["kernelName"] = "markdown" },
        };
        var fsharpKernel = new System.Text.Json.Nodes.JsonObject
        {
            ["polyglot_notebook"] = new System.Text.Json.Nodes.JsonObject { ["kernelName"] = "fsharp" },
        };
        var notebook = new NotebookText().Code("*shown*", markdownKernel).Code("let x = 1", fsharpKernel);

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal("<p><em>shown</em></p>\n", Assert.Single(executed.Outputs(1)).Text("text/html"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cell 2, line 1: the cell's metadata runs it with the 'fsharp' kernel", result.Output);
    }
}
