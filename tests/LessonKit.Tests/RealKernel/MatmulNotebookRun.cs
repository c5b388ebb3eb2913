using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Writes a small notebook and executes it in the real .NET Interactive kernel through Jupyter
/// (<c>jupyter nbconvert --to notebook --execute --allow-errors</c>, kernelspec <c>.net-csharp</c>), for
/// <see cref="MatmulInRealKernelTests"/>. Every cell runs even after one fails, as when a learner carries on.
/// </summary>
internal static class MatmulNotebookRun
{
    public const string InstallHint =
        "Install the real kernel as .ci/run does: apt-get install jupyter-client jupyter-core python3-nbclient jupyter-nbconvert; " +
        "dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001; mkdir -p ~/.local/share/jupyter/kernels; " +
        "~/.dotnet/tools/dotnet-interactive jupyter install.";

    /// <summary>Runs <paramref name="cells"/> (C# sources) and returns each code cell's outputs.</summary>
    public static IReadOnlyList<JsonArray> Execute(string folder, IReadOnlyList<string> cells, TimeSpan cellTimeout)
    {
        string tools = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");
        string path = (Environment.GetEnvironmentVariable("PATH") ?? "") + Path.PathSeparator + tools;
        string? Find(string program) => path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(f => Path.Combine(f, program)).FirstOrDefault(File.Exists);
        string jupyter = Find("jupyter") ?? throw new Xunit.Sdk.XunitException($"'jupyter' is not on PATH. {InstallHint}");
        if (Find("dotnet-interactive") is null)
        {
            throw new Xunit.Sdk.XunitException($"The dotnet-interactive tool is neither on PATH nor in {tools}. {InstallHint}");
        }

        string notebook = Path.Combine(folder, "matmul.ipynb");
        File.WriteAllText(notebook, Notebook(cells).ToJsonString());
        string outputFolder = Path.Combine(folder, "out");
        var start = new ProcessStartInfo(jupyter)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = folder,
        };
        foreach (var argument in new[]
                 {
                     "nbconvert", "--to", "notebook", "--execute", "--allow-errors", "--ExecutePreprocessor.kernel_name=.net-csharp",
                     $"--ExecutePreprocessor.timeout={(int)cellTimeout.TotalSeconds}", "--output-dir", outputFolder, notebook,
                 })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["PATH"] = path;
        start.Environment.Remove("LESSONKIT_NO_NATIVE_PATCH");

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(cellTimeout * (cells.Count + 1)))
        {
            process.Kill(entireProcessTree: true);
            throw new Xunit.Sdk.XunitException($"the real kernel did not finish the notebook in time:\n{stderr.Result}");
        }
        string written = Path.Combine(outputFolder, "matmul.ipynb");
        if (process.ExitCode != 0 || !File.Exists(written))
        {
            // A kernel that dies (SIGABRT) makes nbconvert fail with "Kernel died".
            throw new Xunit.Sdk.XunitException($"jupyter nbconvert exited with code {process.ExitCode}:\n{stdout.Result}\n{stderr.Result}");
        }
        return JsonNode.Parse(File.ReadAllText(written))!["cells"]!.AsArray()
            .Select(c => c!["outputs"]!.AsArray()).ToList();
    }

    /// <summary>The text of a notebook output field (a string or a list of lines).</summary>
    public static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        null => "",
        _ => (string?)node ?? "",
    };

    private static JsonObject Notebook(IReadOnlyList<string> cells) => new()
    {
        ["cells"] = new JsonArray(cells.Select(source => (JsonNode)new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } },
            ["outputs"] = new JsonArray(),
            ["source"] = source,
        }).ToArray()),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    };
}
