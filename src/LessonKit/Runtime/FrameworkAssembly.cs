using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;

namespace LessonKit.Runtime;

/// <summary>A top-level type's name as metadata spells it (generic types keep their arity: <c>List`1</c>).</summary>
internal readonly record struct MetadataTypeName(string Namespace, string Name)
{
    public override string ToString() => Namespace.Length == 0 ? Name : $"{Namespace}.{Name}";
}

/// <summary>
/// One assembly of the running .NET runtime (for example <c>System.Runtime.Numerics.dll</c> in
/// <c>/usr/share/dotnet/shared/Microsoft.NETCore.App/10.0.x/</c>): its identity and the public top-level types it
/// defines itself or forwards elsewhere, read from its metadata without loading it.
/// </summary>
internal sealed record FrameworkAssembly(
    string Path,
    string Name,
    Version Version,
    ImmutableArray<byte> PublicKey,
    ImmutableArray<byte> PublicKeyToken,
    Guid Mvid,
    IReadOnlyList<MetadataTypeName> DefinedPublicTypes,
    IReadOnlyList<MetadataTypeName> ForwardedTypes)
{
    /// <summary>The runtime's own copy of the assembly called <paramref name="name"/>, or null if it has none.</summary>
    public static FrameworkAssembly? InRuntimeDirectory(string name)
    {
        string path = System.IO.Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), name + ".dll");
        return File.Exists(path) ? Read(path) : null;
    }

    /// <summary>Reads the assembly at <paramref name="path"/>; throws if it is not a .NET assembly.</summary>
    public static FrameworkAssembly Read(string path)
    {
        using var stream = File.OpenRead(path);
        using var pe = new PEReader(stream);
        var metadata = pe.GetMetadataReader();
        var definition = metadata.GetAssemblyDefinition();
        var name = definition.GetAssemblyName();

        var defined = new List<MetadataTypeName>();
        foreach (var handle in metadata.TypeDefinitions)
        {
            var type = metadata.GetTypeDefinition(handle);
            // Nested types travel with their declaring type, so only public top-level types count.
            if ((type.Attributes & TypeAttributes.VisibilityMask) == TypeAttributes.Public)
            {
                defined.Add(new MetadataTypeName(metadata.GetString(type.Namespace), metadata.GetString(type.Name)));
            }
        }
        var forwarded = new List<MetadataTypeName>();
        foreach (var handle in metadata.ExportedTypes)
        {
            var exported = metadata.GetExportedType(handle);
            if (exported.IsForwarder && exported.Implementation.Kind == HandleKind.AssemblyReference)
            {
                forwarded.Add(new MetadataTypeName(metadata.GetString(exported.Namespace), metadata.GetString(exported.Name)));
            }
        }

        return new FrameworkAssembly(
            path,
            metadata.GetString(definition.Name),
            definition.Version,
            metadata.GetBlobContent(definition.PublicKey),
            [.. name.GetPublicKeyToken() ?? []],
            metadata.GetGuid(metadata.GetModuleDefinition().Mvid),
            defined,
            forwarded);
    }
}
