using System.Buffers.Binary;
using LessonKit.Runtime;
using static LessonKit.Tests.Runtime.NativeTestFiles;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// The matmul guard's file logic on real copies of TorchSharp's <c>libLibTorchSharp.so</c>: which build it accepts,
/// and the one <c>.dynsym</c> entry it redirects (applied here to the file's bytes; in a process, to the loaded image).
/// </summary>
public sealed class MatmulGuardFileTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_shipped_library_is_recognized_with_the_matmul_entry_where_objdump_shows_it()
    {
        var path = PristineCopy(folder);

        var layout = LibTorchSharpBuild.Recognize(path, out var problem);

        Assert.True(layout is not null, problem);
        Assert.Equal(0x1650e0UL, layout.MatmulValue);
        Assert.Equal(0x16c9a0UL, layout.LastErrorValue);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(bytes.AsSpan((int)layout.MatmulEntryFileOffset, SymbolRedirect.EntrySize).ToArray(), layout.MatmulEntry);
        Assert.Equal(layout.MatmulValue, BinaryPrimitives.ReadUInt64LittleEndian(layout.MatmulEntry.AsSpan(8)));
        // .dynsym is loaded at the same address as its file offset in this build, so both agree.
        Assert.Equal(layout.MatmulEntryFileOffset, layout.MatmulEntryAddress);
    }

    [Fact]
    public void The_library_after_LessonKits_libstdcxx_fix_is_still_the_same_build()
    {
        var path = PristineCopy(folder);
        Assert.Equal(PatchOutcome.Patched, ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path).Outcome);

        Assert.NotNull(LibTorchSharpBuild.Recognize(path, out var problem));
        Assert.Equal("", problem);
    }

    [Fact]
    public void Another_build_is_refused_and_the_reason_names_it()
    {
        var path = PristineCopy(folder);
        var comment = ElfImage.Load(path).Sections.Single(s => s.Name == ".comment");
        var bytes = File.ReadAllBytes(path);
        bytes[comment.Offset + 1] ^= 0x20;  // one byte of the compiler's note: harmless to load, but another file
        File.WriteAllBytes(path, bytes);

        Assert.Null(LibTorchSharpBuild.Recognize(path, out var problem));
        Assert.Contains("not the TorchSharp 0.107.0 build LessonKit knows", problem);
    }

    [Theory]
    [InlineData("not-elf")]
    [InlineData("truncated")]
    [InlineData("missing")]
    public void Files_that_are_not_the_library_are_refused_with_a_reason(string kind)
    {
        var path = folder.File("libLibTorchSharp.so");
        if (kind == "not-elf") File.WriteAllText(path, "hello");
        if (kind == "truncated") File.WriteAllBytes(path, File.ReadAllBytes(RealLibrary())[..100_000]);

        Assert.Null(LibTorchSharpBuild.Recognize(path, out var problem));
        Assert.False(string.IsNullOrWhiteSpace(problem));
    }

    [Fact]
    public void Redirecting_changes_only_st_value_once_and_a_second_time_changes_nothing()
    {
        var path = PristineCopy(folder);
        var layout = LibTorchSharpBuild.Recognize(path, out _)!;
        var image = File.ReadAllBytes(path);
        var before = (byte[])image.Clone();
        ulong loadAddress = 0x7f00_1234_0000, guard = 0x7f00_5678_9000;
        ulong value = SymbolRedirect.ValueFor(guard, loadAddress);
        var entry = image.AsSpan((int)layout.MatmulEntryFileOffset, SymbolRedirect.EntrySize);

        Assert.Equal(RedirectOutcome.Redirected, SymbolRedirect.Apply(entry, layout.MatmulEntry, value));
        var changed = Enumerable.Range(0, image.Length).Where(i => image[i] != before[i]).ToArray();
        Assert.All(changed, i => Assert.InRange(i, (int)layout.MatmulEntryFileOffset + 8, (int)layout.MatmulEntryFileOffset + 15));
        Assert.Equal(guard, loadAddress + BinaryPrimitives.ReadUInt64LittleEndian(entry[8..]));  // what dlsym would return

        // The loader's view of the patched bytes: the same symbol, at the new value.
        var elf = ElfImage.Parse(image, "patched copy");
        Assert.Contains(ElfDynamicTables.ReadDynamicSymbols(elf, out _), s => s.Name == LibTorchSharpBuild.MatmulSymbol);
        var once = (byte[])image.Clone();

        Assert.Equal(RedirectOutcome.AlreadyRedirected, SymbolRedirect.Apply(entry, layout.MatmulEntry, value));
        Assert.Equal(once, image);
    }

    [Fact]
    public void An_entry_that_is_neither_the_files_nor_the_redirected_one_is_left_alone()
    {
        var path = PristineCopy(folder);
        var layout = LibTorchSharpBuild.Recognize(path, out _)!;
        var image = File.ReadAllBytes(path);
        var entry = image.AsSpan((int)layout.MatmulEntryFileOffset, SymbolRedirect.EntrySize);
        BinaryPrimitives.WriteUInt64LittleEndian(entry[16..], 72);  // st_size changed by someone else
        var edited = entry.ToArray();

        Assert.Equal(RedirectOutcome.Refused, SymbolRedirect.Apply(entry, layout.MatmulEntry, 0x1234));
        Assert.Equal(edited, entry.ToArray());
        Assert.Equal(RedirectOutcome.Refused, SymbolRedirect.Apply(entry[..10], layout.MatmulEntry, 0x1234));
    }
}
