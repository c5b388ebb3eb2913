using System.Reflection;
using LessonKit.Runner.Directives;

namespace LessonKit.Runner.References;

/// <summary>
/// Turns a cell's <c>#r</c> directives into assembly files for the script compiler:
/// <list type="bullet">
/// <item><c>#r "nuget: Name, Version"</c> for a package the runner carries (same name and version): the runner's
/// own assemblies. Same name, other version: a clear error (two versions cannot share one process).</item>
/// <item>Any other package: restored for real with <see cref="NuGetRestorer"/>.</item>
/// <item><c>#r "path.dll"</c>: resolved against the notebook's folder; when the runner already has an assembly of
/// that name (LessonKit.dll, for one) the runner's copy is used, so it is loaded once.</item>
/// </list>
/// </summary>
public sealed class ReferenceResolver(CarriedPackages carried, HostAssemblies host, NuGetRestorer restorer)
{
    /// <summary>A resolver for the running process, with the given restore time limit.</summary>
    public static ReferenceResolver ForRunningProcess(TimeSpan restoreTimeout) =>
        new(CarriedPackages.FromRunningApplication(), new HostAssemblies(), new NuGetRestorer(restoreTimeout));

    /// <summary>The assembly files that satisfy <paramref name="directive"/>.</summary>
    /// <exception cref="ReferenceException">The reference cannot be satisfied; the message says why.</exception>
    public IReadOnlyList<string> Resolve(CellDirective directive, string notebookDirectory) => directive switch
    {
        NuGetReference package => ResolvePackage(package, notebookDirectory),
        AssemblyFileReference file => [ResolveFile(file, notebookDirectory)],
        _ => throw new ArgumentOutOfRangeException(nameof(directive), directive, "unknown directive"),
    };

    private IReadOnlyList<string> ResolvePackage(NuGetReference package, string notebookDirectory)
    {
        if (carried.Find(package.PackageId) is { } own)
        {
            if (!PackageVersion.AreEqual(own.Version, package.Version))
            {
                throw new ReferenceException(
                    $"{package} asks for {package.PackageId} {package.Version}, but the runner carries {own.Id} {own.Version} " +
                    "(the version LessonKit is built with) and .NET cannot load two versions of it in one process. " +
                    $"Pin {own.Version} in the notebook.");
            }
            var paths = new List<string>();
            foreach (var fileName in carried.AssemblyClosure(own.Id))
            {
                if (host.FindByFileName(fileName) is { } path)
                {
                    HostAssemblies.EnsureLoaded(path);
                    paths.Add(path);
                }
            }
            return paths;
        }

        var restored = restorer.Restore(package.PackageId, package.Version, notebookDirectory);
        NativeLibraryDirectories.Add(restored.NativeDirectories);
        // Where the restored closure contains an assembly the runner already has, use the runner's copy.
        return restored.AssemblyPaths
            .Select(path => host.FindByName(Path.GetFileNameWithoutExtension(path)) is { } own2 ? own2 : path)
            .Distinct(StringComparer.Ordinal)
            .ToList();
    }

    private string ResolveFile(AssemblyFileReference file, string notebookDirectory)
    {
        var fullPath = Path.GetFullPath(Path.Combine(notebookDirectory, file.Path));
        if (!File.Exists(fullPath))
        {
            throw new ReferenceException(
                $"{file}: no such file (looked at {fullPath}). #r paths are relative to the notebook's folder ({notebookDirectory}); " +
                "build the project that produces it first.");
        }
        AssemblyName name;
        try
        {
            name = AssemblyName.GetAssemblyName(fullPath);
        }
        catch (BadImageFormatException e)
        {
            throw new ReferenceException($"{file}: {fullPath} is not a .NET assembly.", e);
        }

        if (host.FindByName(name.Name!) is { } own)
        {
            HostAssemblies.EnsureLoaded(own);
            return own;
        }
        return fullPath;
    }
}
