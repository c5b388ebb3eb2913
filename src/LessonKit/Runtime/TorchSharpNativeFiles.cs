using System.Reflection;

namespace LessonKit.Runtime;

/// <summary>
/// Finds every copy of TorchSharp's native library (<c>libLibTorchSharp.so</c>) that TorchSharp may load on Linux.
/// </summary>
/// <remarks>
/// TorchSharp first loads the library the normal .NET way (next to the app, or in the app's
/// <c>runtimes/linux-x64/native/</c>). When that fails, as in a .NET Interactive notebook, it copies the native
/// files from the NuGet package cache into a <c>cpu/</c> folder next to <c>TorchSharp.dll</c> (for a notebook:
/// <c>~/.nuget/packages/torchsharp/&lt;version&gt;/lib/net8.0/cpu/</c>) and loads them from there. It only copies
/// files that are not there yet, so both the package's own copy and any earlier copies must carry the fix.
/// Reading <c>typeof(torch).Assembly</c> does not run TorchSharp's static constructor, so this never loads
/// the native library itself.
/// </remarks>
internal static class TorchSharpNativeFiles
{
    /// <summary>The file name of TorchSharp's native library on Linux.</summary>
    public const string LibraryFileName = "libLibTorchSharp.so";

    /// <summary>The TorchSharp version LessonKit is built against, used when the assembly does not say.</summary>
    public const string FallbackPackageVersion = "0.107.0";

    private static readonly string NativeSubfolder = Path.Combine("runtimes", "linux-x64", "native");

    /// <summary>The TorchSharp package version, from the loaded TorchSharp assembly (e.g. <c>0.107.0</c>).</summary>
    public static string PackageVersion
    {
        get
        {
            var informational = TorchSharpAssembly()?.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            var version = informational?.Split('+')[0];
            return string.IsNullOrWhiteSpace(version) ? FallbackPackageVersion : version.ToLowerInvariant();
        }
    }

    /// <summary>The NuGet global packages folder: <c>$NUGET_PACKAGES</c>, else <c>~/.nuget/packages</c>.</summary>
    public static string? NuGetPackagesRoot()
    {
        var configured = Environment.GetEnvironmentVariable("NUGET_PACKAGES");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return Path.GetFullPath(configured);
        }
        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home) ? null : Path.Combine(home, ".nuget", "packages");
    }

    /// <summary>The folder <c>TorchSharp.dll</c> was loaded from, or null (e.g. in a single-file app).</summary>
    public static string? TorchSharpAssemblyFolder()
    {
        var location = TorchSharpAssembly()?.Location;
        return string.IsNullOrEmpty(location) ? null : Path.GetDirectoryName(location);
    }

    /// <summary>
    /// The TorchSharp assembly, or null when it cannot be loaded yet (e.g. a notebook that has not referenced the
    /// TorchSharp package when LessonKit is first used; the package cache is still searched then).
    /// </summary>
    public static Assembly? TorchSharpAssembly()
    {
        try
        {
            return LoadTorchSharpAssembly();
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            return null;
        }
    }

    // typeof(torch).Assembly loads TorchSharp.dll but does not run torch's static constructor (which would load the
    // native library). Kept apart so a missing TorchSharp.dll surfaces here, where it is caught.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static Assembly LoadTorchSharpAssembly() => typeof(TorchSharp.torch).Assembly;

    /// <summary>
    /// The folders to look in, in the order to patch them: the package cache first (TorchSharp copies from it),
    /// then the copies next to TorchSharp and next to the app.
    /// </summary>
    internal static IReadOnlyList<string> CandidateFolders(string? torchSharpFolder, string appBaseFolder,
        string? nuGetPackagesRoot, string packageVersion)
    {
        var folders = new List<string>();
        if (nuGetPackagesRoot is not null)
        {
            var package = Path.Combine(nuGetPackagesRoot, "torchsharp", packageVersion);
            folders.Add(Path.Combine(package, NativeSubfolder));
            folders.Add(Path.Combine(package, "lib", "net8.0", "cpu"));  // where notebooks load from
        }
        foreach (var folder in new[] { torchSharpFolder, appBaseFolder })
        {
            if (!string.IsNullOrEmpty(folder))
            {
                folders.Add(folder);
                folders.Add(Path.Combine(folder, NativeSubfolder));
                folders.Add(Path.Combine(folder, "cpu"));
            }
        }
        return folders.Select(f => Path.TrimEndingDirectorySeparator(Path.GetFullPath(f))).Distinct(StringComparer.Ordinal).ToArray();
    }

    /// <summary>
    /// The existing <c>libLibTorchSharp.so</c> files in <paramref name="folders"/>, each once (symbolic links are
    /// followed, so two paths to the same file count once), in the folders' order.
    /// </summary>
    internal static IReadOnlyList<string> ExistingLibraries(IEnumerable<string> folders)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in folders)
        {
            var path = Path.Combine(folder, LibraryFileName);
            if (!File.Exists(path))
            {
                continue;
            }
            string real;
            try
            {
                real = new FileInfo(path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? path;
            }
            catch (IOException)
            {
                real = path;
            }
            if (seen.Add(real))
            {
                files.Add(path);
            }
        }
        return files;
    }

    /// <summary>Every copy of <c>libLibTorchSharp.so</c> this process's TorchSharp may load.</summary>
    public static IReadOnlyList<string> FindForCurrentProcess() =>
        ExistingLibraries(CandidateFolders(TorchSharpAssemblyFolder(), AppContext.BaseDirectory, NuGetPackagesRoot(), PackageVersion));
}
