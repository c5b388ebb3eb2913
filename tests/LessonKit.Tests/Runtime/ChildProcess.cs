using System.Diagnostics;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

/// <summary>The output of a child process run by <see cref="ChildProcess"/>.</summary>
internal sealed record ChildResult(int ExitCode, string Stdout, string Stderr)
{
    /// <summary>The value of a <c>RESULT key=value</c> line (null if absent).</summary>
    public string? Result(string key) =>
        Stdout.Split('\n').Select(l => l.TrimEnd('\r'))
            .Where(l => l.StartsWith($"RESULT {key}=", StringComparison.Ordinal))
            .Select(l => l[$"RESULT {key}=".Length..]).FirstOrDefault();

    /// <summary>The text between MESSAGE-BEGIN and MESSAGE-END.</summary>
    public string Message
    {
        get
        {
            int begin = Stdout.IndexOf("MESSAGE-BEGIN\n", StringComparison.Ordinal);
            int end = Stdout.IndexOf("MESSAGE-END", StringComparison.Ordinal);
            return begin < 0 || end < begin ? "" : Stdout[(begin + "MESSAGE-BEGIN\n".Length)..end];
        }
    }

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs <see cref="StartupHook"/> code in a fresh <c>dotnet</c> process, optionally from a private copy of the test
/// output folder whose <c>libLibTorchSharp.so</c> is in the pristine (unpatched) state, so the whole
/// patch-then-load path runs as on a learner's machine without touching the shared files.
/// </summary>
internal static class ChildProcess
{
    /// <summary>
    /// Makes <paramref name="folder"/> look like the test output folder: links to every file, except a real copy of
    /// the test assembly and its config, and a pristine copy of <c>libLibTorchSharp.so</c>.
    /// </summary>
    public static string CreateAppWithPristineLibrary(TempFolder folder)
    {
        string source = AppContext.BaseDirectory.TrimEnd('/');
        string app = Directory.CreateDirectory(folder.File("app")).FullName;
        string[] copied = ["LessonKit.Tests.dll", "LessonKit.Tests.deps.json", "LessonKit.Tests.runtimeconfig.json"];
        foreach (var entry in Directory.EnumerateFileSystemEntries(source))
        {
            var name = Path.GetFileName(entry);
            if (name is "runtimes" or "cpu")
            {
                continue;
            }
            if (copied.Contains(name))
            {
                File.Copy(entry, Path.Combine(app, name));
            }
            else
            {
                File.CreateSymbolicLink(Path.Combine(app, name), entry);
            }
        }
        string native = Directory.CreateDirectory(Path.Combine(app, "runtimes", "linux-x64", "native")).FullName;
        foreach (var file in Directory.EnumerateFiles(NativeTestFiles.TestNativeFolder))
        {
            if (Path.GetFileName(file) != TorchSharpNativeFiles.LibraryFileName)
            {
                File.CreateSymbolicLink(Path.Combine(native, Path.GetFileName(file)), file);
            }
        }
        var pristine = NativeTestFiles.PristineCopy(folder, "pristine.so");
        File.Copy(pristine, Path.Combine(native, TorchSharpNativeFiles.LibraryFileName));
        return app;
    }

    /// <summary>
    /// Lays out <paramref name="folder"/> like a notebook kernel sees TorchSharp: an app folder without TorchSharp
    /// (and without a deps.json, so nothing resolves it), and a NuGet package folder holding
    /// <c>torchsharp/&lt;version&gt;/lib/net8.0/TorchSharp.dll</c>, the package's pristine
    /// <c>runtimes/linux-x64/native/libLibTorchSharp.so</c>, and a <c>lib/net8.0/cpu/</c> folder as an earlier
    /// session left it (pristine <c>libLibTorchSharp.so</c> plus links to libtorch), so TorchSharp copies nothing.
    /// </summary>
    public static (string App, string NuGetRoot, string TorchSharpDll, string PackageLibrary, string CpuLibrary) CreateNotebookLayout(TempFolder folder)
    {
        string source = AppContext.BaseDirectory.TrimEnd('/');
        string app = Directory.CreateDirectory(folder.File("kernel")).FullName;
        foreach (var entry in Directory.EnumerateFileSystemEntries(source))
        {
            var name = Path.GetFileName(entry);
            if (name is "runtimes" or "cpu" or "TorchSharp.dll" or "LessonKit.Tests.deps.json")
            {
                continue;
            }
            if (name is "LessonKit.Tests.dll" or "LessonKit.Tests.runtimeconfig.json")
                File.Copy(entry, Path.Combine(app, name));
            else
                File.CreateSymbolicLink(Path.Combine(app, name), entry);
        }

        string root = Directory.CreateDirectory(folder.File("nuget")).FullName;
        string package = Path.Combine(root, "torchsharp", TorchSharpNativeFiles.PackageVersion);
        string lib = Directory.CreateDirectory(Path.Combine(package, "lib", "net8.0")).FullName;
        string torchSharpDll = Path.Combine(lib, "TorchSharp.dll");
        File.Copy(Path.Combine(source, "TorchSharp.dll"), torchSharpDll);
        string pristine = NativeTestFiles.PristineCopy(folder, "pristine.so");
        string packageNative = Directory.CreateDirectory(Path.Combine(package, "runtimes", "linux-x64", "native")).FullName;
        string packageLibrary = Path.Combine(packageNative, TorchSharpNativeFiles.LibraryFileName);
        File.Copy(pristine, packageLibrary);

        // libtorch's own package, and the consolidated cpu/ folder: links, so nothing big is copied.
        string libtorchVersion = LibtorchPackageVersion();
        string libtorchNative = Directory.CreateDirectory(Path.Combine(root, "libtorch-cpu-linux-x64", libtorchVersion, "runtimes", "linux-x64", "native")).FullName;
        string cpu = Directory.CreateDirectory(Path.Combine(lib, "cpu")).FullName;
        foreach (var file in Directory.EnumerateFiles(NativeTestFiles.TestNativeFolder))
        {
            if (Path.GetFileName(file) != TorchSharpNativeFiles.LibraryFileName)
            {
                File.CreateSymbolicLink(Path.Combine(libtorchNative, Path.GetFileName(file)), file);
                File.CreateSymbolicLink(Path.Combine(cpu, Path.GetFileName(file)), file);
            }
        }
        string cpuLibrary = Path.Combine(cpu, TorchSharpNativeFiles.LibraryFileName);
        File.Copy(pristine, cpuLibrary);
        return (app, root, torchSharpDll, packageLibrary, cpuLibrary);
    }

    // The libtorch-cpu-linux-x64 version TorchSharp looks for (the folder name in the real package cache).
    private static string LibtorchPackageVersion()
    {
        var real = TorchSharpNativeFiles.NuGetPackagesRoot() is string root ? Path.Combine(root, "libtorch-cpu-linux-x64") : null;
        return real is not null && Directory.Exists(real)
            ? Path.GetFileName(Directory.GetDirectories(real).OrderBy(d => d, StringComparer.Ordinal).Last())
            : "2.10.0";
    }

    /// <summary>Runs <c>dotnet exec</c> on the test assembly in <paramref name="appFolder"/> with the startup hook in <paramref name="mode"/>.</summary>
    /// <param name="appFolder">The folder holding the test assembly to run.</param>
    /// <param name="mode">What <see cref="StartupHook"/> does.</param>
    /// <param name="argument">An argument for the mode.</param>
    /// <param name="environment">Extra environment variables.</param>
    /// <param name="userName">Run as this user (the test process must be root), or null for the current user.</param>
    public static ChildResult Run(string appFolder, string mode, string? argument = null, IDictionary<string, string?>? environment = null,
        string? userName = null)
    {
        var assembly = Path.Combine(appFolder, "LessonKit.Tests.dll");
        var start = new ProcessStartInfo(DotnetHost(), ["exec", assembly])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (userName is not null)
        {
            start.UserName = userName;
        }
        foreach (var variable in new[] { "DOTNET_STARTUP_HOOKS", "LD_LIBRARY_PATH", "LD_PRELOAD", GlibcxxMarkerFix.OptOutVariable })
        {
            start.Environment.Remove(variable);
        }
        start.Environment["DOTNET_STARTUP_HOOKS"] = assembly;
        start.Environment[StartupHook.ModeVariable] = mode;
        start.Environment[StartupHook.ArgumentVariable] = argument;
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(120_000))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"the child process ({mode}) did not finish in 2 minutes");
        }
        return new ChildResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    private static string DotnetHost()
    {
        var fromSdk = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        if (!string.IsNullOrEmpty(fromSdk) && File.Exists(fromSdk))
        {
            return fromSdk;
        }
        var current = Environment.ProcessPath;
        return current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet" ? current : "dotnet";
    }
}
