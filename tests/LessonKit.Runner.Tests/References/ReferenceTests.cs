using System.Diagnostics;
using System.IO.Compression;
using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.References;

/// <summary>#r directives: files relative to the notebook, packages the runner carries, and packages it restores.</summary>
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
    public async Task Reports_a_missing_dll_with_where_it_looked()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("var a = 1;\n#r \"bin/Missing.dll\"");

        var (result, _) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"cell 1, line 2: #r \"bin/Missing.dll\": no such file (looked at {Path.Combine(folder.Path, "bin", "Missing.dll")})", result.Output);
    }

    [Fact]
    public async Task Maps_a_dll_the_runner_already_has_onto_its_loaded_copy()
    {
        using var folder = new TempFolder();
        // A copy of Markdig.dll beside the notebook, as a lesson would reference a build output.
        File.Copy(typeof(Markdig.Markdown).Assembly.Location, folder.File("Markdig.dll"));
        var notebook = new NotebookText().Code(
            "#r \"Markdig.dll\"\n" +
            "System.Runtime.Loader.AssemblyLoadContext.GetLoadContext(typeof(Markdig.Markdown).Assembly) == System.Runtime.Loader.AssemblyLoadContext.Default " +
            "&& typeof(Markdig.Markdown).Assembly.Location != System.IO.Path.Combine(Environment.CurrentDirectory, \"Markdig.dll\")");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("True", Assert.Single(executed.Outputs(1)).Text("text/plain"));
    }

    [Fact]
    public async Task Satisfies_a_carried_package_with_the_runners_own_assemblies()
    {
        using var folder = new TempFolder();
        // No nuget.config with feeds here: a restore would fail, so success proves no restore happened.
        await File.WriteAllTextAsync(folder.File("nuget.config"), EmptyFeedConfig(folder));
        var notebook = new NotebookText().Code(
            "#r \"nuget: Markdig, 1.6.0\"\n" +
            "typeof(Markdig.Markdown).Assembly == System.AppDomain.CurrentDomain.GetAssemblies().First(a => a.GetName().Name == \"Markdig\") ? Markdig.Markdown.ToHtml(\"*hi*\") : \"second copy\"");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("<p><em>hi</em></p>\n", Assert.Single(executed.Outputs(1)).Text("text/plain"));
    }

    [Fact]
    public async Task Refuses_another_version_of_a_carried_package()
    {
        using var folder = new TempFolder();
        var notebook = new NotebookText().Code("#r \"nuget: Markdig, 0.30.0\"");

        var (result, _) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cell 1, line 1: #r \"nuget: Markdig, 0.30.0\" asks for Markdig 0.30.0, but the runner carries Markdig 1.6.0", result.Output);
        Assert.Contains("Pin 1.6.0", result.Output);
    }

    [Fact]
    public async Task Fails_fast_and_clearly_for_a_package_no_feed_has()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("nuget.config"), EmptyFeedConfig(folder));
        var notebook = new NotebookText().Code("#r \"nuget: LessonKit.NoSuchPackage.Zq7, 1.0.0\"\n1");
        var clock = Stopwatch.StartNew();

        var (result, _) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("cell 1, line 1: NuGet could not restore LessonKit.NoSuchPackage.Zq7 1.0.0", result.Output);
        Assert.Contains("NU1101", result.Output);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task Restores_a_package_the_runner_does_not_carry_from_the_configured_feed()
    {
        using var folder = new TempFolder();
        await File.WriteAllTextAsync(folder.File("nuget.config"), EmptyFeedConfig(folder));
        var dll = TinyAssembly.Compile("Tiny.Packaged", "namespace Tiny; public static class Answer { public static int Value => 42; }");
        WritePackage(folder.File("feed/Tiny.Packaged.1.2.3.nupkg"), "Tiny.Packaged", "1.2.3", dll);
        var notebook = new NotebookText().Code("#r \"nuget: Tiny.Packaged, 1.2.3\"\nTiny.Answer.Value");

        var (result, executed) = await RunnerHost.RunAsync(folder, notebook);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("42", Assert.Single(executed.Outputs(1)).Text("text/plain"));
    }

    /// <summary>A nuget.config whose only feed is the (possibly empty) local folder "feed", with its own package cache.</summary>
    private static string EmptyFeedConfig(TempFolder folder)
    {
        Directory.CreateDirectory(folder.File("feed/"));
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <config>
                <add key="globalPackagesFolder" value="{folder.File("packages")}" />
              </config>
              <packageSources>
                <clear />
                <add key="local" value="{folder.File("feed")}" />
              </packageSources>
              <fallbackPackageFolders>
                <clear />
              </fallbackPackageFolders>
            </configuration>
            """;
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
