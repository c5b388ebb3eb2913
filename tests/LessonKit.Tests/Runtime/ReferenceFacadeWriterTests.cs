using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

public sealed class ReferenceFacadeWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static ReferenceFacadePlan NumericsAt8() =>
        new("System.Runtime.Numerics", new Version(8, 0, 0, 0), FrameworkAssembly.InRuntimeDirectory("System.Runtime.Numerics")!);

    private static ReferenceFacadePlan CollectionsAt8() =>
        new("System.Collections", new Version(8, 0, 0, 0), FrameworkAssembly.InRuntimeDirectory("System.Collections")!);

    [Fact]
    public void The_facade_has_the_referenced_identity_with_the_runtime_key_and_forwards_every_type_to_the_runtime_copy()
    {
        var plan = NumericsAt8();
        using var pe = new PEReader(new MemoryStream(ReferenceFacadeWriter.Build(plan)));
        var metadata = pe.GetMetadataReader();

        var identity = metadata.GetAssemblyDefinition().GetAssemblyName();
        Assert.Equal("System.Runtime.Numerics", identity.Name);
        Assert.Equal(new Version(8, 0, 0, 0), identity.Version);
        Assert.Equal(plan.Target.PublicKeyToken.ToArray(), identity.GetPublicKeyToken());

        var reference = metadata.GetAssemblyReference(Assert.Single(metadata.AssemblyReferences)).GetAssemblyName();
        Assert.Equal(typeof(System.Numerics.Complex).Assembly.GetName().FullName, reference.FullName);

        var exported = metadata.ExportedTypes.Select(metadata.GetExportedType).ToList();
        Assert.All(exported, e => Assert.True(e.IsForwarder));
        Assert.All(exported, e => Assert.Equal(HandleKind.AssemblyReference, e.Implementation.Kind));
        var names = exported.Select(e => new MetadataTypeName(metadata.GetString(e.Namespace), metadata.GetString(e.Name))).ToHashSet();
        Assert.Contains(new MetadataTypeName("System.Numerics", "Complex"), names);
        Assert.Contains(new MetadataTypeName("System.Numerics", "BigInteger"), names);
        Assert.Equal(plan.Target.DefinedPublicTypes.Concat(plan.Target.ForwardedTypes).ToHashSet(), names);
        // No code and no types of its own: only the <Module> type every assembly has.
        Assert.Equal(["<Module>"], metadata.TypeDefinitions.Select(t => metadata.GetString(metadata.GetTypeDefinition(t).Name)));
        Assert.Empty(metadata.MethodDefinitions);
    }

    [Fact]
    public void Types_the_runtime_copy_forwards_elsewhere_are_forwarded_to_it_too()
    {
        var plan = CollectionsAt8();
        Assert.Contains(new MetadataTypeName("System.Collections.Generic", "List`1"), plan.Target.ForwardedTypes);
        using var pe = new PEReader(new MemoryStream(ReferenceFacadeWriter.Build(plan)));
        var metadata = pe.GetMetadataReader();

        var names = metadata.ExportedTypes.Select(metadata.GetExportedType)
            .Select(e => $"{metadata.GetString(e.Namespace)}.{metadata.GetString(e.Name)}").ToList();

        Assert.Contains("System.Collections.Generic.List`1", names);        // forwarded by the runtime to CoreLib
        Assert.Contains("System.Collections.Generic.LinkedList`1", names);  // defined by the runtime's copy
    }

    [Fact]
    public void The_same_plan_always_gives_the_same_bytes_and_the_same_file()
    {
        Assert.Equal(ReferenceFacadeWriter.Build(NumericsAt8()), ReferenceFacadeWriter.Build(NumericsAt8()));

        string first = ReferenceFacadeWriter.Write(NumericsAt8(), _folder.Path);
        var written = File.GetLastWriteTimeUtc(first);
        string second = ReferenceFacadeWriter.Write(NumericsAt8(), _folder.Path);

        Assert.Equal(first, second);
        Assert.Equal(written, File.GetLastWriteTimeUtc(second));
        Assert.Equal("System.Runtime.Numerics.dll", Path.GetFileName(first));
        Assert.Equal(AssemblyName.GetAssemblyName(first).FullName, $"System.Runtime.Numerics, Version=8.0.0.0, Culture=neutral, PublicKeyToken={Convert.ToHexStringLower(NumericsAt8().Target.PublicKeyToken.AsSpan())}");
    }

    [Fact]
    public void A_damaged_facade_file_is_replaced()
    {
        string path = ReferenceFacadeWriter.Write(NumericsAt8(), _folder.Path);
        File.WriteAllBytes(path, [1, 2, 3]);

        Assert.Equal(path, ReferenceFacadeWriter.Write(NumericsAt8(), _folder.Path));
        Assert.Equal(ReferenceFacadeWriter.Build(NumericsAt8()), File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(Path.GetDirectoryName(path)!)); // no temporary file left behind
    }

    [Fact]
    public void WriteAll_lists_each_runtime_copy_before_its_facade()
    {
        var paths = ReferenceFacadeWriter.WriteAll([NumericsAt8(), CollectionsAt8()], _folder.Path);

        Assert.Equal(4, paths.Count);
        Assert.Equal(NumericsAt8().Target.Path, paths[0]);
        Assert.StartsWith(_folder.Path, paths[1]);
        Assert.Equal(CollectionsAt8().Target.Path, paths[2]);
        Assert.StartsWith(_folder.Path, paths[3]);
    }
}
