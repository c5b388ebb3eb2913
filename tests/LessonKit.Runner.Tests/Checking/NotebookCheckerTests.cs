using System.Text.Json.Nodes;
using LessonKit.Runner.Checking;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Checking;

public class NotebookCheckerTests
{
    private static NotebookText Valid() => new NotebookText().Markdown("# Lesson").Code("var x = 1;");

    private static IReadOnlyList<NotebookProblem> CheckLesson(TempFolder folder, NotebookText notebook) =>
        NotebookChecker.Check(notebook.WriteTo(folder.File("lessons/lesson.ipynb")));

    private static void AssertSingleProblem(IReadOnlyList<NotebookProblem> problems, int? cell, string expected)
    {
        var problem = Assert.Single(problems);
        Assert.Equal(cell, problem.Cell);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void A_valid_lesson_has_no_problems()
    {
        using var folder = new TempFolder();

        Assert.Empty(CheckLesson(folder, Valid()));
    }

    [Fact]
    public void Catches_an_old_nbformat()
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.NbformatMinor = 2;

        AssertSingleProblem(CheckLesson(folder, notebook), null, "nbformat_minor is 2; expected 4 or higher");
    }

    [Fact]
    public void Catches_a_notebook_that_is_not_nbformat_4()
    {
        using var folder = new TempFolder();
        var path = folder.File("lessons/old.ipynb");
        File.WriteAllText(path, Valid().ToJson().Replace("\"nbformat\": 4,", "\"nbformat\": 3,"));

        AssertSingleProblem(NotebookChecker.Check(path), null, "nbformat is 3; expected 4.");
    }

    [Theory]
    [InlineData("name", "python3", "metadata.kernelspec.name is \"python3\"; expected \".net-csharp\"")]
    [InlineData("display_name", "C#", "metadata.kernelspec.display_name is \"C#\"; expected \".NET (C#)\"")]
    [InlineData("language", "csharp", "metadata.kernelspec.language is \"csharp\"; expected \"C#\"")]
    public void Catches_a_wrong_kernelspec(string key, string value, string expected)
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.Metadata["kernelspec"]![key] = value;

        AssertSingleProblem(CheckLesson(folder, notebook), null, expected);
    }

    [Fact]
    public void Catches_a_missing_kernelspec()
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.Metadata.Remove("kernelspec");

        AssertSingleProblem(CheckLesson(folder, notebook), null, "metadata.kernelspec is missing");
    }

    [Fact]
    public void Catches_polyglot_kernel_info_that_is_not_csharp()
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.Metadata["polyglot_notebook"]!["kernelInfo"] = new JsonObject
        {
            ["defaultKernelName"] = "fsharp",
            ["items"] = new JsonArray(new JsonObject { ["name"] = "fsharp" }, new JsonObject()),
        };

        var problems = CheckLesson(folder, notebook).Select(p => p.Message).ToList();

        Assert.Equal(3, problems.Count);
        Assert.Contains(problems, p => p.Contains("defaultKernelName is \"fsharp\"; expected \"csharp\""));
        Assert.Contains(problems, p => p.Contains("items[1] must be an object with a \"name\""));
        Assert.Contains(problems, p => p.Contains("has no \"csharp\" kernel"));
    }

    [Fact]
    public void Catches_a_code_cell_without_the_csharp_kernel_name()
    {
        using var folder = new TempFolder();
        var notebook = Valid().Code("var y = 2;", new JsonObject());

        AssertSingleProblem(CheckLesson(folder, notebook), 3, "\"polyglot_notebook\": {\"kernelName\": \"csharp\"}");
    }

    [Fact]
    public void Catches_a_code_cell_in_another_language()
    {
        using var folder = new TempFolder();
        var notebook = Valid().Code("#!fsharp\nlet x = 1", new JsonObject
        {
            ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "fsharp" },
            ["dotnet_interactive"] = new JsonObject { ["language"] = "fsharp" },
        });

        var problems = CheckLesson(folder, notebook);

        Assert.Equal(2, problems.Count);
        Assert.All(problems, p => Assert.Equal(3, p.Cell));
        Assert.Contains(problems, p => p.Message.Contains("kernelName is \"fsharp\""));
        Assert.Contains(problems, p => p.Message.Contains("dotnet_interactive.language is \"fsharp\""));
    }

    [Fact]
    public void Accepts_the_magic_commands_of_the_kernel()
    {
        using var folder = new TempFolder();
        var notebook = Valid().Code("#!time\n#i \"nuget: https://example.org/feed\"\n#r \"nuget: Markdig\"\nvar y = 2;").Code("#!markdown\n# Note");

        Assert.Empty(CheckLesson(folder, notebook));
    }

    [Fact]
    public void Catches_stored_outputs_and_execution_counts_under_lessons()
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.LastCell["execution_count"] = 4;
        notebook.LastCell["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "1" });

        var problems = CheckLesson(folder, notebook);

        Assert.Equal(2, problems.Count);
        Assert.Contains(problems, p => p.Cell == 2 && p.Message.Contains("1 stored output(s)") && p.Message.Contains("strip"));
        Assert.Contains(problems, p => p.Cell == 2 && p.Message.Contains("execution count"));
    }

    [Fact]
    public void Allows_outputs_outside_lessons()
    {
        using var folder = new TempFolder();
        var notebook = Valid();
        notebook.LastCell["execution_count"] = 4;
        notebook.LastCell["outputs"] = new JsonArray(new JsonObject { ["output_type"] = "stream", ["name"] = "stdout", ["text"] = "1" });

        Assert.Empty(NotebookChecker.Check(notebook.WriteTo(folder.File("out/lesson.ipynb"))));
    }

    [Fact]
    public void Catches_malformed_cells()
    {
        using var folder = new TempFolder();
        var notebook = Valid().Code("a").Code("b").Markdown("c");
        var cells = (JsonArray)JsonNode.Parse(notebook.ToJson())!["cells"]!;
        cells[2]!["source"] = 42;                  // not text
        cells[3]!["id"] = "cell-2";               // duplicate id
        cells[4]!["cell_type"] = "heading";         // nbformat 3 leftover
        cells[1]!.AsObject().Remove("outputs");     // code cell without outputs
        var path = folder.File("lessons/lesson.ipynb");
        var root = JsonNode.Parse(notebook.ToJson())!;
        root["cells"] = cells.DeepClone();
        File.WriteAllText(path, root.ToJsonString());

        var problems = NotebookChecker.Check(path);

        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Cell == 2 && p.Message.Contains("needs an \"outputs\" list"));
        Assert.Contains(problems, p => p.Cell == 3 && p.Message.Contains("\"source\" must be a string or a list of strings"));
        Assert.Contains(problems, p => p.Cell == 4 && p.Message.Contains("\"cell-2\" is used by an earlier cell"));
        Assert.Contains(problems, p => p.Cell == 5 && p.Message.Contains("cell_type is \"heading\""));
    }

    [Fact]
    public void Reports_a_file_that_is_not_json()
    {
        using var folder = new TempFolder();
        var path = folder.File("lessons/broken.ipynb");
        File.WriteAllText(path, "{\n \"cells\": [\n");

        AssertSingleProblem(NotebookChecker.Check(path), null, "not valid JSON");
    }

    [Fact]
    public async Task Check_command_searches_folders_names_each_problem_and_exits_non_zero()
    {
        using var folder = new TempFolder();
        Valid().WriteTo(folder.File("lessons/good.ipynb"));
        Valid().Code("var y = 2;", new JsonObject()).WriteTo(folder.File("lessons/part2/bad.ipynb"));
        Valid().Code("var z = 3;", new JsonObject()).WriteTo(folder.File("lessons/bin/ignored.ipynb"));

        var result = await RunnerHost.InvokeAsync("check", folder.File("lessons"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("bad.ipynb: cell 3: metadata.polyglot_notebook.kernelName is missing", result.Output);
        Assert.Contains("checked 2 notebook(s): 1 problem(s) in 1", result.Output);
        Assert.DoesNotContain("ignored", result.Output);
    }

    [Fact]
    public async Task Check_command_exits_zero_for_good_notebooks_and_one_for_an_empty_folder()
    {
        using var folder = new TempFolder();
        var good = Valid().WriteTo(folder.File("lessons/good.ipynb"));

        var ok = await RunnerHost.InvokeAsync("check", good);
        var empty = await RunnerHost.InvokeAsync("check", folder.File("nothing/"));

        Assert.Equal(0, ok.ExitCode);
        Assert.Contains("checked 1 notebook(s): no problems", ok.Output);
        Assert.Equal(1, empty.ExitCode);
        Assert.Contains("no .ipynb files", empty.Output);
    }
}
