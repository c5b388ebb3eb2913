using System.Diagnostics;
using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>One output of an executed cell: <c>stdout</c>, <c>stderr</c>, <c>error</c> or <c>result</c> (the text/plain of an execute_result or display_data).</summary>
internal sealed record KernelCellOutput(string Kind, string Text);

/// <summary>A cell of a notebook executed in the real kernel, with its outputs in order.</summary>
internal sealed record KernelCell(int Index, string Source, IReadOnlyList<KernelCellOutput> Outputs)
{
    public IEnumerable<string> Texts(string kind) => Outputs.Where(o => o.Kind == kind).Select(o => o.Text);

    public override string ToString() =>
        $"cell {Index}: {Source.Split('\n')[0]}\n" + string.Join("\n", Outputs.Select(o => $"  [{o.Kind}] {o.Text.Trim()}"));
}

/// <summary>
/// Runs a notebook in the real .NET Interactive kernel (kernelspec <c>.net-csharp</c>) through Jupyter, as
/// <c>jupyter nbconvert --to notebook --execute</c> in a child process, and reads back every cell's outputs.
/// </summary>
internal static class JupyterKernelRun
{
    public const string KernelName = ".net-csharp";

    private static readonly string DotnetTools = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");

    private const string HowToInstall =
        "The real-kernel tests need Jupyter and the .NET Interactive kernel (.ci/run installs both). Install them with:\n" +
        "  sudo apt-get install jupyter-nbconvert python3-nbclient jupyter-client jupyter-core\n" +
        "  dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001\n" +
        "  export PATH=\"$PATH:$HOME/.dotnet/tools\"\n" +
        "  mkdir -p ~/.local/share/jupyter/kernels && dotnet-interactive jupyter install";

    /// <summary>A notebook in the lessons' format (kernelspec and per-cell kernel name as VS Code writes them).</summary>
    public static JsonObject Notebook(params string[] cells) => new()
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
            ["kernelspec"] = new JsonObject { ["name"] = KernelName, ["display_name"] = ".NET (C#)", ["language"] = "C#" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    };

    /// <summary>
    /// Writes <paramref name="notebook"/> into <paramref name="folder"/>, runs every cell in the real kernel (a cell
    /// that fails does not stop the run) and returns the executed cells. Fails the test, saying how to install them,
    /// when Jupyter or the kernel is missing.
    /// </summary>
    public static IReadOnlyList<KernelCell> Run(JsonObject notebook, string folder, TimeSpan timeout)
    {
        string path = Path.Combine(folder, "notebook.ipynb");
        File.WriteAllText(path, notebook.ToJsonString());
        string output = Path.Combine(folder, "out");
        var (exitCode, text) = RunTool("jupyter", ["nbconvert", "--to", "notebook", "--execute",
            $"--ExecutePreprocessor.kernel_name={KernelName}", $"--ExecutePreprocessor.timeout={(int)timeout.TotalSeconds}",
            "--ExecutePreprocessor.allow_errors=True", "--output-dir", output, path], folder, timeout + TimeSpan.FromMinutes(2));
        Assert.True(exitCode == 0, $"jupyter nbconvert failed (exit {exitCode}):\n{text}");
        return ReadCells(JsonNode.Parse(File.ReadAllText(Path.Combine(output, "notebook.ipynb")))!);
    }

    private static IReadOnlyList<KernelCell> ReadCells(JsonNode executed) =>
        executed["cells"]!.AsArray().Select((cell, index) => new KernelCell(index, Text(cell!["source"]),
            cell["outputs"]!.AsArray().Select(o => ReadOutput(o!)).ToList())).ToList();

    private static KernelCellOutput ReadOutput(JsonNode output) => (string?)output["output_type"] switch
    {
        "stream" => new KernelCellOutput((string)output["name"]!, Text(output["text"])),
        "error" => new KernelCellOutput("error", $"{output["ename"]}: {output["evalue"]}"),
        _ => new KernelCellOutput("result", Text(output["data"]?["text/plain"])),
    };

    // nbformat stores multi-line text either as a string or as a list of lines.
    private static string Text(JsonNode? node) => node switch
    {
        null => "",
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        _ => (string?)node ?? "",
    };

    private static (int ExitCode, string Output) RunTool(string tool, string[] arguments, string folder, TimeSpan timeout)
    {
        string path = Environment.GetEnvironmentVariable("PATH") ?? "";
        if (Directory.Exists(DotnetTools) && !path.Split(Path.PathSeparator).Contains(DotnetTools))
        {
            path += Path.PathSeparator + DotnetTools; // where `dotnet tool install -g` puts dotnet-interactive
        }
        RequireTools(path);
        var start = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["PATH"] = path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"'{tool} {string.Join(' ', arguments)}' ran longer than {timeout}.");
        }
        return (process.ExitCode, stdout.Result + stderr.Result);
    }

    private static void RequireTools(string path)
    {
        string? Find(string name) => path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(folder => Path.Combine(folder, name)).FirstOrDefault(File.Exists);
        var missing = new List<string>();
        if (Find("jupyter") is null) missing.Add("jupyter is not on PATH");
        if (Find("dotnet-interactive") is null) missing.Add("dotnet-interactive is neither on PATH nor in ~/.dotnet/tools");
        if (missing.Count == 0 && !KernelSpecInstalled(path)) missing.Add($"Jupyter has no kernelspec '{KernelName}'");
        Assert.True(missing.Count == 0, $"{string.Join("; ", missing)}.\n{HowToInstall}");
    }

    private static bool KernelSpecInstalled(string path)
    {
        var start = new ProcessStartInfo("jupyter") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string argument in new[] { "kernelspec", "list", "--json" }) start.ArgumentList.Add(argument);
        start.Environment["PATH"] = path;
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        _ = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(1)))
        {
            process.Kill(entireProcessTree: true);
            return false;
        }
        return process.ExitCode == 0 && JsonNode.Parse(stdout.Result)?["kernelspecs"]?[KernelName] is not null;
    }
}
