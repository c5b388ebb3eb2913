using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel, as a learner's Jupyter or VS Code does: Jupyter's
/// <c>nbconvert --execute</c> starts the <c>dotnet-interactive</c> tool through the <c>.net-csharp</c> kernelspec and
/// sends every cell to it. <c>.ci/run</c> installs both (see <see cref="InstallHint"/>).
/// </summary>
public static class JupyterKernel
{
    public const string KernelName = ".net-csharp";

    public const string InstallHint =
        "Install the real kernel as .ci/run does: apt-get install jupyter-client jupyter-core python3-nbclient jupyter-nbconvert; " +
        "dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001; mkdir -p ~/.local/share/jupyter/kernels; " +
        "~/.dotnet/tools/dotnet-interactive jupyter install.";

    private static readonly string DotnetToolsFolder =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>
    /// Executes <paramref name="notebookPath"/> (its folder is the kernel's working directory, so relative <c>#r</c>
    /// paths resolve as in VS Code) and returns the executed notebook, which is written to <paramref name="outputFolder"/>.
    /// Every cell runs even after an error, so one run reports every failing cell.
    /// </summary>
    public static ExecutedNotebook Execute(string notebookPath, string outputFolder, IReadOnlyDictionary<string, string?> environment, TimeSpan timeout)
    {
        string jupyter = FindOnPath("jupyter", out string path)
            ?? throw new Xunit.Sdk.XunitException($"'jupyter' is not on PATH. {InstallHint}");
        if (FindOnPath("dotnet-interactive", out _) is null)
            throw new Xunit.Sdk.XunitException($"The dotnet-interactive tool is neither on PATH nor in {DotnetToolsFolder}. {InstallHint}");

        Directory.CreateDirectory(outputFolder);
        var start = new ProcessStartInfo(jupyter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(notebookPath)!,
        };
        foreach (string argument in new[]
        {
            "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
            $"--ExecutePreprocessor.kernel_name={KernelName}",
            $"--ExecutePreprocessor.timeout={(int)timeout.TotalSeconds}",
            "--output-dir", outputFolder, notebookPath,
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PATH"] = path;
        foreach (var (name, value) in environment)
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        // Two kernels starting at once can pick the same HTTP port (the kernelspec's --http-port-range), and the loser
        // dies at start: that, and only that, is tried again.
        var (exitCode, log) = RunNbconvert(start, notebookPath, timeout);
        for (int retry = 0; retry < 3 && exitCode != 0 && log.Contains("address already in use", StringComparison.OrdinalIgnoreCase); retry++)
            (exitCode, log) = RunNbconvert(start, notebookPath, timeout);

        string written = Path.Combine(outputFolder, Path.GetFileName(notebookPath));
        if (exitCode != 0 || !File.Exists(written))
        {
            string hint = log.Contains("No such kernel", StringComparison.Ordinal) ? $"\nThe kernelspec '{KernelName}' is missing. {InstallHint}" : "";
            throw new Xunit.Sdk.XunitException(
                $"{Path.GetFileName(notebookPath)}: jupyter nbconvert exited with code {exitCode} (a dead kernel or a cell past its time limit ends the run).{hint}\n{Tail(log)}");
        }
        return new ExecutedNotebook(Path.GetFileName(notebookPath), JsonNode.Parse(File.ReadAllText(written))!);
    }

    private static (int ExitCode, string Log) RunNbconvert(ProcessStartInfo start, string notebookPath, TimeSpan timeout)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        // nbconvert's own limit is per cell; the whole notebook gets a generous multiple of it.
        if (!process.WaitForExit(timeout * 4))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{Path.GetFileName(notebookPath)}: the real kernel ran longer than {timeout * 4}; Jupyter said:\n{Tail(stderr.Result)}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>Finds a program on PATH, with the dotnet global tools folder added (where .ci/run installs the kernel).</summary>
    private static string? FindOnPath(string program, out string path)
    {
        path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Contains(DotnetToolsFolder)) path = path + Path.PathSeparator + DotnetToolsFolder;
        foreach (string folder in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, program);
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string Tail(string text, int lines = 40) => string.Join('\n', text.Split('\n').TakeLast(lines));
}

/// <summary>A notebook as the real kernel left it, with what a learner would see go wrong in each cell.</summary>
public sealed partial class ExecutedNotebook(string fileName, JsonNode notebook)
{
    public string FileName { get; } = fileName;

    public JsonNode Json { get; } = notebook;

    public IReadOnlyList<JsonNode> CodeCells =>
        Json["cells"]!.AsArray().Select(c => c!).Where(c => (string?)c["cell_type"] == "code").ToList();

    /// <summary>
    /// One line per problem: an error output, or text on stderr (a compiler warning, an exception, anything), except the
    /// kit's own one-line notices, which start with "LessonKit: ".
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        var cells = Json["cells"]!.AsArray();
        for (int index = 0; index < cells.Count; index++)
        {
            var cell = cells[index]!;
            if ((string?)cell["cell_type"] != "code") continue;
            string where = $"{FileName}, cell {index + 1} of {cells.Count} (`{FirstLine(Text(cell["source"]))}`)";
            foreach (var output in cell["outputs"]!.AsArray().Select(o => o!))
            {
                switch ((string?)output["output_type"])
                {
                    case "error":
                        problems.Add($"{where}: {output["ename"]}: {StripAnsi((string?)output["evalue"] ?? "")}");
                        break;
                    case "stream" when (string?)output["name"] == "stderr":
                        foreach (string line in Text(output["text"]).Split('\n').Select(l => l.TrimEnd()))
                            if (line.Length > 0 && !line.StartsWith("LessonKit: ", StringComparison.Ordinal))
                                problems.Add($"{where}: stderr: {line}");
                        break;
                }
            }
        }
        return problems;
    }

    /// <summary>The MIME types, streams and errors of each code cell, in order: what a learner sees, by kind.</summary>
    public IReadOnlyList<string[]> OutputKinds() =>
        CodeCells.Select(cell => cell["outputs"]!.AsArray().Select(o => o!).SelectMany(OutputKind).ToArray()).ToList();

    private static IEnumerable<string> OutputKind(JsonNode output) => (string?)output["output_type"] switch
    {
        "stream" => [(string)output["name"]!],
        "error" => ["error"],
        _ => output["data"]!.AsObject().Select(entry => entry.Key),
    };

    public static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        null => "",
        _ => (string?)node ?? "",
    };

    private static string FirstLine(string source)
    {
        string line = source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
        return line.Length > 60 ? line[..60] + "…" : line;
    }

    private static string StripAnsi(string text) => AnsiEscape().Replace(text, "");

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
