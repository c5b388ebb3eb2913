using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel, as a learner's Jupyter or VS Code does: Jupyter's
/// <c>nbconvert --execute</c> starts the <c>dotnet-interactive</c> tool through the <c>.net-csharp</c> kernelspec and
/// sends it every cell. <c>.ci/run</c> installs both (see <see cref="InstallHint"/>). Both test projects compile this
/// file (tests/Shared/RealKernel).
/// </summary>
public static class JupyterKernel
{
    public const string KernelName = ".net-csharp";

    public const string InstallHint =
        "Install the real kernel as .ci/run does: apt-get install jupyter-client jupyter-core python3-nbclient jupyter-nbconvert; " +
        "dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001; mkdir -p ~/.local/share/jupyter/kernels; " +
        "~/.dotnet/tools/dotnet-interactive jupyter install.";

    /// <summary>Where <c>dotnet tool install -g</c> puts tools; the kernelspec's <c>dotnet interactive</c> needs it on PATH.</summary>
    private static readonly string DotnetToolsFolder =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>
    /// Executes <paramref name="notebookPath"/> (its folder is the kernel's working directory, so relative <c>#r</c>
    /// paths resolve as in VS Code) with the <paramref name="environment"/> changes (a null value removes a variable),
    /// and returns the executed notebook, which is written to <paramref name="outputFolder"/>. Every cell runs even after
    /// an error, so one run reports every failing cell. <paramref name="cellTimeout"/> is the limit per cell; the
    /// whole run may take four times that.
    /// </summary>
    public static ExecutedNotebook Execute(
        string notebookPath, string outputFolder, IReadOnlyDictionary<string, string?>? environment, TimeSpan cellTimeout)
    {
        string path = PathWithDotnetTools();
        string jupyter = Find("jupyter", path) ?? throw new Xunit.Sdk.XunitException($"'jupyter' is not on PATH. {InstallHint}");
        if (Find("dotnet-interactive", path) is null)
            throw new Xunit.Sdk.XunitException($"The dotnet-interactive tool is neither on PATH nor in {DotnetToolsFolder}. {InstallHint}");

        Directory.CreateDirectory(outputFolder);
        var start = new ProcessStartInfo(jupyter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(notebookPath))!,
        };
        foreach (string argument in new[]
        {
            "nbconvert", "--to", "notebook", "--execute", "--allow-errors",
            $"--ExecutePreprocessor.kernel_name={KernelName}",
            $"--ExecutePreprocessor.timeout={(int)cellTimeout.TotalSeconds}",
            "--output-dir", outputFolder, notebookPath,
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PATH"] = path;
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) start.Environment.Remove(name);
            else start.Environment[name] = value;
        }

        // The kernel takes the first free HTTP port of its kernelspec's --http-port-range; two kernels starting at the
        // same moment can pick the same one, and the loser dies at start. That, and only that, is tried again, after a
        // random pause so the two do not meet again.
        var (exitCode, log) = RunNbconvert(start, notebookPath, cellTimeout * 4);
        for (int retry = 0; retry < 3 && exitCode != 0 && log.Contains("address already in use", StringComparison.OrdinalIgnoreCase); retry++)
        {
            Thread.Sleep(TimeSpan.FromSeconds(Random.Shared.Next(2, 8)));
            (exitCode, log) = RunNbconvert(start, notebookPath, cellTimeout * 4);
        }

        string written = Path.Combine(outputFolder, Path.GetFileName(notebookPath));
        if (exitCode != 0 || !File.Exists(written))
        {
            string hint = log.Contains("No such kernel", StringComparison.Ordinal) || log.Contains("No module named", StringComparison.Ordinal)
                ? $"\n{InstallHint}" : "";
            throw new Xunit.Sdk.XunitException(
                $"{Path.GetFileName(notebookPath)}: jupyter nbconvert exited with code {exitCode} (a dead kernel or a cell past its time limit ends the run).{hint}\n{Tail(log)}");
        }
        return new ExecutedNotebook(Path.GetFileName(notebookPath), JsonNode.Parse(File.ReadAllText(written))!);
    }

    private static (int ExitCode, string Log) RunNbconvert(ProcessStartInfo start, string notebookPath, TimeSpan limit)
    {
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(limit))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"{Path.GetFileName(notebookPath)}: the real kernel ran longer than {limit}; Jupyter said:\n{Tail(stderr.Result)}");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static string PathWithDotnetTools()
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        return path.Split(Path.PathSeparator).Contains(DotnetToolsFolder) ? path : path + Path.PathSeparator + DotnetToolsFolder;
    }

    private static string? Find(string program, string path) =>
        path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);

    private static string Tail(string text, int lines = 40) => string.Join('\n', text.Split('\n').TakeLast(lines));
}
