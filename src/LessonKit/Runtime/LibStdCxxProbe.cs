using System.Diagnostics;

namespace LessonKit.Runtime;

/// <summary>The C++ runtime library a process uses and the symbol versions it provides.</summary>
/// <param name="Path">The file, e.g. <c>/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30</c>.</param>
/// <param name="FoundBy">How it was found, for the log (e.g. "already loaded in this process").</param>
/// <param name="Versions">The versions its <c>.gnu.version_d</c> defines (<c>GLIBCXX_3.4</c> ... , <c>CXXABI_1.3</c> ...).</param>
internal sealed record LibStdCxxInfo(string Path, string FoundBy, IReadOnlyList<string> Versions)
{
    /// <summary>True when the library defines <paramref name="version"/>, e.g. <c>GLIBCXX_3.4.32</c>.</summary>
    public bool Defines(string version) => Versions.Contains(version, StringComparer.Ordinal);

    /// <summary>The newest <c>GLIBCXX_</c> version it defines, e.g. <c>GLIBCXX_3.4.30</c> (null if none).</summary>
    public string? NewestGlibcxx =>
        Versions.Where(v => v.StartsWith(LibStdCxxProbe.GlibcxxPrefix, StringComparison.Ordinal))
            .OrderBy(v => v, Comparer<string>.Create(LibStdCxxProbe.CompareGlibcxx))
            .LastOrDefault();
}

/// <summary>
/// Finds the <c>libstdc++.so.6</c> the current process uses, the way the dynamic loader would, and reads the
/// <c>GLIBCXX_*</c> versions it defines. A .NET process on Linux has normally loaded libstdc++ already (the
/// runtime itself uses it), and the loader reuses a loaded library by name, so the memory map is asked first.
/// </summary>
internal static class LibStdCxxProbe
{
    /// <summary>The name every C++ library asks the loader for.</summary>
    public const string SoName = "libstdc++.so.6";

    public const string GlibcxxPrefix = "GLIBCXX_";

    /// <summary>The loader's default folders on x86-64 Linux (Debian/Ubuntu multiarch first, then Fedora/Arch).</summary>
    public static readonly IReadOnlyList<string> StandardFolders =
        ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib64", "/usr/lib64", "/lib", "/usr/lib"];

    /// <summary>
    /// The libstdc++ this process uses, or <c>null</c> (with <paramref name="problem"/> saying why) if it cannot be
    /// found or read.
    /// </summary>
    public static LibStdCxxInfo? FindForCurrentProcess(out string? problem)
    {
        var located = Locate(ProcessMemoryMap.MappedFiles(), Environment.GetEnvironmentVariable("LD_LIBRARY_PATH"),
            RunLdconfig, File.Exists);
        if (located is not (string path, string foundBy))
        {
            problem = $"could not find {SoName}: it is not loaded in this process, not in LD_LIBRARY_PATH, not in 'ldconfig -p' and not in {string.Join(", ", StandardFolders)}";
            return null;
        }
        try
        {
            problem = null;
            return Read(path, foundBy);
        }
        catch (Exception e) when (e is ElfFormatException or IOException or UnauthorizedAccessException)
        {
            problem = $"could not read {path}: {e.Message}";
            return null;
        }
    }

    /// <summary>Reads the versions a libstdc++ file defines.</summary>
    /// <exception cref="ElfFormatException">The file is not a readable 64-bit ELF library.</exception>
    public static LibStdCxxInfo Read(string path, string foundBy) =>
        new(path, foundBy, ElfDynamicTables.ReadVersionDefinitions(ElfImage.Load(path)));

    /// <summary>
    /// Applies the loader's order: a libstdc++ already mapped into the process wins; otherwise
    /// <c>LD_LIBRARY_PATH</c>, then the loader cache (<c>ldconfig -p</c>), then the default folders.
    /// </summary>
    internal static (string Path, string FoundBy)? Locate(IEnumerable<string> mappedFiles, string? ldLibraryPath,
        Func<string?> ldconfigOutput, Func<string, bool> fileExists)
    {
        var mapped = mappedFiles.FirstOrDefault(f => Path.GetFileName(f).StartsWith(SoName, StringComparison.Ordinal));
        if (mapped is not null)
        {
            return (mapped, "already loaded in this process");
        }
        foreach (var folder in (ldLibraryPath ?? "").Split([':', ';'], StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(folder, SoName);
            if (fileExists(candidate))
            {
                return (candidate, "from LD_LIBRARY_PATH");
            }
        }
        if (ldconfigOutput() is string output && ParseLdconfig(output, SoName) is string cached)
        {
            return (cached, "from the loader cache (ldconfig -p)");
        }
        foreach (var folder in StandardFolders)
        {
            var candidate = Path.Combine(folder, SoName);
            if (fileExists(candidate))
            {
                return (candidate, $"from the default folder {folder}");
            }
        }
        return null;
    }

    /// <summary>
    /// Finds the x86-64 entry for <paramref name="soName"/> in <c>ldconfig -p</c> output, whose lines look like
    /// <c>	libstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6</c>.
    /// </summary>
    internal static string? ParseLdconfig(string output, string soName)
    {
        foreach (var rawLine in output.Split('\n'))
        {
            var line = rawLine.Trim();
            int arrow = line.IndexOf(" => ", StringComparison.Ordinal);
            if (arrow < 0 || !line.StartsWith(soName + " ", StringComparison.Ordinal) || !line[..arrow].Contains("x86-64", StringComparison.Ordinal))
            {
                continue;
            }
            return line[(arrow + 4)..].Trim();
        }
        return null;
    }

    /// <summary>Orders <c>GLIBCXX_3.4.9</c> before <c>GLIBCXX_3.4.30</c> (numerically, part by part).</summary>
    public static int CompareGlibcxx(string a, string b)
    {
        int[] Parts(string v) => v[(v.IndexOf('_') + 1)..].Split('.').Select(p => int.TryParse(p, out var n) ? n : -1).ToArray();
        var (x, y) = (Parts(a), Parts(b));
        for (int i = 0; i < Math.Max(x.Length, y.Length); i++)
        {
            int c = (i < x.Length ? x[i] : -1).CompareTo(i < y.Length ? y[i] : -1);
            if (c != 0)
            {
                return c;
            }
        }
        return 0;
    }

    private static string? RunLdconfig()
    {
        // ldconfig lives in /sbin on most systems, which is not on a normal user's PATH on Debian.
        foreach (var program in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig", "ldconfig" })
        {
            if (program.StartsWith('/') && !File.Exists(program))
            {
                continue;
            }
            try
            {
                using var process = Process.Start(new ProcessStartInfo(program, "-p")
                {
                    RedirectStandardOutput = true,
                    RedirectStandardError = true,
                    UseShellExecute = false,
                });
                if (process is null)
                {
                    continue;
                }
                var output = process.StandardOutput.ReadToEndAsync();
                _ = process.StandardError.ReadToEndAsync();  // drain it so ldconfig never blocks on a full pipe
                if (!process.WaitForExit(5000))
                {
                    process.Kill();
                    continue;
                }
                return output.Result;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException or IOException)
            {
                // not there or not runnable: try the next one
            }
        }
        return null;
    }
}
