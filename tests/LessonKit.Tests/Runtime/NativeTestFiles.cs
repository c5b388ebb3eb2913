using System.Buffers.Binary;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        Path = Directory.CreateTempSubdirectory("lessonkit-runtime-tests-").FullName;
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>
/// Copies of TorchSharp's real <c>libLibTorchSharp.so</c> for tests. The original comes from the NuGet package cache
/// (which a developer machine may already have patched), so every copy is first put back into the pristine state:
/// the <c>GLIBCXX_3.4.32</c> requirement strong again.
/// </summary>
internal static class NativeTestFiles
{
    public const string MarkerVersion = "GLIBCXX_3.4.32";
    public const string MarkerSymbol = "_ZSt21ios_base_library_initv";

    /// <summary>The real library: NuGet cache first, then the copy the build put next to the tests.</summary>
    public static string RealLibrary()
    {
        var candidates = new List<string>();
        if (TorchSharpNativeFiles.NuGetPackagesRoot() is string root)
        {
            candidates.Add(Path.Combine(root, "torchsharp", TorchSharpNativeFiles.PackageVersion, "runtimes", "linux-x64", "native", TorchSharpNativeFiles.LibraryFileName));
        }
        candidates.Add(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", TorchSharpNativeFiles.LibraryFileName));
        return candidates.FirstOrDefault(File.Exists)
            ?? throw new FileNotFoundException($"TorchSharp's {TorchSharpNativeFiles.LibraryFileName} was not found in: {string.Join(", ", candidates)}. Run 'dotnet restore' first.");
    }

    /// <summary>The folder with libtorch's native files that the test process itself uses.</summary>
    public static string TestNativeFolder => Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native");

    /// <summary>A copy of the real library with the marker requirement strong (as TorchSharp ships it).</summary>
    public static string PristineCopy(TempFolder folder, string name = TorchSharpNativeFiles.LibraryFileName)
    {
        var path = folder.File(name);
        File.Copy(RealLibrary(), path, overwrite: true);
        ElfVersionRequirementPatcher.SetWeakFlagUnchecked(path, MarkerVersion, weak: false);
        return path;
    }

    /// <summary>The marker requirement's entry in a file.</summary>
    public static ElfVersionNeed MarkerNeed(string path) =>
        ElfDynamicTables.ReadVersionNeeds(ElfImage.Load(path)).Single(n => n.Version == MarkerVersion);

    /// <summary>Edits a file: writes a 16-bit little-endian value at an offset.</summary>
    public static void WriteU16(string path, ulong offset, ushort value) => Edit(path, b => BinaryPrimitives.WriteUInt16LittleEndian(b.AsSpan((int)offset), value));

    /// <summary>Edits a file: writes a 32-bit little-endian value at an offset.</summary>
    public static void WriteU32(string path, ulong offset, uint value) => Edit(path, b => BinaryPrimitives.WriteUInt32LittleEndian(b.AsSpan((int)offset), value));

    /// <summary>Edits a file: writes a 64-bit little-endian value at an offset.</summary>
    public static void WriteU64(string path, ulong offset, ulong value) => Edit(path, b => BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan((int)offset), value));

    /// <summary>Where section <paramref name="name"/>'s header field at <paramref name="fieldOffset"/> sits in the file.</summary>
    public static ulong SectionHeaderField(string path, string name, int fieldOffset)
    {
        var elf = ElfImage.Load(path);
        var section = elf.Sections.Single(s => s.Name == name);
        ulong table = elf.ReadU64(0x28, "e_shoff");
        return table + (ulong)section.Index * 64 + (ulong)fieldOffset;
    }

    private static void Edit(string path, Action<byte[]> change)
    {
        var bytes = File.ReadAllBytes(path);
        change(bytes);
        File.WriteAllBytes(path, bytes);
    }
}
