using System.Reflection;
using System.Runtime.Loader;

namespace LessonKit.Runner.References;

/// <summary>
/// The assemblies the runner itself can load: its trusted platform assemblies (the .NET framework, LessonKit and
/// every package the runner was built with) and whatever is already loaded. A notebook reference to one of these
/// is mapped onto the runner's copy, so one assembly is never loaded twice.
/// </summary>
public sealed class HostAssemblies
{
    private readonly Dictionary<string, string> _pathsByFileName = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Reads the running process's trusted platform assemblies.</summary>
    public HostAssemblies()
    {
        var tpa = AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") as string ?? "";
        foreach (var path in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            _pathsByFileName.TryAdd(Path.GetFileName(path), path);
        }
    }

    /// <summary>The path of the runner's copy of an assembly, by file name (e.g. "TorchSharp.dll"), or null.</summary>
    public string? FindByFileName(string fileName) =>
        _pathsByFileName.TryGetValue(fileName, out var path) ? path : null;

    /// <summary>
    /// The runner's own copy of the assembly with this simple name (from the loaded assemblies or the trusted
    /// platform list), or null.
    /// </summary>
    public string? FindByName(string simpleName)
    {
        var loaded = AssemblyLoadContext.Default.Assemblies
            .FirstOrDefault(a => !a.IsDynamic && a.Location.Length > 0
                && string.Equals(a.GetName().Name, simpleName, StringComparison.OrdinalIgnoreCase));
        return loaded?.Location ?? FindByFileName(simpleName + ".dll");
    }

    /// <summary>
    /// Loads a host assembly into the default load context before a script references it, so the script binds to
    /// that one copy instead of loading the file again.
    /// </summary>
    public static void EnsureLoaded(string path)
    {
        try
        {
            var name = AssemblyName.GetAssemblyName(path);
            AssemblyLoadContext.Default.LoadFromAssemblyName(name);
        }
        catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
        {
            // Not loadable on its own (e.g. a reference assembly); Roslyn will report what is missing.
        }
    }
}
