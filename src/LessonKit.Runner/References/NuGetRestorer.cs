using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Security;
using System.Text;
using System.Text.Json;

namespace LessonKit.Runner.References;

/// <summary>
/// Restores a package the runner does not carry, for real: writes a throw-away project that references exactly
/// that version, runs <c>dotnet restore</c> against the configured feeds (the nearest <c>nuget.config</c> above the
/// notebook, else the user's), and reads the assemblies from <c>project.assets.json</c>.
/// </summary>
public sealed class NuGetRestorer(TimeSpan timeout)
{
    /// <summary>Restores <paramref name="id"/> <paramref name="version"/> as seen from <paramref name="notebookDirectory"/>.</summary>
    /// <exception cref="ReferenceException">The restore failed or took longer than the time limit.</exception>
    public RestoredPackage Restore(string id, string version, string notebookDirectory)
    {
        var work = Path.Combine(Path.GetTempPath(), "lessonkit-runner-restore", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(work);
        try
        {
            var project = Path.Combine(work, "restore.csproj");
            File.WriteAllText(project, ProjectText(id, version));

            var arguments = new List<string> { "restore", project, "--nologo" };
            if (FindNuGetConfig(notebookDirectory) is { } config)
            {
                arguments.Add("--configfile");
                arguments.Add(config);
            }
            var (exitCode, output) = RunDotnet(arguments, work);
            if (exitCode != 0)
            {
                var errors = output.Split('\n').Select(l => l.Trim()).Where(l => l.Contains("error", StringComparison.OrdinalIgnoreCase))
                    .Select(l => l.Replace(project, "").Trim(' ', '[', ']', ':')).Distinct().Take(5);
                throw new ReferenceException(
                    $"NuGet could not restore {id} {version}: {string.Join(" ", errors).Trim()} " +
                    "Check the package name and version (the notebook must pin one that exists on the configured feeds).");
            }
            return ReadAssets(Path.Combine(work, "obj", "project.assets.json"), id, version);
        }
        finally
        {
            try { Directory.Delete(work, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }

    /// <summary>The nearest nuget.config in <paramref name="directory"/> or a folder above it, or null.</summary>
    public static string? FindNuGetConfig(string directory)
    {
        for (var dir = new DirectoryInfo(directory); dir is not null; dir = dir.Parent)
        {
            if (!dir.Exists) continue;
            var config = dir.EnumerateFiles().FirstOrDefault(f => f.Name.Equals("nuget.config", StringComparison.OrdinalIgnoreCase));
            if (config is not null) return config.FullName;
        }
        return null;
    }

    private static string ProjectText(string id, string version)
    {
        var framework = $"net{Environment.Version.Major}.{Environment.Version.Minor}";
        return $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>{framework}</TargetFramework>
                <ImportDirectoryBuildProps>false</ImportDirectoryBuildProps>
                <ImportDirectoryBuildTargets>false</ImportDirectoryBuildTargets>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="{SecurityElement.Escape(id)}" Version="[{SecurityElement.Escape(version)}]" />
              </ItemGroup>
            </Project>
            """;
    }

    private (int ExitCode, string Output) RunDotnet(IReadOnlyList<string> arguments, string workingDirectory)
    {
        var start = new ProcessStartInfo(DotnetExecutable())
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";

        using var process = Process.Start(start)
            ?? throw new ReferenceException($"Could not start '{start.FileName}' to restore packages.");
        process.StandardInput.Close();
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            throw new ReferenceException(
                $"'dotnet restore' did not finish within {timeout.TotalSeconds:0} s. Are the package feeds reachable?");
        }
        process.WaitForExit();
        lock (output) return (process.ExitCode, output.ToString());
    }

    /// <summary>The dotnet host running this process (or the one the SDK named), else "dotnet" from PATH.</summary>
    private static string DotnetExecutable()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        var self = Environment.ProcessPath;
        if (self is not null && Path.GetFileNameWithoutExtension(self).Equals("dotnet", StringComparison.OrdinalIgnoreCase)) return self;
        return "dotnet";
    }

    private static RestoredPackage ReadAssets(string assetsPath, string id, string version)
    {
        if (!File.Exists(assetsPath))
        {
            throw new ReferenceException($"Restoring {id} {version} produced no project.assets.json ({assetsPath}).");
        }
        using var document = JsonDocument.Parse(File.ReadAllText(assetsPath));
        var root = document.RootElement;
        var packageFolders = root.GetProperty("packageFolders").EnumerateObject().Select(p => p.Name).ToList();
        var libraries = root.GetProperty("libraries");
        var target = root.GetProperty("targets").EnumerateObject().First().Value;
        var runtimeIds = RuntimeFallbacks();

        var assemblies = new List<string>();
        var nativeDirectories = new List<string>();
        foreach (var library in target.EnumerateObject())
        {
            if (!libraries.TryGetProperty(library.Name, out var info) || info.GetProperty("type").GetString() != "package") continue;
            var libraryPath = info.GetProperty("path").GetString()!;
            var folder = packageFolders.Select(f => Path.Combine(f, libraryPath)).FirstOrDefault(Directory.Exists);
            if (folder is null) continue;

            if (library.Value.TryGetProperty("runtime", out var runtime))
            {
                assemblies.AddRange(runtime.EnumerateObject()
                    .Where(a => a.Name.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
                    .Select(a => Path.GetFullPath(Path.Combine(folder, a.Name))));
            }
            if (library.Value.TryGetProperty("runtimeTargets", out var runtimeTargets))
            {
                nativeDirectories.AddRange(runtimeTargets.EnumerateObject()
                    .Where(a => a.Value.TryGetProperty("assetType", out var kind) && kind.GetString() == "native"
                        && a.Value.TryGetProperty("rid", out var rid) && runtimeIds.Contains(rid.GetString()))
                    .Select(a => Path.GetDirectoryName(Path.GetFullPath(Path.Combine(folder, a.Name)))!));
            }
        }
        return new RestoredPackage(assemblies, nativeDirectories.Distinct().ToList());
    }

    /// <summary>This machine's runtime identifier and its portable fallbacks (e.g. linux-x64, linux, unix, any).</summary>
    private static HashSet<string?> RuntimeFallbacks()
    {
        var os = OperatingSystem.IsWindows() ? "win" : OperatingSystem.IsMacOS() ? "osx" : "linux";
        var arch = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        var ids = new HashSet<string?> { RuntimeInformation.RuntimeIdentifier, $"{os}-{arch}", os, "any" };
        if (!OperatingSystem.IsWindows()) ids.Add("unix");
        return ids;
    }
}
