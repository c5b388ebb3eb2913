namespace LessonKit.Runtime;

/// <summary>
/// One symbol version a library needs from another library: an <c>Elf64_Vernaux</c> entry of
/// <c>.gnu.version_r</c>, e.g. <c>GLIBCXX_3.4.32</c> from <c>libstdc++.so.6</c>.
/// </summary>
/// <param name="Library">The library the version is needed from (<c>vn_file</c>).</param>
/// <param name="Version">The version name (<c>vna_name</c>).</param>
/// <param name="Flags">The entry's flags (<c>vna_flags</c>); <see cref="ElfDynamicTables.VersionFlagWeak"/> makes it optional.</param>
/// <param name="Index">The version index symbols use to refer to this version (<c>vna_other</c>).</param>
/// <param name="FlagsOffset">Where <c>vna_flags</c> (16-bit little-endian) sits in the file.</param>
internal readonly record struct ElfVersionNeed(string Library, string Version, ushort Flags, ushort Index, ulong FlagsOffset)
{
    /// <summary>True when the requirement is weak: the loader only warns if the version is missing.</summary>
    public bool IsWeak => (Flags & ElfDynamicTables.VersionFlagWeak) != 0;
}

/// <summary>One entry of the dynamic symbol table <c>.dynsym</c>, with its version index from <c>.gnu.version</c>.</summary>
/// <param name="Index">Position in <c>.dynsym</c> (what relocations refer to).</param>
/// <param name="Name">The (mangled) symbol name.</param>
/// <param name="SectionIndex"><c>st_shndx</c>: 0 for a symbol this file uses but another library defines.</param>
/// <param name="VersionIndex">The symbol's version index (<c>versym &amp; 0x7fff</c>); 0 and 1 mean unversioned.</param>
internal readonly record struct ElfDynamicSymbol(uint Index, string Name, ushort SectionIndex, ushort VersionIndex)
{
    /// <summary>True when another library must provide the symbol.</summary>
    public bool IsUndefined => SectionIndex == 0;
}

/// <summary>One dynamic relocation that names a symbol.</summary>
/// <param name="Section">The relocation section it is in, e.g. <c>.rela.plt</c>.</param>
/// <param name="EntryIndex">Its position in that section.</param>
/// <param name="SymbolIndex">The <c>.dynsym</c> index it refers to (0 for none).</param>
internal readonly record struct ElfRelocation(ElfSection Section, int EntryIndex, uint SymbolIndex);

/// <summary>
/// Reads the dynamic-linking tables of an <see cref="ElfImage"/>: the version requirements
/// (<c>.gnu.version_r</c>), version definitions (<c>.gnu.version_d</c>), dynamic symbols with their versions
/// (<c>.dynsym</c> + <c>.gnu.version</c>), dynamic relocations and the <c>.dynamic</c> table.
/// Layouts follow the System V ABI and the LSB "Symbol Versioning" chapter; every offset is bounds-checked.
/// </summary>
internal static class ElfDynamicTables
{
    /// <summary><c>VER_FLG_WEAK</c>: a missing version is a warning for the loader, not an error.</summary>
    public const ushort VersionFlagWeak = 0x2;

    /// <summary><c>VER_FLG_BASE</c>: a version definition that only names the file itself.</summary>
    public const ushort VersionFlagBase = 0x1;

    public const long DynamicTagNull = 0;
    public const long DynamicTagRela = 7, DynamicTagRelaSize = 8;
    public const long DynamicTagRel = 17, DynamicTagRelSize = 18;
    public const long DynamicTagJumpRel = 23, DynamicTagPltRelSize = 2;
    public const long DynamicTagSymTab = 6;
    public const long DynamicTagVerSym = 0x6ffffff0, DynamicTagVerNeed = 0x6ffffffe;

    private const ulong VerneedSize = 16, VernauxSize = 16;  // sizeof(Elf64_Verneed), sizeof(Elf64_Vernaux)
    private const ulong VerdefSize = 20, VerdauxSize = 8;    // sizeof(Elf64_Verdef), sizeof(Elf64_Verdaux)
    private const ulong SymbolSize = 24, RelaSize = 24, RelSize = 16, DynamicEntrySize = 16;

    /// <summary>All version requirements in <c>.gnu.version_r</c> (empty if the file has none).</summary>
    public static IReadOnlyList<ElfVersionNeed> ReadVersionNeeds(ElfImage elf)
    {
        var section = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerNeed, ".gnu.version_r (SHT_GNU_verneed)");
        if (section is not ElfSection verneed)
        {
            return [];
        }
        ulong start = elf.CheckedSectionStart(verneed);
        var strings = elf.SectionAt(verneed.Link, $"section {ElfImage.Describe(verneed)}");
        var needs = new List<ElfVersionNeed>();

        // Entries form a chain: each Elf64_Verneed points (vn_next, relative) at the next one, and at its own
        // chain of Elf64_Vernaux entries (vn_aux, then vna_next). Bound the walk by what the section can hold.
        ulong maxEntries = verneed.Size / VernauxSize;
        ulong entry = 0;
        for (ulong fileCount = 0; ; fileCount++)
        {
            if (fileCount > maxEntries)
            {
                throw Damaged(elf, verneed, "its entries form a loop");
            }
            string where = $"version requirement at offset {entry} of {ElfImage.Describe(verneed)}";
            CheckInside(elf, verneed, entry, VerneedSize, where);
            ushort version = elf.ReadU16(start + entry, where);
            if (version != 1)
            {
                throw Damaged(elf, verneed, $"{where} has version {version}, expected 1");
            }
            ushort auxCount = elf.ReadU16(start + entry + 2, where);
            string library = elf.ReadString(strings, elf.ReadU32(start + entry + 4, where), $"the file name of the {where}");
            ulong aux = entry + elf.ReadU32(start + entry + 8, where);
            for (int i = 0; i < auxCount; i++)
            {
                string auxWhere = $"version entry {i} of the requirement on {library}";
                CheckInside(elf, verneed, aux, VernauxSize, auxWhere);
                ushort flags = elf.ReadU16(start + aux + 4, auxWhere);
                ushort index = elf.ReadU16(start + aux + 6, auxWhere);
                string name = elf.ReadString(strings, elf.ReadU32(start + aux + 8, auxWhere), $"the name of {auxWhere}");
                needs.Add(new ElfVersionNeed(library, name, flags, index, start + aux + 4));
                if ((ulong)needs.Count > maxEntries)
                {
                    throw Damaged(elf, verneed, "its entries form a loop");
                }
                uint nextAux = elf.ReadU32(start + aux + 12, auxWhere);
                if (nextAux == 0)
                {
                    break;
                }
                aux += nextAux;
            }
            uint next = elf.ReadU32(start + entry + 12, where);
            if (next == 0)
            {
                break;
            }
            entry += next;
        }
        return needs;
    }

    /// <summary>
    /// The version names a library defines in <c>.gnu.version_d</c>, such as <c>GLIBCXX_3.4.30</c>
    /// (the entry that only names the file itself is left out). Empty if the file has no such section.
    /// </summary>
    public static IReadOnlyList<string> ReadVersionDefinitions(ElfImage elf)
    {
        var section = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerDef, ".gnu.version_d (SHT_GNU_verdef)");
        if (section is not ElfSection verdef)
        {
            return [];
        }
        ulong start = elf.CheckedSectionStart(verdef);
        var strings = elf.SectionAt(verdef.Link, $"section {ElfImage.Describe(verdef)}");
        var names = new List<string>();
        ulong maxEntries = verdef.Size / VerdefSize;
        ulong entry = 0;
        for (ulong count = 0; ; count++)
        {
            if (count > maxEntries)
            {
                throw Damaged(elf, verdef, "its entries form a loop");
            }
            string where = $"version definition at offset {entry} of {ElfImage.Describe(verdef)}";
            CheckInside(elf, verdef, entry, VerdefSize, where);
            ushort version = elf.ReadU16(start + entry, where);
            if (version != 1)
            {
                throw Damaged(elf, verdef, $"{where} has version {version}, expected 1");
            }
            ushort flags = elf.ReadU16(start + entry + 2, where);
            ushort auxCount = elf.ReadU16(start + entry + 6, where);
            if (auxCount > 0 && (flags & VersionFlagBase) == 0)
            {
                // The first Elf64_Verdaux holds the version's own name; later ones name its parents.
                ulong aux = entry + elf.ReadU32(start + entry + 12, where);
                CheckInside(elf, verdef, aux, VerdauxSize, $"the name entry of the {where}");
                names.Add(elf.ReadString(strings, elf.ReadU32(start + aux, where), $"the name of the {where}"));
            }
            uint next = elf.ReadU32(start + entry + 16, where);
            if (next == 0)
            {
                break;
            }
            entry += next;
        }
        return names;
    }

    /// <summary>
    /// The dynamic symbols with their version indices. Throws if the file has version requirements but no
    /// <c>.gnu.version</c>, or if the two tables disagree in length.
    /// </summary>
    public static IReadOnlyList<ElfDynamicSymbol> ReadDynamicSymbols(ElfImage elf, out ElfSection dynsym)
    {
        dynsym = elf.SingleSectionOfType(ElfImage.SectionTypeDynSym, ".dynsym (SHT_DYNSYM)")
            ?? throw new ElfFormatException(ElfProblem.Malformed, $"{elf.Description} has no dynamic symbol table (.dynsym).");
        if (dynsym.EntrySize != SymbolSize)
        {
            throw Damaged(elf, dynsym, $"its entries are {dynsym.EntrySize} bytes, expected {SymbolSize}");
        }
        ulong symbolsStart = elf.CheckedSectionStart(dynsym);
        ulong count = dynsym.Size / SymbolSize;
        var strings = elf.SectionAt(dynsym.Link, $"section {ElfImage.Describe(dynsym)}");

        var versym = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerSym, ".gnu.version (SHT_GNU_versym)")
            ?? throw new ElfFormatException(ElfProblem.Malformed, $"{elf.Description} has no symbol version table (.gnu.version).");
        ulong versionsStart = elf.CheckedSectionStart(versym);
        if (versym.Size != count * 2)
        {
            throw Damaged(elf, versym, $"it has {versym.Size / 2} entries but .dynsym has {count} symbols");
        }

        var symbols = new ElfDynamicSymbol[count];
        for (ulong i = 0; i < count; i++)
        {
            string where = $"dynamic symbol {i}";
            ulong at = symbolsStart + i * SymbolSize;
            string name = elf.ReadString(strings, elf.ReadU32(at, where), $"the name of {where}");
            ushort sectionIndex = elf.ReadU16(at + 6, where);
            ushort version = (ushort)(elf.ReadU16(versionsStart + i * 2, $"the version of {where}") & 0x7fff);  // bit 15 = hidden
            symbols[i] = new ElfDynamicSymbol((uint)i, name, sectionIndex, version);
        }
        return symbols;
    }

    /// <summary>Where symbol <paramref name="symbolIndex"/>'s version index sits in the file (for tests that edit it).</summary>
    public static ulong VersionSymbolOffset(ElfImage elf, uint symbolIndex)
    {
        var versym = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerSym, ".gnu.version (SHT_GNU_versym)")
            ?? throw new ElfFormatException(ElfProblem.Malformed, $"{elf.Description} has no symbol version table (.gnu.version).");
        return elf.CheckedSectionStart(versym) + symbolIndex * 2UL;
    }

    /// <summary>
    /// The relocation sections the dynamic loader processes: every <c>SHT_RELA</c>/<c>SHT_REL</c> section that is
    /// loaded into memory or refers to <c>.dynsym</c> (<c>.rela.dyn</c>, <c>.rela.plt</c>, ...).
    /// </summary>
    public static IReadOnlyList<ElfSection> DynamicRelocationSections(ElfImage elf, ElfSection dynsym) =>
        elf.Sections
            .Where(s => s.Type is ElfImage.SectionTypeRela or ElfImage.SectionTypeRel)
            .Where(s => (s.Flags & ElfImage.SectionFlagAlloc) != 0 || s.Link == dynsym.Index)
            .ToArray();

    /// <summary>Every relocation in <paramref name="sections"/>, with the symbol index it refers to.</summary>
    public static IEnumerable<ElfRelocation> ReadRelocations(ElfImage elf, IEnumerable<ElfSection> sections)
    {
        foreach (var section in sections)
        {
            ulong entrySize = section.Type == ElfImage.SectionTypeRela ? RelaSize : RelSize;
            if (section.EntrySize != 0 && section.EntrySize != entrySize)
            {
                throw Damaged(elf, section, $"its entries are {section.EntrySize} bytes, expected {entrySize}");
            }
            ulong start = elf.CheckedSectionStart(section);
            for (ulong i = 0; i < section.Size / entrySize; i++)
            {
                ulong info = elf.ReadU64(start + i * entrySize + 8, $"relocation {i} of {ElfImage.Describe(section)}");
                yield return new ElfRelocation(section, (int)i, (uint)(info >> 32));  // ELF64_R_SYM(r_info)
            }
        }
    }

    /// <summary>The entries of the <c>.dynamic</c> table up to <c>DT_NULL</c>, or <c>null</c> if the file has none.</summary>
    public static IReadOnlyList<(long Tag, ulong Value)>? ReadDynamicEntries(ElfImage elf)
    {
        var section = elf.SingleSectionOfType(ElfImage.SectionTypeDynamic, ".dynamic (SHT_DYNAMIC)");
        if (section is not ElfSection dynamic)
        {
            return null;
        }
        ulong start = elf.CheckedSectionStart(dynamic);
        var entries = new List<(long, ulong)>();
        for (ulong i = 0; i < dynamic.Size / DynamicEntrySize; i++)
        {
            long tag = (long)elf.ReadU64(start + i * DynamicEntrySize, $"dynamic entry {i}");
            if (tag == DynamicTagNull)
            {
                break;
            }
            entries.Add((tag, elf.ReadU64(start + i * DynamicEntrySize + 8, $"dynamic entry {i}")));
        }
        return entries;
    }

    private static void CheckInside(ElfImage elf, ElfSection section, ulong offset, ulong size, string what)
    {
        if (offset > section.Size || size > section.Size - offset)
        {
            throw Damaged(elf, section, $"{what} (offset {offset}, {size} bytes) runs past the end of the section ({section.Size} bytes)");
        }
    }

    private static ElfFormatException Damaged(ElfImage elf, ElfSection section, string what) =>
        new(ElfProblem.Malformed, $"{elf.Description} is damaged: in section {ElfImage.Describe(section)}, {what}.");
}
