using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel as a learner's Jupyter does: <c>jupyter nbconvert --execute</c>
/// as a child process, which starts the <c>dotnet-interactive</c> tool through the <c>.net-csharp</c> kernelspec and
/// sends it every cell (errors do not stop the run, so one run shows every failing cell). Fails with how to install
/// what is missing.
/// </summary>
internal static class NbconvertRun
{
    public const string KernelName = ".net-csharp";

    private const string InstallHint =
        "Install the real kernel: `apt-get install jupyter-client jupyter-core python3-nbclient jupyter-nbconvert`, " +
        "`dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001`, `mkdir -p ~/.local/share/jupyter/kernels`, " +
        "then `~/.dotnet/tools/dotnet-interactive jupyter install` (it registers the .net-csharp kernelspec).";

    /// <summary>Where <c>dotnet tool install -g</c> puts tools; the kernelspec's <c>dotnet interactive</c> needs it on PATH.</summary>
    private static string DotnetTools => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>
    /// Executes <paramref name="notebookPath"/> (its folder is the kernel's working directory) with the extra
    /// <paramref name="environment"/> variables and returns the executed notebook's code cells, in order.
    /// </summary>
    public static IReadOnlyList<ExecutedCell> Execute(string notebookPath, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        string path = $"{Environment.GetEnvironmentVariable("PATH")}{Path.PathSeparator}{DotnetTools}";
        string jupyter = Find("jupyter", path) ?? throw new InvalidOperationException($"`jupyter` is not on PATH. {InstallHint}");
        if (Find("dotnet-interactive", path) is null)
            throw new InvalidOperationException($"The `dotnet-interactive` tool is neither on PATH nor in {DotnetTools}. {InstallHint}");
        var (listed, kernels) = Run(jupyter, ["kernelspec", "list", "--json"], path, environment, TimeSpan.FromMinutes(1));
        if (listed != 0 || !kernels.Contains($"\"{KernelName}\"", StringComparison.Ordinal))
            throw new InvalidOperationException($"Jupyter has no '{KernelName}' kernelspec (`jupyter kernelspec list` said: {kernels.Trim()}). {InstallHint}");

        string output = Path.Combine(Path.GetDirectoryName(notebookPath)!, "executed");
        string[] arguments =
            ["nbconvert", "--to", "notebook", "--execute", $"--ExecutePreprocessor.kernel_name={KernelName}", "--ExecutePreprocessor.timeout=600",
             "--allow-errors", "--output-dir", output, notebookPath];
        var (exitCode, log) = Run(jupyter, arguments, path, environment, timeout);
        // The kernel takes the first free HTTP port from 2048 up; two kernels starting at the same moment (tests of
        // another process on this machine) can both pick the same one, and the second dies at start. Start it again.
        for (int retry = 0; retry < 3 && exitCode != 0 && log.Contains("address already in use", StringComparison.OrdinalIgnoreCase); retry++)
        {
            Thread.Sleep(TimeSpan.FromSeconds(Random.Shared.Next(2, 8)));
            (exitCode, log) = Run(jupyter, arguments, path, environment, timeout);
        }
        string executed = Path.Combine(output, Path.GetFileName(notebookPath));
        if (exitCode != 0 || !File.Exists(executed))
            throw new InvalidOperationException(
                exitCode != 0 && log.Contains("No module named", StringComparison.Ordinal)
                    ? $"jupyter nbconvert is missing a module. {InstallHint}\n{log}"
                    : $"jupyter nbconvert exited with {exitCode} and wrote no executed notebook:\n{log}");
        return ExecutedCell.ReadAll(executed);
    }

    /// <summary>The full path of <paramref name="command"/> on <paramref name="path"/>, or null.</summary>
    private static string? Find(string command, string path) =>
        path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(folder => Path.Combine(folder, command)).FirstOrDefault(File.Exists);

    private static (int ExitCode, string Output) Run(string file, string[] arguments, string path, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["PATH"] = path;
        foreach (var (name, value) in environment) start.Environment[name] = value;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{file} {string.Join(' ', arguments)}` ran longer than {timeout}.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    /// <summary>A notebook's multi-line text: a string or an array of lines.</summary>
    internal static string Join(JsonNode? text) =>
        text is JsonArray lines ? string.Concat(lines.Select(l => (string?)l)) : (string?)text ?? "";
}

/// <summary>One executed code cell: its number (1 = the first code cell), source and outputs.</summary>
internal sealed record ExecutedCell(int Number, string Source, IReadOnlyList<JsonNode> Outputs)
{
    /// <summary>The code cells of an executed notebook, in order.</summary>
    public static IReadOnlyList<ExecutedCell> ReadAll(string notebookPath) =>
        ((JsonArray)JsonNode.Parse(File.ReadAllText(notebookPath))!["cells"]!)
            .Where(c => (string?)c!["cell_type"] == "code")
            .Select((c, i) => new ExecutedCell(i + 1, NbconvertRun.Join(c!["source"]), ((JsonArray)c["outputs"]!).Select(o => o!).ToArray()))
            .ToArray();

    /// <summary>The text/html of every display or result output.</summary>
    public IEnumerable<string> Html =>
        Outputs.Where(o => o["data"]?["text/html"] is not null).Select(o => NbconvertRun.Join(o["data"]!["text/html"]));

    /// <summary>What went wrong in the cell: errors and any line on stderr except the kit's own "LessonKit: " notices.</summary>
    public IEnumerable<string> Problems =>
        Outputs.Where(o => (string?)o["output_type"] == "error").Select(o => $"{o["ename"]}: {o["evalue"]}")
            .Concat(Outputs.Where(o => (string?)o["output_type"] == "stream" && (string?)o["name"] == "stderr")
                .SelectMany(o => NbconvertRun.Join(o["text"]).Split('\n'))
                .Where(line => line.Trim().Length > 0 && !line.StartsWith("LessonKit: ", StringComparison.Ordinal))
                .Select(line => "stderr: " + line));
}
