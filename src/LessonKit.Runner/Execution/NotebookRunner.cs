using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LessonKit.Runner.Engine;
using LessonKit.Runner.Export;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Runs a notebook's code cells in order in the real .NET Interactive kernel, hosted in this process (a fresh
/// kernel per notebook), prints progress, and writes the executed notebook and an HTML page to the output folder.
/// The first cell that fails stops the notebook; the cells after it are reported as not run. While cells run, the working directory is the notebook's folder (as in VS Code)
/// and <see cref="RunSettings.ModelOverrideVariable"/> carries <c>--model</c>.
/// </summary>
public sealed class NotebookRunner(RunSettings settings, TextWriter console)
{
    /// <summary>Runs one notebook.</summary>
    /// <param name="notebookPath">The .ipynb file.</param>
    /// <param name="interrupt">Cancelled on Ctrl+C: the running cell is reported as interrupted and the run stops.</param>
    /// <exception cref="NotebookFormatException">The file is not a notebook.</exception>
    public async Task<NotebookRunResult> RunAsync(string notebookPath, CancellationToken interrupt = default)
    {
        var shownPath = ShortPath(notebookPath);
        var notebook = Notebook.Load(notebookPath);
        var name = Path.GetFileNameWithoutExtension(notebook.Path);
        var outputDirectory = Path.GetFullPath(settings.OutputDirectory);
        var executedPath = Path.Combine(outputDirectory, name + ".ipynb");
        var htmlPath = Path.Combine(outputDirectory, name + ".html");
        if (string.Equals(executedPath, notebook.Path, StringComparison.Ordinal))
        {
            throw new InvalidOperationException(
                $"{shownPath}: --out {settings.OutputDirectory} would overwrite the notebook itself; choose another output folder.");
        }

        var codeCells = notebook.Cells.Where(c => c.IsCode).ToList();
        console.WriteLine($"{shownPath}: {codeCells.Count} code cells");

        var kernel = NotebookKernel.Create();
        var executor = new CellExecutor(kernel);
        var notes = new Dictionary<int, string>();
        var status = CellStatus.Succeeded;
        int? failedCell = null;
        var succeeded = 0;

        var previousDirectory = Environment.CurrentDirectory;
        var previousModel = Environment.GetEnvironmentVariable(RunSettings.ModelOverrideVariable);
        Environment.CurrentDirectory = Path.GetDirectoryName(notebook.Path)!;
        if (settings.ModelOverride is not null)
        {
            Environment.SetEnvironmentVariable(RunSettings.ModelOverrideVariable, settings.ModelOverride);
        }
        try
        {
            for (var i = 0; i < codeCells.Count; i++)
            {
                var cell = codeCells[i];
                var progress = $"[{i + 1}/{codeCells.Count}] cell {cell.Number} ...";
                if (status != CellStatus.Succeeded)
                {
                    cell.SetOutputs([], null);
                    notes[cell.Number] = "not run (an earlier cell failed)";
                    console.WriteLine($"{progress} not run");
                    continue;
                }

                console.Write(progress);
                console.Flush();
                var clock = Stopwatch.StartNew();
                var (outcome, outputs) = await RunCellAsync(executor, cell, i + 1, interrupt);
                cell.SetOutputs(outputs, i + 1);
                var seconds = clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);

                if (outcome.Status == CellStatus.Succeeded)
                {
                    succeeded++;
                    console.WriteLine($" ok ({seconds} s)");
                    continue;
                }

                status = outcome.Status;
                failedCell = cell.Number;
                var word = outcome.Status switch
                {
                    CellStatus.TimedOut => "TIMED OUT",
                    CellStatus.Interrupted => "INTERRUPTED",
                    _ => "FAILED",
                };
                console.WriteLine($" {word} ({seconds} s)");
                var where = outcome.Line is { } line ? $"cell {cell.Number}, line {line}" : $"cell {cell.Number}";
                foreach (var messageLine in (outcome.Message ?? "").Split('\n'))
                {
                    console.WriteLine($"{shownPath}: {where}: {messageLine}");
                }
                notes[cell.Number] = $"{word.ToLowerInvariant()}: {where}: {outcome.Message}";
            }
        }
        finally
        {
            // A kernel whose cell was abandoned is left alone (its cell may still be running); the process ends soon.
            if (status is not (CellStatus.TimedOut or CellStatus.Interrupted)) kernel.Dispose();
            Environment.CurrentDirectory = previousDirectory;
            if (settings.ModelOverride is not null)
            {
                Environment.SetEnvironmentVariable(RunSettings.ModelOverrideVariable, previousModel);
            }
        }

        Directory.CreateDirectory(outputDirectory);
        notebook.Save(executedPath);
        await File.WriteAllTextAsync(htmlPath, HtmlExporter.Export(notebook, notes), CancellationToken.None);

        console.WriteLine(status == CellStatus.Succeeded
            ? $"{shownPath}: all {codeCells.Count} code cells ran"
            : $"{shownPath}: {succeeded} of {codeCells.Count} code cells ran; cell {failedCell} {status.ToString().ToLowerInvariant()}, the {codeCells.Count - succeeded - 1} after it did not run");
        console.WriteLine($"  wrote {ShortPath(executedPath)} and {ShortPath(htmlPath)}");
        return new NotebookRunResult(notebook.Path, status, codeCells.Count, succeeded, failedCell, executedPath, htmlPath);
    }

    /// <summary>A path relative to the working folder when it lies below it, else the full path.</summary>
    private static string ShortPath(string path)
    {
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, Path.GetFullPath(path));
        return relative.StartsWith("..", StringComparison.Ordinal) ? Path.GetFullPath(path) : relative;
    }

    /// <summary>Runs one cell on its own thread; returns its outcome and outputs.</summary>
    private async Task<(CellOutcome Outcome, JsonArray Outputs)> RunCellAsync(
        CellExecutor executor, NotebookCell cell, int executionCount, CancellationToken interrupt)
    {
        var collector = new CellOutputCollector();
        CellOutcome outcome;
        try
        {
            var (end, result) = await CellThread.RunAsync(
                $"cell {cell.Number}",
                token => executor.RunAsync(cell, executionCount, collector, token),
                settings.CellTimeout,
                interrupt);
            outcome = end switch
            {
                CellThreadEnd.TimedOut => new CellOutcome(CellStatus.TimedOut, null,
                    $"the cell ran longer than the {settings.CellTimeout.TotalSeconds:0} s time limit (--timeout) and was abandoned"),
                CellThreadEnd.Interrupted => new CellOutcome(CellStatus.Interrupted, null,
                    "the run was interrupted (Ctrl+C) while this cell was running"),
                _ => result!,
            };
        }
        catch (Exception e)
        {
            // A failure of the runner itself, not of the cell's code: still report it against the cell.
            outcome = new CellOutcome(CellStatus.Failed, null, $"the runner failed on this cell: {e}");
            collector.AddError(e.GetType().Name, e.Message, e.ToString().Split('\n'));
        }
        if (outcome.Status is CellStatus.TimedOut or CellStatus.Interrupted)
        {
            collector.EndWith(outcome.Status == CellStatus.TimedOut ? "CellTimeout" : "Interrupted", outcome.Message!, [outcome.Message!]);
        }
        return (outcome, collector.ToJson());
    }
}
