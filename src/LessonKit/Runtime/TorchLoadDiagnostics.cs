using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LessonKit.Runtime;

/// <summary>Everything known when TorchSharp failed to start, gathered so the explanation can be tested alone.</summary>
/// <param name="Failure">What TorchSharp threw.</param>
/// <param name="PatchStep">What the patch step found and did (null if it did not run).</param>
/// <param name="ProbeLoadError">The loader's own words when loading <c>libLibTorchSharp.so</c> by path (null if it loaded or was not tried).</param>
/// <param name="MappedFiles">The files mapped into the process.</param>
/// <param name="LoaderPathTorchFiles">Unversioned <c>libtorch*.so</c>/<c>libc10.so</c> files on the loader's search path outside TorchSharp's folders.</param>
/// <param name="LdLibraryPath">The process's <c>LD_LIBRARY_PATH</c>.</param>
/// <param name="Log">LessonKit's log so far.</param>
internal sealed record TorchLoadFacts(
    Exception Failure, GlibcxxMarkerFix.Result? PatchStep, string? ProbeLoadError, IReadOnlyList<string> MappedFiles,
    IReadOnlyList<string> LoaderPathTorchFiles, string? LdLibraryPath, IReadOnlyList<string> Log);

/// <summary>
/// Turns a failed TorchSharp start into an explanation that names the cause and what to do: a libstdc++ without
/// <c>GLIBCXX_3.4.32</c> that LessonKit could not patch around, or another libtorch (for example Debian's, pulled
/// in by <c>python3-torch</c>) loaded instead of the libtorch 2.10 TorchSharp needs.
/// </summary>
internal static class TorchLoadDiagnostics
{
    private const string RestartAdvice =
        "Then restart this process (in a notebook: restart the kernel): .NET does not retry a failed TorchSharp start.";

    /// <summary>Gathers the facts about the running process after <paramref name="failure"/>.</summary>
    public static TorchLoadFacts Gather(Exception failure, GlibcxxMarkerFix.Result? patchStep, IReadOnlyList<string> log)
    {
        var libraries = patchStep?.Libraries ?? [];
        return new TorchLoadFacts(failure, patchStep, ProbeLoad(libraries), ProcessMemoryMap.MappedFiles(),
            TorchFilesOnLoaderPath(Environment.GetEnvironmentVariable("LD_LIBRARY_PATH")),
            Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"), log);
    }

    /// <summary>Builds the explanation. <paramref name="owningPackage"/> maps a file to its Debian package (or null).</summary>
    public static string Explain(TorchLoadFacts facts, Func<string, string?> owningPackage)
    {
        string loaderText = string.Join("\n", ExceptionChain(facts.Failure).Select(e => e.Message).Append(facts.ProbeLoadError ?? ""));
        var text = new StringBuilder();

        var foreign = ForeignTorchLibraries(facts.MappedFiles);
        bool undefinedSymbol = loaderText.Contains("undefined symbol", StringComparison.Ordinal);
        var suspects = foreign.Count > 0 ? foreign : undefinedSymbol ? facts.LoaderPathTorchFiles : [];
        if (suspects.Count > 0)
        {
            ExplainForeignLibtorch(text, suspects, loaded: foreign.Count > 0, UndefinedSymbol(loaderText), facts.LdLibraryPath, owningPackage);
        }
        else if (NeedsGlibcxx(facts, loaderText))
        {
            ExplainMissingGlibcxx(text, facts, loaderText);
        }
        else
        {
            text.AppendLine($"TorchSharp could not start: {FirstLine(Innermost(facts.Failure).Message)}");
            if (facts.ProbeLoadError is not null)
            {
                text.AppendLine($"Loading TorchSharp's native library directly says: {facts.ProbeLoadError}");
            }
            if (undefinedSymbol)
            {
                text.AppendLine("An \"undefined symbol\" usually means another libtorch was found first; run with LD_DEBUG=libs to see which files the loader picks.");
            }
            text.AppendLine(RestartAdvice);
        }

        if (facts.Log.Count > 0)
        {
            text.AppendLine("What LessonKit checked:");
            foreach (var line in facts.Log)
            {
                text.AppendLine("  " + line);
            }
        }
        return text.ToString().TrimEnd();
    }

    /// <summary>
    /// The libtorch/c10 files mapped into the process that do not come from TorchSharp's own native folders (a
    /// folder holding <c>libLibTorchSharp.so</c>, or a <c>libtorch-cpu-*</c> NuGet package).
    /// </summary>
    internal static IReadOnlyList<string> ForeignTorchLibraries(IEnumerable<string> mappedFiles) =>
        mappedFiles.Where(IsTorchLibrary).Where(f => !IsTorchSharpFolder(Path.GetDirectoryName(f) ?? "")).ToArray();

    /// <summary>Unversioned libtorch names the loader can find on its search path, outside TorchSharp's folders.</summary>
    internal static IReadOnlyList<string> TorchFilesOnLoaderPath(string? ldLibraryPath)
    {
        var folders = (ldLibraryPath ?? "").Split([':', ';'], StringSplitOptions.RemoveEmptyEntries).Concat(LibStdCxxProbe.StandardFolders);
        return folders.Distinct()
            .Where(folder => !IsTorchSharpFolder(folder))
            .SelectMany(folder => new[] { "libtorch.so", "libtorch_cpu.so", "libc10.so" }.Select(name => Path.Combine(folder, name)))
            .Where(File.Exists)
            .ToArray();
    }

    /// <summary>Asks dpkg which Debian/Ubuntu package installed <paramref name="path"/> (null if none or no dpkg).</summary>
    internal static string? OwningDebianPackage(string path)
    {
        const string dpkgQuery = "/usr/bin/dpkg-query";
        if (!File.Exists(dpkgQuery))
        {
            return null;
        }
        // On merged-/usr systems a file may be registered under /lib or /usr/lib: try both spellings.
        var spellings = new List<string> { path };
        if (path.StartsWith("/usr/lib/", StringComparison.Ordinal)) spellings.Add(path["/usr".Length..]);
        else if (path.StartsWith("/lib/", StringComparison.Ordinal)) spellings.Add("/usr" + path);
        foreach (var spelling in spellings)
        {
            try
            {
                using var process = Process.Start(new ProcessStartInfo(dpkgQuery, ["-S", spelling])
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null) continue;
                var output = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                    continue;
                }
                // Output: "libtorch1.13:amd64: /usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13"
                var line = output.Result.Split('\n').FirstOrDefault(l => l.EndsWith(": " + spelling, StringComparison.Ordinal));
                if (process.ExitCode == 0 && line is not null)
                {
                    var package = line[..^(": " + spelling).Length].Split(',')[0].Trim();
                    int arch = package.IndexOf(':');
                    return arch > 0 ? package[..arch] : package;
                }
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                return null;
            }
        }
        return null;
    }

    private static void ExplainForeignLibtorch(StringBuilder text, IReadOnlyList<string> suspects, bool loaded,
        string? undefinedSymbol, string? ldLibraryPath, Func<string, string?> owningPackage)
    {
        text.AppendLine(
            $"TorchSharp could not start: another libtorch {(loaded ? "was loaded" : "is on the library search path")} instead of the libtorch 2.10 " +
            $"that TorchSharp {TorchSharpNativeFiles.FallbackPackageVersion} is built for, so TorchSharp's native code misses functions it needs" +
            (undefinedSymbol is null ? "." : $" (undefined symbol: {undefinedSymbol})."));
        text.AppendLine(loaded ? "The other libtorch, loaded in this process:" : "The other libtorch files the loader can find:");
        foreach (var file in suspects)
        {
            text.AppendLine("  " + file);
        }

        text.AppendLine("What to do:");
        var ldFolders = (ldLibraryPath ?? "").Split([':', ';'], StringSplitOptions.RemoveEmptyEntries)
            .Select(f => Path.TrimEndingDirectorySeparator(f)).ToHashSet();
        var packages = new List<string>();
        foreach (var folder in suspects.Select(f => Path.GetDirectoryName(f)!).Distinct())
        {
            if (ldFolders.Contains(folder))
            {
                text.AppendLine($"  - {folder} is in LD_LIBRARY_PATH, which the loader searches before TorchSharp's own folder: start dotnet / VS Code without it there.");
            }
        }
        foreach (var file in suspects)
        {
            // The loader looks for the unversioned name (libtorch_cpu.so); on Debian that link often comes from a
            // different package (libtorch-dev) than the versioned file it points at (libtorch1.13).
            string unversioned = UnversionedName(file);
            foreach (var candidate in new[] { unversioned, file }.Distinct())
            {
                if (owningPackage(candidate) is string package && !packages.Contains(package))
                {
                    packages.Add(package);
                    text.AppendLine($"  - {candidate} belongs to the Debian/Ubuntu package {package}.");
                }
            }
        }
        if (packages.Count > 0)
        {
            text.AppendLine($"  - Remove it: sudo apt remove {packages[0]}   (Debian's python3-torch brings a system-wide libtorch into /usr/lib; TorchSharp ships its own).");
        }
        else if (suspects.Any(f => !ldFolders.Contains(Path.GetDirectoryName(f)!)))
        {
            text.AppendLine("  - Remove or rename those files (they are in a system library folder, so every program finds them before TorchSharp's own copy).");
        }
        text.AppendLine("  - Or use the lesson's dev container (.devcontainer), which has no system-wide libtorch.");
        text.AppendLine(RestartAdvice);
    }

    private static void ExplainMissingGlibcxx(StringBuilder text, TorchLoadFacts facts, string loaderText)
    {
        var rule = VersionRequirementRule.IosBaseLibraryInitMarker;
        var step = facts.PatchStep;
        string newest = step?.LibStdCxx?.NewestGlibcxx ?? "an older version";
        string where = step?.LibStdCxx is { } lib ? $" ({lib.Path})" : "";
        text.AppendLine(
            $"TorchSharp could not start: its native library {TorchSharpNativeFiles.LibraryFileName} needs {rule.Version} (the C++ runtime of GCC 13), " +
            $"and the libstdc++ this process uses{where} stops at {newest}.");
        text.AppendLine(
            "TorchSharp only needs that version for std::ios_base_library_init, a link-time marker it never calls, so LessonKit marks the " +
            "requirement weak when it can. Here it could not:");

        var unpatched = step?.Files.Where(f => f.LeftUnpatched).ToList() ?? [];
        foreach (var file in unpatched)
        {
            text.AppendLine($"  - {file.Path}: {file.Detail}");
        }
        if (step is { Disabled: true })
        {
            text.AppendLine($"  - {GlibcxxMarkerFix.OptOutVariable} is set, so LessonKit patched nothing.");
        }
        var lookedAt = (step?.Libraries ?? []).Concat(step?.Files.Select(f => f.Path) ?? []).Select(Path.GetFullPath).ToHashSet();
        if (RequiredBy(loaderText) is string requiredBy && !lookedAt.Contains(Path.GetFullPath(requiredBy)))
        {
            text.AppendLine($"  - the loader complains about {requiredBy}, a copy LessonKit did not look at.");
        }

        text.AppendLine("What to do (any one):");
        foreach (var file in unpatched.Where(f => f.Error is UnauthorizedAccessException))
        {
            string folder = Path.GetDirectoryName(file.Path)!;
            text.AppendLine(
                $"  - Let LessonKit write there: make the folder writable for your user, e.g. chmod u+w '{folder}' '{file.Path}' " +
                $"(as their owner; or sudo chown \"$USER\" '{folder}' '{file.Path}'). LessonKit writes a patched copy next to the file and renames it over.");
        }
        if (step is { Disabled: true })
        {
            text.AppendLine($"  - Unset {GlibcxxMarkerFix.OptOutVariable} so LessonKit can patch it.");
        }
        text.AppendLine("  - Install the C++ runtime of GCC 13 or newer (libstdc++6 version 13+; on Ubuntu 22.04 it comes from the ubuntu-toolchain-r/test PPA).");
        text.AppendLine("  - Use Ubuntu 24.04 or the lesson's dev container (.devcontainer), where nothing needs patching.");
        text.AppendLine(RestartAdvice);
    }

    private static bool NeedsGlibcxx(TorchLoadFacts facts, string loaderText)
    {
        var version = VersionRequirementRule.IosBaseLibraryInitMarker.Version;
        bool loaderSaysSo = loaderText.Contains($"version `{version}' not found", StringComparison.Ordinal)
            && !loaderText.Contains($"weak version `{version}' not found", StringComparison.Ordinal);
        bool leftUnpatched = facts.PatchStep is { Needed: true } step && step.LeftUnpatched.Any();
        return loaderSaysSo || leftUnpatched;
    }

    // Loads the copy TorchSharp tries first, by path, to get the loader's own error message. TorchSharp looks next
    // to the app (where the build puts libtorch too), then in the cpu/ folder it fills next to TorchSharp.dll.
    private static string? ProbeLoad(IReadOnlyList<string> libraries)
    {
        var app = AppContext.BaseDirectory;
        var torchSharp = TorchSharpNativeFiles.TorchSharpAssemblyFolder();
        var inOrder = new List<string> { Path.Combine(app, "runtimes", "linux-x64", "native"), app };
        if (torchSharp is not null)
        {
            inOrder.AddRange([torchSharp, Path.Combine(torchSharp, "cpu")]);
        }
        var first = inOrder.Select(folder => Path.Combine(folder, TorchSharpNativeFiles.LibraryFileName))
            .Concat(libraries).FirstOrDefault(File.Exists);
        if (first is null)
        {
            return null;
        }
        try
        {
            NativeLibrary.Load(first);
            return null;
        }
        catch (Exception e) when (e is DllNotFoundException or BadImageFormatException)
        {
            return e.Message;
        }
    }

    private static bool IsTorchLibrary(string path)
    {
        string name = Path.GetFileName(path);
        return (name.StartsWith("libtorch", StringComparison.Ordinal) || name.StartsWith("libc10", StringComparison.Ordinal))
            && name.Contains(".so", StringComparison.Ordinal);
    }

    private static bool IsTorchSharpFolder(string folder) =>
        File.Exists(Path.Combine(folder, TorchSharpNativeFiles.LibraryFileName))
        || folder.Contains($"{Path.DirectorySeparatorChar}libtorch-cpu-", StringComparison.OrdinalIgnoreCase);

    // "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13" -> "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so"
    private static string UnversionedName(string path)
    {
        int so = path.LastIndexOf(".so", StringComparison.Ordinal);
        return so < 0 ? path : path[..(so + 3)];
    }

    // The loader says: "...: undefined symbol: _ZN3c10...".
    private static string? UndefinedSymbol(string text)
    {
        const string marker = "undefined symbol: ";
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = text[(at + marker.Length)..];
        int end = rest.IndexOfAny([' ', '\n', '\r', ',', ')']);
        return end < 0 ? rest : rest[..end];
    }

    // The loader says: "version `GLIBCXX_3.4.32' not found (required by /path/libLibTorchSharp.so)".
    private static string? RequiredBy(string text)
    {
        const string marker = "(required by ";
        int at = text.IndexOf(marker, StringComparison.Ordinal);
        if (at < 0) return null;
        var rest = text[(at + marker.Length)..];
        int end = rest.IndexOf(')');
        return end < 0 ? null : rest[..end];
    }

    private static IEnumerable<Exception> ExceptionChain(Exception e)
    {
        for (Exception? current = e; current is not null; current = current.InnerException)
        {
            yield return current;
        }
    }

    private static Exception Innermost(Exception e) => ExceptionChain(e).Last();

    private static string FirstLine(string text) => text.Split('\n')[0].Trim();
}
