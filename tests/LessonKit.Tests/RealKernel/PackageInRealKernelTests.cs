using System.Diagnostics;
using LessonKit.Tests.Lessons;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// The NuGet package an instructor uses in any notebook (docs/authoring-lessons.md): packed from the build, added as
/// a local folder feed with <c>#i</c>, referenced with <c>#r "nuget:"</c> in the real kernel, and drawing a view.
/// </summary>
[Trait("Category", "Kernel")]
[Collection(LessonProcesses.Name)]
public sealed class PackageInRealKernelTests : IDisposable
{
    // A version of its own, so the kernel restores this build's package rather than one an earlier run cached.
    private readonly string _version = "0.1.0-test." + DateTime.UtcNow.ToString("yyyyMMddHHmmssfff");
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "lk-package-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
        string restored = Path.Combine(NuGetPackagesFolder, "lessonkit", _version);
        if (Directory.Exists(restored)) Directory.Delete(restored, recursive: true);
    }

    [Fact]
    public void A_notebook_that_references_the_package_loads_gpt2_and_draws_a_view()
    {
        string feed = Path.Combine(_scratch, "feed");
        Pack(feed);
        string notebook = NotebookFile.Write(Path.Combine(_scratch, "package.ipynb"),
            $"#i \"nuget: {feed}\"\n#r \"nuget: LessonKit, {_version}\"",
            "using LessonKit;\n" +
            "LessonKit.Runtime.TorchRuntime.EnsureReady();\n" +
            $"var model = HookedGpt2.FromPretrained(@\"{TinyGpt2.Directory}\");\n" +
            "var tokens = model.ToTokens(\"The cat sat on the mat\");\n" +
            "var (logits, cache) = model.RunWithCache(tokens);\n" +
            "Console.WriteLine(string.Join(\",\", logits.shape));",
            "Plots.HeadView(cache, model.ToStrTokens(tokens))");

        var executed = JupyterKernel.Execute(notebook, Path.Combine(_scratch, "out"), environment: null, TimeSpan.FromMinutes(5));

        Assert.Empty(executed.Problems());
        Assert.Contains("1,7,", executed.Cells[1].Texts("stdout").Single());
        Assert.Contains("text/html", executed.OutputKinds()[2]);
        Assert.Contains("lk-headview", executed.Cells[2].Html.Single());
    }

    private void Pack(string feed)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = LessonRunner.FindRepositoryRoot() };
        foreach (string argument in new[] { "pack", "src/LessonKit/LessonKit.csproj", "-c", "Release", "--no-build", "-nologo", "-o", feed, $"-p:Version={_version}" })
            start.ArgumentList.Add(argument);
        var (exitCode, output) = LessonRunner.RunProcess(start, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, "dotnet pack failed:\n" + output);
        Assert.True(File.Exists(Path.Combine(feed, $"LessonKit.{_version}.nupkg")), "dotnet pack wrote no package:\n" + output);
    }

    private static string NuGetPackagesFolder =>
        Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } folder
            ? folder
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
