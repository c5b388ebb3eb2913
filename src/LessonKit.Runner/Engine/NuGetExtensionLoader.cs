using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;

namespace LessonKit.Runner.Engine;

/// <summary>
/// After a cell's <c>#r "nuget:"</c> restored a package, loads the kernel extensions the package ships in its
/// <c>interactive-extensions/dotnet</c> folder (formatters, magic commands), as the dotnet-interactive tool does:
/// every <see cref="IKernelExtension"/> in its assemblies gets <c>OnLoadAsync(kernel)</c>, then an
/// <c>extension.dib</c> beside them runs. This is the tool's own code, not in the kernel's packages.
/// </summary>
public static class NuGetExtensionLoader
{
    private const string ExtensionScript = "extension.dib";

    /// <summary>Makes <paramref name="kernel"/> load the extensions of every package a cell adds.</summary>
    public static void AddTo(CompositeKernel kernel)
    {
        var added = new ConcurrentQueue<string>();
        var seenRoots = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);
        var loadedAssemblies = new ConcurrentDictionary<string, bool>(StringComparer.Ordinal);

        kernel.RegisterForDisposal(kernel.KernelEvents.Subscribe(e =>
        {
            if (e is PackageAdded { PackageReference.PackageRoot: { } root } && seenRoots.TryAdd(root, true)) added.Enqueue(root);
        }));

        kernel.AddMiddleware(async (command, context, next) =>
        {
            await next(command, context);
            while (added.TryDequeue(out var packageRoot))
            {
                var folder = Path.Combine(packageRoot, "interactive-extensions", "dotnet");
                if (!Directory.Exists(folder)) continue;
                foreach (var assemblyFile in Directory.GetFiles(folder, "*.dll").Order(StringComparer.Ordinal))
                {
                    await LoadAssemblyAsync(kernel, assemblyFile, loadedAssemblies, context);
                }
                var script = new FileInfo(Path.Combine(folder, ExtensionScript));
                if (script.Exists)
                {
                    KernelInvocationContextExtensions.Display(context, $"Loading extension script from `{script.FullName}`");
                    await kernel.LoadAndRunInteractiveDocument(script, context.Command);
                }
            }
        });
    }

    private static async Task LoadAssemblyAsync(
        Kernel kernel, string assemblyFile, ConcurrentDictionary<string, bool> loadedAssemblies, KernelInvocationContext context)
    {
        if (!loadedAssemblies.TryAdd(AssemblyName.GetAssemblyName(assemblyFile).FullName, true)) return;

        var assembly = AssemblyLoadContext.Default.LoadFromAssemblyPath(assemblyFile);
        var extensionTypes = assembly.ExportedTypes
            .Where(t => !t.IsAbstract && !t.IsInterface && !t.IsGenericTypeDefinition && typeof(IKernelExtension).IsAssignableFrom(t))
            .ToList();
        if (extensionTypes.Count > 0) KernelInvocationContextExtensions.Display(context, $"Loading extensions from `{assembly.Location}`");

        foreach (var type in extensionTypes)
        {
            try
            {
                var extension = (IKernelExtension)Activator.CreateInstance(type)!;
                await extension.OnLoadAsync(kernel);
                context.Publish(new KernelExtensionLoaded(extension, context.Command));
            }
            catch (Exception e)
            {
                context.Publish(new ErrorProduced(
                    $"Failed to load kernel extension \"{type.Name}\" from assembly {assembly.Location}", context.Command));
                context.Fail(context.Command, new KernelExtensionLoadException(e));
            }
        }
    }
}
