using System.Text.Json;

namespace LessonKit.Runner.References;

/// <summary>
/// The NuGet packages the runner was built with, read from its <c>.deps.json</c>: a notebook's
/// <c>#r "nuget: Name, Version"</c> for one of these is satisfied by the runner's own copy (already loadable),
/// with no restore.
/// </summary>
public sealed class CarriedPackages
{
    private readonly Dictionary<string, Package> _packages = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>One package: its version, the runtime assembly file names it ships, and the packages it depends on.</summary>
    public sealed record Package(string Id, string Version, IReadOnlyList<string> AssemblyFileNames, IReadOnlyList<string> Dependencies);

    /// <summary>Reads the deps files of the running application (<c>APP_CONTEXT_DEPS_FILES</c>).</summary>
    public static CarriedPackages FromRunningApplication()
    {
        // The host separates deps files with ';' on every OS (unlike the trusted platform assembly list).
        var files = (AppContext.GetData("APP_CONTEXT_DEPS_FILES") as string ?? "")
            .Split(';', StringSplitOptions.RemoveEmptyEntries);
        var carried = new CarriedPackages();
        foreach (var file in files.Where(File.Exists))
        {
            using var document = JsonDocument.Parse(File.ReadAllText(file));
            carried.Read(document.RootElement);
        }
        return carried;
    }

    /// <summary>Reads one deps.json document (exposed for tests).</summary>
    public static CarriedPackages FromDepsJson(string json)
    {
        using var document = JsonDocument.Parse(json);
        var carried = new CarriedPackages();
        carried.Read(document.RootElement);
        return carried;
    }

    /// <summary>The carried package with this id (any version), or null.</summary>
    public Package? Find(string id) => _packages.GetValueOrDefault(id);

    /// <summary>
    /// The runtime assembly file names of <paramref name="id"/> and of every package it depends on, transitively
    /// (a meta-package such as TorchSharp-cpu ships no assembly itself).
    /// </summary>
    public IReadOnlyList<string> AssemblyClosure(string id)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        var pending = new Stack<string>([id]);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next) || Find(next) is not { } package) continue;
            files.AddRange(package.AssemblyFileNames);
            foreach (var dependency in package.Dependencies) pending.Push(dependency);
        }
        return files.Distinct(StringComparer.OrdinalIgnoreCase).ToList();
    }

    private void Read(JsonElement root)
    {
        if (!root.TryGetProperty("libraries", out var libraries) || !root.TryGetProperty("targets", out var targets)) return;
        foreach (var target in targets.EnumerateObject())
        {
            foreach (var library in target.Value.EnumerateObject())
            {
                var slash = library.Name.IndexOf('/');
                if (slash <= 0) continue;
                var isPackage = libraries.TryGetProperty(library.Name, out var info)
                    && info.TryGetProperty("type", out var type) && type.GetString() == "package";
                if (!isPackage) continue;

                var assemblies = library.Value.TryGetProperty("runtime", out var runtime)
                    ? runtime.EnumerateObject().Select(a => Path.GetFileName(a.Name)).Where(f => f.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList()
                    : [];
                var dependencies = library.Value.TryGetProperty("dependencies", out var deps)
                    ? deps.EnumerateObject().Select(d => d.Name).ToList()
                    : [];
                _packages.TryAdd(library.Name[..slash], new Package(library.Name[..slash], library.Name[(slash + 1)..], assemblies, dependencies));
            }
        }
    }
}
