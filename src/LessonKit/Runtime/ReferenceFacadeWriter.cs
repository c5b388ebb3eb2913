using System.Collections.Immutable;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.Metadata.Ecma335;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;

namespace LessonKit.Runtime;

/// <summary>
/// Writes the exact-version facades that <see cref="ReferenceFacadePlanner"/> asks for: tiny assemblies with no code
/// and no types of their own, only type forwarders to the runtime's copy. They are for the compiler only; the runtime
/// never loads them (it binds the library's old-version reference to its own newer copy, as it always did).
/// </summary>
internal static class ReferenceFacadeWriter
{
    // ECMA-335 II.23.1.15: the ExportedType flag that makes a row a type forwarder (TypeAttributes has no name for it).
    private const TypeAttributes Forwarder = (TypeAttributes)0x00200000;

    /// <summary>Where facades are kept: <c>~/.local/share/LessonKit/reference-facades</c> (or the temp folder).</summary>
    public static string DefaultCacheRoot()
    {
        string data = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return Path.Combine(string.IsNullOrEmpty(data) ? Path.GetTempPath() : data, "LessonKit", "reference-facades");
    }

    /// <summary>
    /// Writes (or reuses) every planned facade under <paramref name="cacheRoot"/> and returns what the compiler must
    /// be given: for each plan, the runtime's own copy first (the facade's forwarders point at it, so it must be an
    /// exact match in the compilation), then the facade.
    /// </summary>
    public static IReadOnlyList<string> WriteAll(IEnumerable<ReferenceFacadePlan> plans, string cacheRoot)
    {
        var paths = new List<string>();
        foreach (var plan in plans)
        {
            paths.Add(plan.Target.Path);
            paths.Add(Write(plan, cacheRoot));
        }
        return paths.Distinct(StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Writes the facade for <paramref name="plan"/> into a folder named after its content, so a folder always holds
    /// the same bytes: an existing identical file is reused, anything else is replaced in one atomic move (two
    /// kernels starting at once write the same bytes).
    /// </summary>
    public static string Write(ReferenceFacadePlan plan, string cacheRoot)
    {
        byte[] image = Build(plan);
        string hash = Convert.ToHexStringLower(SHA256.HashData(image))[..16];
        string folder = Path.Combine(cacheRoot, $"{plan.Name}-{plan.ReferencedVersion}-{hash}");
        string path = Path.Combine(folder, plan.Name + ".dll");
        if (File.Exists(path) && File.ReadAllBytes(path).AsSpan().SequenceEqual(image))
        {
            return path;
        }
        Directory.CreateDirectory(folder);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllBytes(temporary, image);
        File.Move(temporary, path, overwrite: true);
        return path;
    }

    /// <summary>
    /// The facade's bytes: assembly <c>Name, Version=ReferencedVersion</c> signed-in-name with the runtime's public
    /// key, one reference (the runtime's copy) and a forwarder to it for each public top-level type that copy defines
    /// or forwards. The same plan always gives the same bytes.
    /// </summary>
    public static byte[] Build(ReferenceFacadePlan plan)
    {
        var target = plan.Target;
        var metadata = new MetadataBuilder();
        var mvid = metadata.ReserveGuid();
        metadata.AddModule(0, metadata.GetOrAddString(plan.Name + ".dll"), mvid.Handle, default, default);
        // The public key makes the identity strong-named like the runtime's; no signature is needed, since the
        // compiler compares identities and never loads or verifies the file.
        metadata.AddAssembly(
            metadata.GetOrAddString(plan.Name), plan.ReferencedVersion, default,
            metadata.GetOrAddBlob(target.PublicKey), AssemblyFlags.PublicKey, AssemblyHashAlgorithm.Sha1);
        var runtimeCopy = metadata.AddAssemblyReference(
            metadata.GetOrAddString(target.Name), target.Version, default,
            metadata.GetOrAddBlob(target.PublicKeyToken), default, default);
        metadata.AddTypeDefinition(
            default, default, metadata.GetOrAddString("<Module>"), default,
            MetadataTokens.FieldDefinitionHandle(1), MetadataTokens.MethodDefinitionHandle(1));
        // Types the runtime's copy itself forwards (to System.Private.CoreLib, say) are forwarded to it as well: the
        // compiler follows the chain, so every type the library could name still resolves to the same type as before.
        var types = target.DefinedPublicTypes.Concat(target.ForwardedTypes).Distinct()
            .OrderBy(t => t.Namespace, StringComparer.Ordinal).ThenBy(t => t.Name, StringComparer.Ordinal);
        foreach (var type in types)
        {
            metadata.AddExportedType(Forwarder, metadata.GetOrAddString(type.Namespace), metadata.GetOrAddString(type.Name), runtimeCopy, 0);
        }

        var builder = new ManagedPEBuilder(
            PEHeaderBuilder.CreateLibraryHeader(), new MetadataRootBuilder(metadata), new BlobBuilder(),
            deterministicIdProvider: HashOfContent);
        var image = new BlobBuilder();
        var id = builder.Serialize(image);
        new BlobWriter(mvid.Content).WriteGuid(id.Guid);
        return image.ToArray();
    }

    private static BlobContentId HashOfContent(IEnumerable<Blob> content)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var blob in content)
        {
            var bytes = blob.GetBytes();
            hash.AppendData(bytes.Array!, bytes.Offset, bytes.Count);
        }
        return BlobContentId.FromHash(ImmutableArray.Create(hash.GetHashAndReset()));
    }
}
