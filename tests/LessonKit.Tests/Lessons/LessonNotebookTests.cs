using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LessonKit.Lessons;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Lessons;

/// <summary>Tests that start builds and runners: one at a time, so that two builds never write the same files.</summary>
[CollectionDefinition(Name)]
public sealed class LessonProcesses
{
    public const string Name = "Lesson processes";
}

/// <summary>
/// Builds the runner (Release, as the notebooks' <c>#r "../src/LessonKit/bin/Release/..."</c> expects) once for the
/// lesson tests, and runs it as a separate process, as CI and instructors do.
/// </summary>
public sealed class LessonRunner
{
    private readonly Lazy<string> _runnerDll;

    public LessonRunner()
    {
        RepositoryRoot = FindRepositoryRoot();
        _runnerDll = new Lazy<string>(Build);
    }

    public string RepositoryRoot { get; }

    public string LessonPath(string fileName) => Path.Combine(RepositoryRoot, "lessons", fileName);

    /// <summary>Runs the runner with arguments; returns its exit code and everything it printed.</summary>
    public (int ExitCode, string Output) Run(params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        start.ArgumentList.Add(_runnerDll.Value);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("LESSONKIT_MODEL_OVERRIDE");
        return RunProcess(start, TimeSpan.FromMinutes(10));
    }

    /// <summary>
    /// Copies a notebook into a scratch folder laid out like the repository (lessons/ next to src/LessonKit/bin/Release,
    /// with the lessons' assets/), so its relative <c>#r</c> and images resolve and what it saves (submission/) stays out
    /// of the repository.
    /// </summary>
    public string StageNotebook(string scratch, string fileName, JsonNode notebook)
    {
        string built = Path.Combine(RepositoryRoot, "src", "LessonKit", "bin", "Release", "net10.0", "LessonKit.dll");
        string copy = Path.Combine(scratch, "src", "LessonKit", "bin", "Release", "net10.0", "LessonKit.dll");
        Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
        File.Copy(built, copy, overwrite: true);
        string lessons = Path.Combine(scratch, "lessons");
        Directory.CreateDirectory(lessons);
        string assets = Path.Combine(RepositoryRoot, "lessons", "assets");
        if (Directory.Exists(assets))
        {
            Directory.CreateDirectory(Path.Combine(lessons, "assets"));
            foreach (string file in Directory.GetFiles(assets))
                File.Copy(file, Path.Combine(lessons, "assets", Path.GetFileName(file)), overwrite: true);
        }
        string path = Path.Combine(lessons, fileName);
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }

    private string Build()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = RepositoryRoot };
        foreach (string argument in new[] { "build", "src/LessonKit.Runner/LessonKit.Runner.csproj", "-c", "Release", "-nologo", "-v", "q" })
            start.ArgumentList.Add(argument);
        var (exitCode, output) = RunProcess(start, TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, "Building the runner failed:\n" + output);
        string dll = Path.Combine(RepositoryRoot, "src", "LessonKit.Runner", "bin", "Release", "net10.0", "LessonKit.Runner.dll");
        Assert.True(File.Exists(dll), $"The runner build did not produce {dll}.");
        return dll;
    }

    internal static (int ExitCode, string Output) RunProcess(ProcessStartInfo start, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"'dotnet {string.Join(' ', start.ArgumentList)}' ran longer than {timeout}.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    internal static string FindRepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "LessonKit.slnx"))) return folder.FullName;
        throw new InvalidOperationException($"No LessonKit.slnx above {AppContext.BaseDirectory}: the lesson tests run from the repository's test output.");
    }
}

/// <summary>
/// Both lessons, unchanged, pass the runner's <c>check</c> and run end to end on the tiny checkpoint; the solutions
/// folded under the exercises of both lessons pass their checkers.
/// </summary>
[Trait("Category", "Lessons")]
[Collection(LessonProcesses.Name)]
public sealed class LessonNotebookTests(LessonRunner runner) : IClassFixture<LessonRunner>, IDisposable
{
    private const string Lesson21 = "2.1-transformer-architecture.ipynb";
    private const string Lesson22 = "2.2-attention.ipynb";
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "lk-lessons-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void Lesson_2_1_passes_check_and_runs_end_to_end_on_tiny_gpt2_with_the_exercises_not_done()
    {
        var executed = CheckAndRun(Lesson21, Notebook(Lesson21));

        var worked = OutputsOfCellsContaining(executed, "Exercises.CheckMatches").ToArray();
        Assert.True(worked.Length >= 3, $"expected the checks of the residual stream, the embeddings and the output stage, found {worked.Length}");
        Assert.All(worked, text => Assert.StartsWith("✔", text));
        var exercises = OutputsOfCellsStartingWith(executed, "Exercises.Check").ToArray();
        Assert.Equal(3, exercises.Length);
        Assert.StartsWith("○ GPT-2's LayerNorm: not done yet", exercises[0]);
        Assert.StartsWith("○ GPT-2's parameter count: not done yet", exercises[1]);
        Assert.StartsWith("○ Sinusoidal positional encoding: not done yet", exercises[2]);
        var texts = AllOutputText(executed).ToArray();
        // One layer ignores the order of the earlier tokens; the stack does not (measured with the positions off).
        Assert.Contains(texts, text => Regex.IsMatch(text, @"after one attention layer \(attn_out of block 0\): largest change \d(\.\d)?e-[5-9]"));
        // Causality: nothing up to ' it' changes when the clue after it does.
        Assert.Contains(texts, text => text.Contains("queries up to ' it' (positions 0 to 8): their attention changes by at most 0\n", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.StartsWith("Head finder: attention from ' tired' (10) to ' cat' (2)", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.StartsWith("Attention from 'tired' to 'cat' minus to 'mat'", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.StartsWith("The forward pass of", StringComparison.Ordinal) && text.Contains("next-token loss at 11 positions", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.StartsWith("11 losses from one forward pass", StringComparison.Ordinal));
        // Training's parallelism: one pass over the text gives the losses that 11 runs over its prefixes give.
        var parallel = Assert.Single(texts, text => text.StartsWith("11 losses from 1 forward pass over 12 tokens, and from 11 forward passes", StringComparison.Ordinal));
        double difference = double.Parse(Regex.Match(parallel, @"largest difference (\S+) nats").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(difference, 0, 1e-4);
        Assert.Contains(texts, text => text.StartsWith("Model view: ", StringComparison.Ordinal));
        Assert.Contains(texts, text => text.Contains("Model sizes compared", StringComparison.Ordinal));
        Assert.Equal(Quiz.Count("2.1"), texts.Count(text => text.StartsWith("Question: ", StringComparison.Ordinal)));
        Assert.DoesNotContain(texts, text => text.Contains("Answer:", StringComparison.Ordinal));

        string submission = Path.Combine(_scratch, "lessons", "submission", "2.1");
        foreach (string page in new[] { "index", "observations", "pipeline", "model-view", "head-view", "head-finder", "clue-preference", "sinusoidal-heatmap" })
            Assert.True(File.Exists(Path.Combine(submission, page + ".html")), $"the submission cell saves {page}.html");
        Assert.Contains("your observations (0 of 6 written)", File.ReadAllText(Path.Combine(submission, "observations.html")));
        // The forward-pass diagram is linked from the markdown and embedded in the HTML export.
        Assert.Contains("data:image/svg+xml;base64,", File.ReadAllText(Path.Combine(_scratch, "out", Path.ChangeExtension(Lesson21, ".html"))));
    }

    [Fact]
    public void Lesson_2_2_passes_check_and_runs_end_to_end_on_tiny_gpt2_with_the_exercises_not_done()
    {
        var executed = CheckAndRun(Lesson22, Notebook(Lesson22));

        var worked = OutputsOfCellsContaining(executed, "Exercises.CheckMatches").ToArray();
        Assert.True(worked.Length >= 8, $"expected the worked example's checks, found {worked.Length}");
        Assert.All(worked, text => Assert.StartsWith("✔", text));
        var exercises = OutputsOfCellsStartingWith(executed, "Exercises.Check").ToArray();
        Assert.Equal(Lesson22Checks, exercises.Length);
        Assert.All(exercises, text => Assert.StartsWith("○", text));
        Assert.Contains(exercises, text => text.StartsWith("○ Your attention inside GPT-2: not done yet", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.Contains("Write AttentionLayer (Exercise 4) first", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.Contains("Write TopP (Exercise 6) first", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("q·k for random unit-variance components", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Model view: ", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Generation speed with and without the KV cache", StringComparison.Ordinal));
        // Induction heads: measured on the loaded model, then the toy trained in the notebook, with what its text says it learned.
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Induction heads: mean attention", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Loss at each position: 50 random tokens, then the same 50 again", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("The toy's heads on copies of 12, by training step", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.Contains("step 1000: mean loss ", StringComparison.Ordinal));
        // The trainer's progress lines and the summary arrive as one stream of text.
        Assert.Contains(AllOutputText(executed).SelectMany(text => text.Split('\n')),
            line => line.StartsWith("After 1000 steps, on copies of 12: best induction head L1H", StringComparison.Ordinal) && line.Contains("(layer 1)", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Previous-token head: L0H", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.Contains("with all of layer 0 silenced", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.Contains("with layer 0's note left out of its keys only", StringComparison.Ordinal));
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("The toy on copies of other lengths", StringComparison.Ordinal));
        Assert.Equal(Quiz.Count("2.2"), AllOutputText(executed).Count(text => text.StartsWith("Question: ", StringComparison.Ordinal)));
        Assert.True(File.Exists(Path.Combine(_scratch, "lessons", "submission", "2.2", "observations.html")), "the submission saves the observations");
        // The core path's observation (√d_head) and the four of the optional parts.
        Assert.Contains("your observations (0 of 5 written)", File.ReadAllText(Path.Combine(_scratch, "lessons", "submission", "2.2", "observations.html")));
        foreach (string page in new[] { "induction-heads", "in-context-loss", "toy-induction-score", "toy-loss" })
            Assert.True(File.Exists(Path.Combine(_scratch, "lessons", "submission", "2.2", page + ".html")), $"the submission cell saves {page}.html");
    }

    /// <summary>Lesson 2.2's check cells: causal mask, attention, head split, whole layer, the capstone, top-k, top-p.</summary>
    private const int Lesson22Checks = 7;

    /// <summary>Its exercises with a folded solution: all but the capstone, which runs the whole-layer exercise's function.</summary>
    private const int Lesson22Solutions = 6;

    [Fact]
    public void The_folded_solutions_of_lesson_2_1_pass_their_checks()
    {
        var notebook = Notebook(Lesson21);
        Assert.Equal(3, PutSolutionsIntoExerciseCells(notebook));

        var executed = CheckAndRun(Lesson21, notebook, checkOriginal: false);

        var exercises = OutputsOfCellsStartingWith(executed, "Exercises.Check").ToArray();
        Assert.Equal(3, exercises.Length);
        Assert.StartsWith("✔ GPT-2's LayerNorm: correct on the test input", exercises[0]);
        Assert.StartsWith("✔ GPT-2's parameter count: right for all", exercises[1]);
        Assert.StartsWith("✔ Sinusoidal positional encoding: correct for", exercises[2]);
    }

    [Fact]
    public void The_folded_solutions_of_lesson_2_2_pass_their_checks()
    {
        var notebook = Notebook(Lesson22);
        int replaced = PutSolutionsIntoExerciseCells(notebook);
        Assert.Equal(Lesson22Solutions, replaced);

        var executed = CheckAndRun(Lesson22, notebook, checkOriginal: false);

        var exercises = OutputsOfCellsStartingWith(executed, "Exercises.Check").ToArray();
        Assert.Equal(Lesson22Checks, exercises.Length);
        Assert.All(exercises, text => Assert.StartsWith("✔", text));
        Assert.Contains(exercises, text => text.StartsWith("✔ Your attention inside GPT-2:", StringComparison.Ordinal) && text.Contains("Your code now runs inside GPT-2", StringComparison.Ordinal));
        // GPT-2 with the learner's attention writes what it writes with its own.
        var writing = Assert.Single(Cells(executed).Where(c => Source(c).Contains("GreedyContinuation(", StringComparison.Ordinal)).SelectMany(Texts)).Split('\n');
        string yours = Assert.Single(writing, l => l.StartsWith("GPT-2 with your attention: ", StringComparison.Ordinal))["GPT-2 with your attention: ".Length..];
        string theirs = Assert.Single(writing, l => l.StartsWith("GPT-2 with its own:        ", StringComparison.Ordinal))["GPT-2 with its own:        ".Length..];
        Assert.Equal(theirs, yours);
        Assert.Contains(AllOutputText(executed), text => text.StartsWith("Drawn from your TopP(logits, 0.9): ", StringComparison.Ordinal) || text.Contains("\nDrawn from your TopP(logits, 0.9): ", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Tensor SplitHeads(", "Tensor SplitHeads(Tensor x, int nHeads) => x.reshape(x.shape[0], x.shape[1], x.shape[2] / nHeads, nHeads).permute(0, 3, 1, 2);",
        "the heads are interleaved")]
    [InlineData("Tensor ScaledDotProductAttention(", """
        Tensor ScaledDotProductAttention(Tensor q, Tensor k, Tensor v, Tensor mask) =>
            torch.einsum("bhqk,bhkd->bhqd", torch.einsum("bhqd,bhkd->bhqk", q, k).masked_fill(mask.logical_not(), double.NegativeInfinity).softmax(-1), v);
        """, "the scores were not scaled")]
    public void A_wrong_earlier_function_is_named_by_the_whole_layer_check_and_inside_gpt2(string function, string wrongSolution, string diagnosis)
    {
        var notebook = Notebook(Lesson22);
        PutSolutionsIntoExerciseCells(notebook);
        var exercise = Cells(notebook).Single(c => Source(c).TrimStart().StartsWith(function, StringComparison.Ordinal));
        exercise["source"] = new JsonArray(JsonValue.Create(wrongSolution));

        var executed = CheckAndRun(Lesson22, notebook, checkOriginal: false);

        var layer = Assert.Single(OutputsOfCellsStartingWith(executed, "Exercises.CheckAttentionLayer(").ToArray());
        Assert.StartsWith("✘ Whole attention layer: on a random layer", layer);
        Assert.Contains(diagnosis, layer);
        var inside = Assert.Single(OutputsOfCellsStartingWith(executed, "Exercises.CheckAttentionInsideGpt2(").ToArray());
        Assert.StartsWith("✘ Your attention inside GPT-2: layer 0 is the first whose attention output differs", inside);
        Assert.Contains(diagnosis, inside);
    }

    [Theory]
    [InlineData(Lesson21, "l21-52b")]
    [InlineData(Lesson22, "l22-45")]
    public void The_core_path_runs_with_every_optional_section_left_out(string lesson, string optionalSubmissionCell)
    {
        // A learner may skip any section whose heading says *(optional)*: no core cell may need what its cells make.
        var notebook = Notebook(lesson);
        var optional = OptionalCodeCells(notebook).ToHashSet();
        Assert.Contains(optionalSubmissionCell, optional);
        var cells = notebook["cells"]!.AsArray();
        int coreCells = Cells(notebook).Count(c => (string?)c["cell_type"] == "code") - optional.Count;
        Assert.True(optional.Count >= 15 && coreCells >= 15, $"{lesson}: {optional.Count} optional and {coreCells} core code cells");
        foreach (var cell in Cells(notebook).Where(c => optional.Contains((string?)c["id"] ?? "")).ToArray()) cells.Remove(cell);

        var executed = CheckAndRun(lesson, notebook, checkOriginal: false);

        var texts = AllOutputText(executed).ToArray();
        string quizLesson = lesson == Lesson21 ? "2.1" : "2.2";
        Assert.Equal(Quiz.Count(quizLesson), texts.Count(text => text.StartsWith("Question: ", StringComparison.Ordinal)));
        if (lesson == Lesson21)
        {
            // The core submission cell saved the core path's views; the optional one, left out, would add the others.
            string submission = Path.Combine(_scratch, "lessons", "submission", "2.1");
            foreach (string page in new[] { "observations", "pipeline", "loss-per-token", "head-finder", "sinusoidal-heatmap" })
                Assert.True(File.Exists(Path.Combine(submission, page + ".html")), $"the core submission cell saves {page}.html");
            foreach (string page in new[] { "model-view", "clue-preference" })
                Assert.False(File.Exists(Path.Combine(submission, page + ".html")), $"{page}.html comes from an optional section");
            // The LayerNorm exercise is on the core path.
            Assert.Contains(texts, text => text.StartsWith("○ GPT-2's LayerNorm: not done yet", StringComparison.Ordinal));
            Assert.Contains("your observations (0 of 2 written)", File.ReadAllText(Path.Combine(submission, "observations.html")));
        }
        else
        {
            // The core path hands in what it made: the √d_head observation, the recomputed head's pattern and the √d_head table.
            string submission = Path.Combine(_scratch, "lessons", "submission", "2.2");
            foreach (string page in new[] { "observations", "attention-pattern", "scaling-table" })
                Assert.True(File.Exists(Path.Combine(submission, page + ".html")), $"the core submission cell saves {page}.html");
            Assert.False(File.Exists(Path.Combine(submission, "ablation-effect.html")), "ablation-effect.html comes from an optional part");
            Assert.Contains("your observations (0 of 1 written)", File.ReadAllText(Path.Combine(submission, "observations.html")));
        }
    }

    [Fact]
    public void An_optional_section_runs_from_its_heading_to_the_next_heading_of_the_same_or_a_higher_level()
    {
        static JsonObject Markdown(string text) => new() { ["cell_type"] = "markdown", ["source"] = text };
        static JsonObject Code(string id) => new() { ["cell_type"] = "code", ["id"] = id, ["source"] = "var x = 1;" };
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(
                Markdown("# Part A"), Code("a"),
                Markdown("Some text.\n\n## B *(optional)*"), Code("b"),
                Markdown("### C, inside B"), Code("c"),
                Markdown("**Question** *(optional)*: not a heading"), Code("c2"),
                Markdown("## D"), Code("d"),
                Markdown("# E *(optional, 10 minutes)*"), Code("e"),
                Markdown("# F (optional) without the marker's asterisks"), Code("f")),
        };

        Assert.Equal(["b", "c", "c2", "e"], OptionalCodeCells(notebook));
    }

    private JsonNode Notebook(string fileName) => JsonNode.Parse(File.ReadAllText(runner.LessonPath(fileName)))!;

    private JsonNode CheckAndRun(string fileName, JsonNode notebook, bool checkOriginal = true)
    {
        if (checkOriginal)
        {
            var (checkCode, checkOutput) = runner.Run("check", runner.LessonPath(fileName));
            Assert.True(checkCode == 0, $"runner check {fileName} failed:\n{checkOutput}");
        }
        string staged = runner.StageNotebook(_scratch, fileName, notebook);
        string output = Path.Combine(_scratch, "out");
        var (code, log) = runner.Run("run", staged, "--model", TinyGpt2.Directory, "--out", output);
        Assert.True(code == 0, $"runner run {fileName} failed:\n{log}");
        var executed = JsonNode.Parse(File.ReadAllText(Path.Combine(output, fileName)))!;
        Assert.DoesNotContain(Cells(executed).Where(c => (string?)c["cell_type"] == "code").SelectMany(c => c["outputs"]!.AsArray()),
            o => (string?)o!["output_type"] == "error");
        return executed;
    }

    /// <summary>
    /// The ids of the code cells in optional sections: under a markdown heading that says <c>*(optional</c>, down to the
    /// next heading of the same or a higher level (docs/authoring-lessons.md, "Say how long it takes, honestly").
    /// </summary>
    private static IEnumerable<string> OptionalCodeCells(JsonNode notebook)
    {
        var open = new List<(int Level, bool Optional)>();   // the headings the current cell sits under, outermost first
        foreach (var cell in Cells(notebook))
        {
            if ((string?)cell["cell_type"] == "markdown")
            {
                foreach (Match heading in Regex.Matches(Source(cell), @"^(#+)\s+(.*)$", RegexOptions.Multiline))
                {
                    int level = heading.Groups[1].Length;
                    open.RemoveAll(h => h.Level >= level);
                    open.Add((level, heading.Groups[2].Value.Contains("*(optional", StringComparison.Ordinal)));
                }
            }
            else if (open.Any(h => h.Optional))
            {
                yield return (string?)cell["id"] ?? throw new InvalidOperationException("a code cell without an id");
            }
        }
    }

    /// <summary>Replaces each exercise cell (the starting code that throws) with the solution folded under it; returns how many.</summary>
    private static int PutSolutionsIntoExerciseCells(JsonNode notebook)
    {
        var cells = Cells(notebook).ToList();
        int replaced = 0;
        for (int i = 0; i < cells.Count; i++)
        {
            if ((string?)cells[i]["cell_type"] != "markdown") continue;
            string markdown = Source(cells[i]);
            if (!markdown.Contains("<summary>Solution</summary>", StringComparison.Ordinal)) continue;
            var fence = Regex.Match(markdown, "```csharp\n(.*?)```", RegexOptions.Singleline);
            Assert.True(fence.Success, $"cell {i}: a solution without a ```csharp block");
            int exercise = cells.FindLastIndex(i, c => (string?)c["cell_type"] == "code" && Source(c).Contains("throw new NotImplementedException", StringComparison.Ordinal));
            Assert.True(exercise >= 0, $"cell {i}: no exercise cell before this solution");
            cells[exercise]["source"] = new JsonArray(JsonValue.Create(fence.Groups[1].Value));
            replaced++;
        }
        return replaced;
    }

    private static IEnumerable<JsonNode> Cells(JsonNode notebook) => notebook["cells"]!.AsArray().Select(c => c!);

    private static string Source(JsonNode cell) => cell["source"] switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        var text => (string?)text ?? "",
    };

    private static IEnumerable<string> Texts(JsonNode cell) =>
        cell["outputs"]!.AsArray().Select(o => o!["text"] ?? o["data"]?["text/plain"]).OfType<JsonNode>()
            .Select(t => t is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)t ?? "");

    private static IEnumerable<string> AllOutputText(JsonNode notebook) => Cells(notebook).Where(c => (string?)c["cell_type"] == "code").SelectMany(Texts);

    private static IEnumerable<string> OutputsOfCellsContaining(JsonNode notebook, string code) =>
        Cells(notebook).Where(c => (string?)c["cell_type"] == "code" && Source(c).Contains(code, StringComparison.Ordinal))
            .SelectMany(Texts).Where(t => t.Contains(':') && (t.StartsWith('✔') || t.StartsWith('✘') || t.StartsWith('○')));

    private static IEnumerable<string> OutputsOfCellsStartingWith(JsonNode notebook, string code) =>
        Cells(notebook).Where(c => (string?)c["cell_type"] == "code" && Source(c).TrimStart().StartsWith(code, StringComparison.Ordinal)).SelectMany(Texts);
}
