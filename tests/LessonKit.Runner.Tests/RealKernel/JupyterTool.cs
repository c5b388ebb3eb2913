using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LessonKit.Runner.Tests.RealKernel;

/// <summary>
/// Runs a notebook in the dotnet-interactive tool, as a learner's Jupyter does: <c>jupyter nbconvert --execute</c>
/// starts the tool through the <c>.net-csharp</c> kernelspec and sends it every cell (the same pattern as
/// LessonKit.Tests' <c>JupyterKernel</c>). <c>.ci/run</c> installs both.
/// </summary>
public static class JupyterTool
{
    public const string InstallHint =
        "Install the real kernel as .ci/run does: apt-get install jupyter-client jupyter-core python3-nbclient jupyter-nbconvert; " +
        "dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001; mkdir -p ~/.local/share/jupyter/kernels; " +
        "~/.dotnet/tools/dotnet-interactive jupyter install.";

    private static readonly string DotnetToolsFolder =
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    /// <summary>Executes the notebook (every cell, even after an error) and returns the executed notebook's JSON.</summary>
    public static JsonNode Execute(string notebookPath, string outputFolder, TimeSpan cellTimeout)
    {
        var path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (!path.Split(Path.PathSeparator).Contains(DotnetToolsFolder)) path += Path.PathSeparator + DotnetToolsFolder;
        var jupyter = Find("jupyter", path) ?? throw new Xunit.Sdk.XunitException($"'jupyter' is not on PATH. {InstallHint}");
        if (Find("dotnet-interactive", path) is null) throw new Xunit.Sdk.XunitException($"The dotnet-interactive tool is not installed. {InstallHint}");

        var start = new ProcessStartInfo(jupyter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(notebookPath)!,
        };
        foreach (var argument in new[]
        {
            "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.kernel_name=.net-csharp",
            $"--ExecutePreprocessor.timeout={(int)cellTimeout.TotalSeconds}", "--output-dir", outputFolder, notebookPath,
        })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PATH"] = path;

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(cellTimeout * 4))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"the real kernel ran longer than {cellTimeout * 4}:\n{stderr.Result}");
        }
        var written = Path.Combine(outputFolder, Path.GetFileName(notebookPath));
        if (process.ExitCode != 0 || !File.Exists(written))
        {
            throw new Xunit.Sdk.XunitException($"jupyter nbconvert exited with code {process.ExitCode}:\n{stdout.Result}{stderr.Result}");
        }
        return JsonNode.Parse(File.ReadAllText(written))!;
    }

    private static string? Find(string program, string path) =>
        path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries).Select(folder => Path.Combine(folder, program)).FirstOrDefault(File.Exists);
}
