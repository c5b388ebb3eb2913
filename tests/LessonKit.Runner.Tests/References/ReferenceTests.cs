using System.IO.Compression;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.References;

/// <summary>#r and #i, which the kernel itself handles: files relative to the notebook, and packages from a feed.</summary>
public class ReferenceTests
{
    [Fact]
    public async Task References_a_dll_relative_to_the_notebook_folder()
    {
        using var folder = new TempFolder();
        var dll = TinyAssembly.Compile("Tiny.Relative", "namespace Tiny; public static class Greeter { public static string Hello(string n) => $\"hello {n}\"; }");
        await File.WriteAllBytesAsync(folder.File("libs/Tiny.Relative.dll"), dll);
        var notebook = new NotebookText().Code("#r \"../libs/Tiny.Relative.dll\"\nTiny.Greeter.Hello(\"notebook\")");
        var path = notebook.WriteTo(folder.File("lessons/lesson.ipynb"));

        var result = await RunnerHost.InvokeAsync("run", path, "--out", folder.File("out"));

        Assert.Equal(0, result.ExitCode);
        var executed = LessonKit.Runner.Notebooks.Notebook.Load(folder.File("out/lesson.ipynb"));
        Assert.Equal("hello notebook", Assert.Single(executed.Outputs(1)).Text("text/plain"));
    }

    [Fact]
    public async Task A_missing_dll_fails_the_cell()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("#r \"bin/Missing.dll\"\nvar a = 1;");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("[1/1] cell 1 ... FAILED", result.Output);
        Assert.Contains("Missing.dll", result.Output);
        Assert.Equal("error", (string)executed.Outputs(1)[^1]!["output_type"]!);
    }

    [Fact]
    public async Task Restores_a_package_from_a_feed_the_cell_adds_with_i_and_shows_what_it_installed()
    {
        using var folder = new TempFolder();
        // A package name no other run has used, so the restore really happens (NuGet caches packages per user).
        var id = "LessonKit.RunnerTest." + Guid.NewGuid().ToString("N")[..12];
        var dll = TinyAssembly.Compile(id, "namespace Tiny; public static class Answer { public static int Value => 42; }");
        WritePackage(folder.File($"feed/{id}.1.2.3.nupkg"), id, "1.2.3", dll);
        var notebook = new NotebookText().Code($"#i \"nuget: {folder.File("feed")}\"\n#r \"nuget: {id}, 1.2.3\"\nTiny.Answer.Value.ToString()");
        try
        {
            var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

            Assert.Equal(0, result.ExitCode);
            var outputs = executed.Outputs(1);
            // The restore's progress display, updated in place to its final state (what VS Code shows).
            Assert.Equal(2, outputs.Count);
            Assert.Contains($"<li><span>{id}, 1.2.3</span></li>", outputs[0].Text("text/html"));
            Assert.Equal("42", outputs[1].Text("text/plain"));
        }
        finally
        {
            var cached = Path.Combine(Environment.GetEnvironmentVariable("NUGET_PACKAGES")
                ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"), id.ToLowerInvariant());
            if (Directory.Exists(cached)) Directory.Delete(cached, recursive: true);
        }
    }

    private static void WritePackage(string path, string id, string version, byte[] dll)
    {
        using var zip = ZipFile.Open(path, ZipArchiveMode.Create);
        using (var nuspec = new StreamWriter(zip.CreateEntry($"{id}.nuspec").Open()))
        {
            nuspec.Write($"""
                <?xml version="1.0" encoding="utf-8"?>
                <package xmlns="http://schemas.microsoft.com/packaging/2013/05/nuspec.xsd">
                  <metadata>
                    <id>{id}</id>
                    <version>{version}</version>
                    <authors>tests</authors>
                    <description>test package</description>
                  </metadata>
                </package>
                """);
        }
        using var entry = zip.CreateEntry($"lib/net10.0/{id}.dll").Open();
        entry.Write(dll);
    }
}
