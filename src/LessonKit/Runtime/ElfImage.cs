using System.Buffers.Binary;
using System.Text;

namespace LessonKit.Runtime;

/// <summary>One entry of an ELF section header table (only the fields LessonKit uses).</summary>
/// <param name="Index">Position in the section header table.</param>
/// <param name="Name">Section name, such as <c>.gnu.version_r</c> (empty if the file has no name table).</param>
/// <param name="Type">Section type (<c>sh_type</c>), see the constants on <see cref="ElfImage"/>.</param>
/// <param name="Flags">Section flags (<c>sh_flags</c>).</param>
/// <param name="Address">Virtual address of the section once loaded (<c>sh_addr</c>).</param>
/// <param name="Offset">Where the section's bytes start in the file (<c>sh_offset</c>).</param>
/// <param name="Size">Size of the section in bytes (<c>sh_size</c>).</param>
/// <param name="Link">Index of an associated section (<c>sh_link</c>), e.g. a symbol table's string table.</param>
/// <param name="Info">Extra information (<c>sh_info</c>), e.g. the number of version entries.</param>
/// <param name="EntrySize">Size of one entry for table sections (<c>sh_entsize</c>).</param>
internal readonly record struct ElfSection(
    int Index, string Name, uint Type, ulong Flags, ulong Address, ulong Offset, ulong Size, uint Link, uint Info,
    ulong EntrySize)
{
    /// <summary>True when the section occupies no bytes in the file (<c>SHT_NOBITS</c>, e.g. <c>.bss</c>).</summary>
    public bool IsNoBits => Type == ElfImage.SectionTypeNoBits;
}

/// <summary>
/// A minimal, bounds-checked reader for 64-bit little-endian ELF files (Linux x64 and arm64 shared libraries).
/// It holds the whole file in memory and reads the section header table; every read checks that it stays
/// inside the file, so a damaged file gives an <see cref="ElfFormatException"/> that names it, never a crash.
/// </summary>
/// <remarks>Field offsets follow the System V ABI, "ELF-64 Object File Format" (Elf64_Ehdr, Elf64_Shdr).</remarks>
internal sealed class ElfImage
{
    /// <summary>Files larger than this are not read (the libraries LessonKit inspects are a few megabytes).</summary>
    public const long MaxFileSize = 256L * 1024 * 1024;

    public const uint SectionTypeRela = 4;
    public const uint SectionTypeDynamic = 6;
    public const uint SectionTypeNoBits = 8;
    public const uint SectionTypeRel = 9;
    public const uint SectionTypeDynSym = 11;
    public const uint SectionTypeGnuVerDef = 0x6ffffffd;   // .gnu.version_d: versions this file defines
    public const uint SectionTypeGnuVerNeed = 0x6ffffffe;  // .gnu.version_r: versions this file needs
    public const uint SectionTypeGnuVerSym = 0x6fffffff;   // .gnu.version: one version index per dynamic symbol

    /// <summary>Section flag: the section is loaded into memory (<c>SHF_ALLOC</c>).</summary>
    public const ulong SectionFlagAlloc = 0x2;

    private const int HeaderSize = 64;         // sizeof(Elf64_Ehdr)
    private const int SectionHeaderSize = 64;  // sizeof(Elf64_Shdr)

    private readonly byte[] bytes;

    private ElfImage(byte[] bytes, string description)
    {
        this.bytes = bytes;
        Description = description;
        Sections = ReadSectionHeaders();
    }

    /// <summary>How the file is named in messages (usually its path).</summary>
    public string Description { get; }

    /// <summary>The whole file.</summary>
    public ReadOnlySpan<byte> Bytes => bytes;

    /// <summary>The file's length in bytes.</summary>
    public long Length => bytes.LongLength;

    /// <summary>The section header table, in file order (empty if the file has none).</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Reads a file from disk.</summary>
    /// <exception cref="ElfFormatException">The file is not a 64-bit little-endian ELF file, or is damaged.</exception>
    /// <exception cref="IOException">The file cannot be read.</exception>
    public static ElfImage Load(string path)
    {
        long length = new FileInfo(path).Length;
        if (length > MaxFileSize)
        {
            throw new ElfFormatException(ElfProblem.Unsupported,
                $"{path} is {length} bytes, larger than the {MaxFileSize} bytes LessonKit reads; it is not one of the libraries LessonKit inspects.");
        }
        return Parse(File.ReadAllBytes(path), path);
    }

    /// <summary>Reads an ELF file already in memory; <paramref name="description"/> names it in messages.</summary>
    /// <exception cref="ElfFormatException">The bytes are not a 64-bit little-endian ELF file, or are damaged.</exception>
    public static ElfImage Parse(byte[] bytes, string description)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        if (bytes.Length < 4 || bytes[0] != 0x7f || bytes[1] != (byte)'E' || bytes[2] != (byte)'L' || bytes[3] != (byte)'F')
        {
            throw new ElfFormatException(ElfProblem.NotElf,
                $"{description} is not an ELF file (it does not start with the bytes 7F 45 4C 46, \"\\x7FELF\").");
        }
        if (bytes.Length < HeaderSize)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{description} is truncated: {bytes.Length} bytes, shorter than the {HeaderSize}-byte ELF header.");
        }
        byte elfClass = bytes[4], dataEncoding = bytes[5];
        if (elfClass == 1)
        {
            throw new ElfFormatException(ElfProblem.Unsupported,
                $"{description} is a 32-bit ELF file; LessonKit only reads 64-bit ELF files (Linux x64/arm64 libraries).");
        }
        if (elfClass != 2)
        {
            throw new ElfFormatException(ElfProblem.Malformed, $"{description} has an unknown ELF class {elfClass} (expected 2, 64-bit).");
        }
        if (dataEncoding == 2)
        {
            throw new ElfFormatException(ElfProblem.Unsupported,
                $"{description} is a big-endian ELF file; LessonKit only reads little-endian ELF files (Linux x64/arm64 libraries).");
        }
        if (dataEncoding != 1)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{description} has an unknown ELF data encoding {dataEncoding} (expected 1, little-endian).");
        }
        return new ElfImage(bytes, description);
    }

    /// <summary>Reads a 16-bit little-endian value at an absolute file offset.</summary>
    public ushort ReadU16(ulong offset, string what) => BinaryPrimitives.ReadUInt16LittleEndian(Slice(offset, 2, what));

    /// <summary>Reads a 32-bit little-endian value at an absolute file offset.</summary>
    public uint ReadU32(ulong offset, string what) => BinaryPrimitives.ReadUInt32LittleEndian(Slice(offset, 4, what));

    /// <summary>Reads a 64-bit little-endian value at an absolute file offset.</summary>
    public ulong ReadU64(ulong offset, string what) => BinaryPrimitives.ReadUInt64LittleEndian(Slice(offset, 8, what));

    /// <summary>
    /// Returns <paramref name="length"/> bytes at <paramref name="offset"/>, or throws a
    /// <see cref="ElfFormatException"/> naming <paramref name="what"/> if they are not all inside the file.
    /// </summary>
    public ReadOnlySpan<byte> Slice(ulong offset, ulong length, string what)
    {
        ulong fileLength = (ulong)bytes.LongLength;
        if (offset > fileLength || length > fileLength - offset)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{Description} is truncated or damaged: {what} (offset 0x{offset:x}, {length} bytes) runs past the end of the file ({fileLength} bytes).");
        }
        return bytes.AsSpan(checked((int)offset), checked((int)length));
    }

    /// <summary>Checks that a section's bytes are inside the file and returns its file offset.</summary>
    public ulong CheckedSectionStart(ElfSection section)
    {
        if (section.IsNoBits)
        {
            throw new ElfFormatException(ElfProblem.Malformed, $"{Description}: section {Describe(section)} has no bytes in the file.");
        }
        Slice(section.Offset, section.Size, $"section {Describe(section)}");
        return section.Offset;
    }

    /// <summary>Reads a NUL-terminated string at <paramref name="offset"/> inside string-table section <paramref name="table"/>.</summary>
    public string ReadString(ElfSection table, ulong offset, string what) =>
        ReadStringIn(table, offset, what, $"string table {Describe(table)}");

    /// <summary>All sections of the given type, in file order.</summary>
    public IEnumerable<ElfSection> SectionsOfType(uint type) => Sections.Where(s => s.Type == type);

    /// <summary>The only section of the given type, <c>null</c> if there is none; two or more is an error.</summary>
    public ElfSection? SingleSectionOfType(uint type, string what)
    {
        var found = SectionsOfType(type).Take(2).ToArray();
        if (found.Length > 1)
        {
            throw new ElfFormatException(ElfProblem.Malformed, $"{Description} has more than one {what} section.");
        }
        return found.Length == 1 ? found[0] : null;
    }

    /// <summary>The section at <paramref name="index"/>, or an error naming <paramref name="what"/> refers to it.</summary>
    public ElfSection SectionAt(uint index, string what)
    {
        if (index == 0 || index >= Sections.Count)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{Description} is damaged: {what} refers to section {index}, but the file has {Sections.Count} sections.");
        }
        return Sections[(int)index];
    }

    /// <summary>A section's name and index for messages, e.g. <c>.gnu.version_r (#6)</c>.</summary>
    public static string Describe(ElfSection section) =>
        section.Name.Length > 0 ? $"{section.Name} (#{section.Index})" : $"#{section.Index}";

    private List<ElfSection> ReadSectionHeaders()
    {
        ulong tableOffset = ReadU64(0x28, "the ELF header");       // e_shoff
        ushort entrySize = ReadU16(0x3A, "the ELF header");         // e_shentsize
        ulong count = ReadU16(0x3C, "the ELF header");              // e_shnum
        uint namesIndex = ReadU16(0x3E, "the ELF header");          // e_shstrndx
        if (tableOffset == 0)
        {
            return [];  // a valid ELF file may have no section headers
        }
        if (entrySize != SectionHeaderSize)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{Description} is damaged: section headers are {entrySize} bytes each, expected {SectionHeaderSize}.");
        }
        // Extended numbering: with 0xff00 or more sections, the real count and name-table index live in section 0.
        if (count == 0)
        {
            count = ReadU64(tableOffset + 0x20, "section header 0");
        }
        if (namesIndex == 0xffff)
        {
            namesIndex = ReadU32(tableOffset + 0x28, "section header 0");
        }
        if (count > (ulong)bytes.LongLength / SectionHeaderSize)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{Description} is truncated or damaged: it claims {count} section headers, more than the file can hold.");
        }
        Slice(tableOffset, count * SectionHeaderSize, $"the section header table ({count} entries)");

        var raw = new List<ElfSection>((int)count);
        for (int i = 0; i < (int)count; i++)
        {
            ulong at = tableOffset + (ulong)i * SectionHeaderSize;
            string where = $"section header {i}";
            raw.Add(new ElfSection(
                Index: i,
                Name: "",
                Type: ReadU32(at + 0x04, where),
                Flags: ReadU64(at + 0x08, where),
                Address: ReadU64(at + 0x10, where),
                Offset: ReadU64(at + 0x18, where),
                Size: ReadU64(at + 0x20, where),
                Link: ReadU32(at + 0x28, where),
                Info: ReadU32(at + 0x2C, where),
                EntrySize: ReadU64(at + 0x38, where)));
        }

        if (namesIndex == 0 || namesIndex >= count)
        {
            return raw;  // no section name table: sections are still usable by type
        }
        var names = raw[(int)namesIndex];
        var named = new List<ElfSection>(raw.Count);
        foreach (var section in raw)
        {
            uint nameOffset = ReadU32(tableOffset + (ulong)section.Index * SectionHeaderSize, $"section header {section.Index}");
            named.Add(section with { Name = ReadStringIn(names, nameOffset, $"the name of section #{section.Index}") });
        }
        return named;
    }

    // Works before Sections is set, so the section name table can be read with it too.
    private string ReadStringIn(ElfSection table, ulong offset, string what, string tableName = "the section name table")
    {
        if (table.IsNoBits || offset >= table.Size)
        {
            throw new ElfFormatException(ElfProblem.Malformed,
                $"{Description} is damaged: {what} points at offset {offset} of {tableName}, which is only {(table.IsNoBits ? 0 : table.Size)} bytes.");
        }
        var rest = Slice(table.Offset + offset, table.Size - offset, tableName);
        int end = rest.IndexOf((byte)0);
        if (end < 0)
        {
            throw new ElfFormatException(ElfProblem.Malformed, $"{Description} is damaged: {what} in {tableName} has no terminating NUL byte.");
        }
        return Encoding.UTF8.GetString(rest[..end]);
    }
}
