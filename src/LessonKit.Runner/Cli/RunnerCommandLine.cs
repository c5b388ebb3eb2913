using System.CommandLine;
using LessonKit.Runner.Checking;
using LessonKit.Runner.Execution;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Cli;

/// <summary>The command line: <c>run</c>, <c>check</c> and <c>strip</c>.</summary>
public static class RunnerCommandLine
{
    /// <summary>The default per-cell time limit, in seconds.</summary>
    public const int DefaultTimeoutSeconds = 600;

    /// <summary>The default output folder (under artifacts/, which git ignores).</summary>
    public const string DefaultOutputDirectory = "artifacts/notebooks";

    /// <summary>Parses <paramref name="args"/> and runs the command.</summary>
    /// <param name="args">Command-line arguments.</param>
    /// <param name="output">Where progress and reports go.</param>
    /// <param name="error">Where usage errors go.</param>
    /// <param name="interrupt">Cancelled on Ctrl+C.</param>
    /// <returns>The process exit code (see <see cref="ExitCodes"/>).</returns>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error, CancellationToken interrupt = default)
    {
        var root = Build(output, error, interrupt);
        var parsed = root.Parse(args);
        if (parsed.Errors.Count > 0)
        {
            foreach (var parseError in parsed.Errors) await error.WriteLineAsync(parseError.Message);
            await error.WriteLineAsync("Run with --help to see the commands and options.");
            return ExitCodes.Usage;
        }
        return await parsed.InvokeAsync(new InvocationConfiguration
        {
            Output = output,
            Error = error,
            ProcessTerminationTimeout = null,   // Ctrl+C is handled by the runner, which reports the running cell.
        }, CancellationToken.None);
    }

    private static RootCommand Build(TextWriter output, TextWriter error, CancellationToken interrupt)
    {
        var root = new RootCommand(
            "Runs, checks and strips LessonKit lesson notebooks (C# Polyglot notebooks); runs them in the real .NET Interactive " +
            "C# kernel, hosted in this process, without Jupyter or VS Code.");
        root.Add(BuildRun(output, error, interrupt));
        root.Add(BuildCheck(output));
        root.Add(BuildStrip(output));
        return root;
    }

    private static Command BuildRun(TextWriter output, TextWriter error, CancellationToken interrupt)
    {
        var notebooks = new Argument<string[]>("notebook") { Description = "The .ipynb files to run.", Arity = ArgumentArity.OneOrMore };
        var outDirectory = new Option<string>("--out")
        {
            Description = "Folder for the executed notebooks (<name>.ipynb) and HTML pages (<name>.html).",
            DefaultValueFactory = _ => DefaultOutputDirectory,
        };
        var model = new Option<string?>("--model")
        {
            Description =
                $"A model name or local model folder that HookedGpt2.FromPretrained loads INSTEAD of the model a notebook asks for. " +
                $"The runner sets the environment variable {RunSettings.ModelOverrideVariable} to this value while cells run, so CI " +
                "can run a lesson on a tiny checkpoint (e.g. --model tests/LessonKit.Tests/Fixtures/tiny-gpt2) while the unchanged " +
                "notebook loads real GPT-2 on a learner's machine.",
        };
        var timeout = new Option<int>("--timeout")
        {
            Description = "Time limit per cell in seconds; a cell over it is reported as timed out and the run stops.",
            DefaultValueFactory = _ => DefaultTimeoutSeconds,
        };
        var command = new Command("run",
            "Execute each notebook's code cells in order in the .NET Interactive C# kernel (as VS Code and Jupyter do), and write the executed notebook " +
            "and a standalone HTML page. Exits non-zero when a cell fails (1), times out (124) or is interrupted by Ctrl+C (130).")
        {
            notebooks, outDirectory, model, timeout,
        };
        command.SetAction(async (parsed, _) =>
        {
            var files = parsed.GetValue(notebooks) ?? [];
            var seconds = parsed.GetValue(timeout);
            if (seconds <= 0)
            {
                await error.WriteLineAsync($"--timeout must be a positive number of seconds (got {seconds}).");
                return ExitCodes.Usage;
            }
            if (ValidateRunFiles(files) is { } fileProblem)
            {
                await error.WriteLineAsync(fileProblem);
                return ExitCodes.Usage;
            }
            string? modelOverride = null;
            if (parsed.GetValue(model) is { } modelValue)
            {
                if (ResolveModel(modelValue) is not { } resolved)
                {
                    await error.WriteLineAsync($"--model {modelValue}: no such folder (a model folder holds config.json and model.safetensors).");
                    return ExitCodes.Usage;
                }
                modelOverride = resolved;
                await output.WriteLineAsync($"{RunSettings.ModelOverrideVariable}={resolved} (HookedGpt2.FromPretrained loads this model instead of the one each notebook names)");
            }

            var settings = new RunSettings
            {
                OutputDirectory = parsed.GetValue(outDirectory) ?? DefaultOutputDirectory,
                CellTimeout = TimeSpan.FromSeconds(seconds),
                ModelOverride = modelOverride,
            };
            return await RunNotebooksAsync(files, settings, output, interrupt);
        });
        return command;
    }

    private static async Task<int> RunNotebooksAsync(string[] files, RunSettings settings, TextWriter output, CancellationToken interrupt)
    {
        var runner = new NotebookRunner(settings, output);
        var exitCode = ExitCodes.Success;
        var failed = new List<string>();
        for (var i = 0; i < files.Length; i++)
        {
            NotebookRunResult result;
            try
            {
                result = await runner.RunAsync(files[i], interrupt);
            }
            catch (Exception e) when (e is NotebookFormatException or InvalidOperationException)
            {
                await output.WriteLineAsync(e.Message);
                failed.Add(files[i]);
                exitCode = ExitCodes.Failed;
                continue;
            }
            if (result.Status == CellStatus.Succeeded) continue;

            failed.Add(files[i]);
            if (result.Status is CellStatus.TimedOut or CellStatus.Interrupted)
            {
                // The abandoned cell may still be running: stop here rather than run more code beside it.
                foreach (var skipped in files.Skip(i + 1)) await output.WriteLineAsync($"{skipped}: not run");
                return result.Status == CellStatus.TimedOut ? ExitCodes.TimedOut : ExitCodes.Interrupted;
            }
            exitCode = ExitCodes.Failed;
        }
        if (files.Length > 1)
        {
            await output.WriteLineAsync(failed.Count == 0
                ? $"all {files.Length} notebooks ran"
                : $"{failed.Count} of {files.Length} notebooks failed: {string.Join(", ", failed)}");
        }
        return exitCode;
    }

    private static string? ValidateRunFiles(string[] files)
    {
        foreach (var file in files)
        {
            if (!File.Exists(file)) return $"{file}: no such notebook file.";
        }
        var clash = files.GroupBy(f => Path.GetFileNameWithoutExtension(f), StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
        return clash is null
            ? null
            : $"{string.Join(" and ", clash)} would both be written as {clash.Key}.ipynb in the output folder; run them separately with different --out folders.";
    }

    /// <summary>A model folder becomes an absolute path (cells run in the notebook's folder); a bare name is kept; a missing path is null.</summary>
    private static string? ResolveModel(string value)
    {
        if (Directory.Exists(value)) return Path.GetFullPath(value);
        var looksLikePath = value.Contains('/') || value.Contains('\\') || value.StartsWith('.');
        return looksLikePath ? null : value;
    }

    private static Command BuildCheck(TextWriter output)
    {
        var paths = new Argument<string[]>("path") { Description = "Notebook files or folders (searched for *.ipynb).", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check",
            "Validate notebooks: nbformat 4.4+, the .NET (C#) kernelspec, Polyglot kernel metadata, code cells marked as C#, " +
            "and no stored outputs or execution counts for notebooks under a 'lessons' folder. Exits 1 when anything is wrong.")
        {
            paths,
        };
        command.SetAction(async parsed =>
        {
            var problems = new List<NotebookProblem>();
            var checkedFiles = 0;
            foreach (var path in parsed.GetValue(paths) ?? [])
            {
                var notebooks = NotebookChecker.FindNotebooks(path);
                if (notebooks.Count == 0) problems.Add(new NotebookProblem(path, null, "no .ipynb files in this folder."));
                foreach (var notebook in notebooks)
                {
                    checkedFiles++;
                    problems.AddRange(NotebookChecker.Check(notebook));
                }
            }
            foreach (var problem in problems) await output.WriteLineAsync(problem.ToString());
            var files = problems.Select(p => p.File).Distinct().Count();
            await output.WriteLineAsync(problems.Count == 0
                ? $"checked {checkedFiles} notebook(s): no problems"
                : $"checked {checkedFiles} notebook(s): {problems.Count} problem(s) in {files}");
            return problems.Count == 0 ? ExitCodes.Success : ExitCodes.Failed;
        });
        return command;
    }

    private static Command BuildStrip(TextWriter output)
    {
        var paths = new Argument<string[]>("notebook") { Description = "Notebook files or folders to strip in place.", Arity = ArgumentArity.OneOrMore };
        var command = new Command("strip",
            "Remove outputs and execution counts in place, leaving every other byte as it was (Jupyter/VS Code JSON style).")
        {
            paths,
        };
        command.SetAction(async parsed =>
        {
            var exitCode = ExitCodes.Success;
            foreach (var notebook in (parsed.GetValue(paths) ?? []).SelectMany(NotebookChecker.FindNotebooks))
            {
                try
                {
                    var cells = NotebookStripper.Strip(notebook);
                    await output.WriteLineAsync(cells == 0 ? $"{notebook}: already clean" : $"{notebook}: stripped {cells} cell(s)");
                }
                catch (NotebookFormatException e)
                {
                    await output.WriteLineAsync(e.Message);
                    exitCode = ExitCodes.Failed;
                }
            }
            return exitCode;
        });
        return command;
    }
}
