using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace LessonKit.Runner.References;

/// <summary>
/// Lets assemblies from restored packages find their native libraries (which NuGet keeps under
/// <c>runtimes/&lt;rid&gt;/native/</c> in the package folder, not next to the assembly).
/// </summary>
public static class NativeLibraryDirectories
{
    private static readonly List<string> Directories = [];
    private static readonly HashSet<AssemblyLoadContext> Hooked = [];
    private static bool _listening;

    /// <summary>Adds folders to search when a native library is not found the usual way.</summary>
    public static void Add(IEnumerable<string> directories)
    {
        lock (Directories)
        {
            foreach (var directory in directories)
            {
                if (!Directories.Contains(directory)) Directories.Add(directory);
            }
            if (_listening) return;
            _listening = true;
        }
        Hook(AssemblyLoadContext.Default);
        // Roslyn may load script references into load contexts of its own: hook each one as it appears.
        AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
        {
            if (AssemblyLoadContext.GetLoadContext(e.LoadedAssembly) is { } context) Hook(context);
        };
    }

    private static void Hook(AssemblyLoadContext context)
    {
        lock (Directories)
        {
            if (!Hooked.Add(context)) return;
        }
        context.ResolvingUnmanagedDll += Resolve;
    }

    private static IntPtr Resolve(Assembly assembly, string name)
    {
        string[] directories;
        lock (Directories) directories = [.. Directories];
        foreach (var directory in directories)
        {
            foreach (var candidate in new[] { name, $"lib{name}.so", $"{name}.so", $"lib{name}.dylib", $"{name}.dll" })
            {
                var path = Path.Combine(directory, candidate);
                if (File.Exists(path) && NativeLibrary.TryLoad(path, out var handle)) return handle;
            }
        }
        return IntPtr.Zero;
    }
}
