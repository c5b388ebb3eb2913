using System.Diagnostics;
using System.IO.Compression;
using System.Xml.Linq;
using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.Surface;

/// <summary>
/// The NuGet package carries LessonKit.xml beside LessonKit.dll, so an instructor's IDE and the notebook kernel show
/// the doc comments as tooltips.
/// </summary>
public sealed class PackageDocumentationTests : IDisposable
{
    private readonly string _feed = Path.Combine(Path.GetTempPath(), "lk-pack-docs-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_feed)) Directory.Delete(_feed, recursive: true);
    }

    [Fact]
    public void The_package_holds_the_documentation_of_the_public_surface_beside_the_dll()
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = LessonRunner.FindRepositoryRoot() };
        foreach (string argument in new[] { "pack", "src/LessonKit/LessonKit.csproj", "-c", "Release", "--no-build", "-nologo", "-o", _feed })
            start.ArgumentList.Add(argument);
        var (exitCode, output) = LessonRunner.RunProcess(start, TimeSpan.FromMinutes(3));
        Assert.True(exitCode == 0, "dotnet pack failed:\n" + output);

        string package = Assert.Single(Directory.GetFiles(_feed, "LessonKit.*.nupkg"));
        using var archive = ZipFile.OpenRead(package);
        Assert.NotNull(archive.GetEntry("lib/net10.0/LessonKit.dll"));
        var xmlEntry = archive.GetEntry("lib/net10.0/LessonKit.xml");
        Assert.True(xmlEntry is not null, "The package has no lib/net10.0/LessonKit.xml: " + string.Join(", ", archive.Entries.Select(e => e.FullName)));

        using var stream = xmlEntry.Open();
        var members = XDocument.Load(stream).Descendants("member")
            .ToDictionary(m => (string)m.Attribute("name")!, m => m.Element("summary")?.Value.Trim() ?? "");
        Assert.Contains("T:LessonKit.HookedGpt2", members.Keys);
        Assert.StartsWith("Loads GPT-2 from a checkpoint directory",
            members.Single(m => m.Key.StartsWith("M:LessonKit.HookedGpt2.FromPretrained(", StringComparison.Ordinal)).Value);
        // Every public type has its summary in the file.
        var undocumented = typeof(HookedGpt2).Assembly.GetExportedTypes()
            .Select(type => "T:" + type.FullName!.Replace('+', '.'))
            .Where(id => !members.TryGetValue(id, out string? summary) || summary.Length == 0)
            .ToArray();
        Assert.True(undocumented.Length == 0, "Public types without a summary in LessonKit.xml: " + string.Join(", ", undocumented));
    }
}
