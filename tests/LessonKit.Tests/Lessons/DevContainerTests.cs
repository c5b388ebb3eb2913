using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Lessons;

public class DevContainerConfigTests
{
    private static readonly string Root = LessonRunner.FindRepositoryRoot();

    private static JsonNode Config() => JsonNode.Parse(File.ReadAllText(Path.Combine(Root, ".devcontainer", "devcontainer.json")),
        documentOptions: new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true })!;

    [Fact]
    public void The_container_is_ubuntu_24_04_with_dotnet_10_the_notebook_extensions_and_8_gb()
    {
        var config = Config();
        Assert.Equal("mcr.microsoft.com/devcontainers/dotnet:10.0-noble", (string?)config["image"]);
        var extensions = config["customizations"]!["vscode"]!["extensions"]!.AsArray().Select(e => (string?)e).ToArray();
        Assert.Contains("ms-dotnettools.dotnet-interactive-vscode", extensions);
        Assert.Contains("ms-toolsai.jupyter", extensions);
        Assert.Contains("ms-dotnettools.csdevkit", extensions);
        Assert.Equal("8gb", (string?)config["hostRequirements"]!["memory"]);
    }

    [Fact]
    public void Post_create_runs_a_script_that_exists_and_warms_gpt2_with_a_file_that_exists()
    {
        string command = (string?)Config()["postCreateCommand"] ?? "";
        Assert.Equal("bash .devcontainer/post-create.sh", command);
        string script = File.ReadAllText(Path.Combine(Root, ".devcontainer", "post-create.sh"));
        Assert.Contains("-c Release", script);
        Assert.Contains(".devcontainer/warm-gpt2.cs", script);
        Assert.True(File.Exists(Path.Combine(Root, ".devcontainer", "warm-gpt2.cs")));
        Assert.Contains("HookedGpt2.FromPretrained(\"gpt2\")", File.ReadAllText(Path.Combine(Root, ".devcontainer", "warm-gpt2.cs")));
    }
}

/// <summary>The dev container's creation script, run for real: it builds, and a download that fails does not fail it.</summary>
[Trait("Category", "Lessons")]
[Collection(LessonProcesses.Name)]
public sealed class DevContainerScriptTests : IDisposable
{
    private static readonly string Root = LessonRunner.FindRepositoryRoot();
    private readonly string _hfHome = Path.Combine(Path.GetTempPath(), "lk-hf-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_hfHome)) Directory.Delete(_hfHome, recursive: true);
    }

    private (int ExitCode, string Output) Run(string file, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        start.Environment.Remove("LESSONKIT_MODEL_OVERRIDE");
        start.Environment["HF_HOME"] = _hfHome;                   // an empty cache, so the download is really attempted
        start.Environment.Remove("HF_HUB_CACHE");
        start.Environment["HF_ENDPOINT"] = "http://127.0.0.1:9";  // nothing listens there: the download fails at once, offline
        return LessonRunner.RunProcess(start, TimeSpan.FromMinutes(10));
    }

    [Fact]
    public void Post_create_builds_and_a_failed_download_only_prints_how_to_retry()
    {
        var (exitCode, output) = Run("bash", ".devcontainer/post-create.sh");
        Assert.True(exitCode == 0, output);
        Assert.Contains("Could not load GPT-2 small", output);
        Assert.Contains("To retry now: dotnet run --file .devcontainer/warm-gpt2.cs", output);
        Assert.DoesNotContain("   at ", output); // a message, not a stack trace
        Assert.True(File.Exists(Path.Combine(Root, "src", "LessonKit", "bin", "Release", "net10.0", "LessonKit.dll")));
    }

    [Fact]
    public void The_warm_up_program_loads_and_runs_the_model()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = Root };
        foreach (string argument in new[] { "run", "--file", ".devcontainer/warm-gpt2.cs" }) start.ArgumentList.Add(argument);
        start.Environment["LESSONKIT_MODEL_OVERRIDE"] = TinyGpt2.Directory;
        var (exitCode, output) = LessonRunner.RunProcess(start, TimeSpan.FromMinutes(10));
        Assert.True(exitCode == 0, output);
        Assert.Contains("Test: \"The cat sat on the", output);
    }
}
