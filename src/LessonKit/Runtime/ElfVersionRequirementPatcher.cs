using System.Buffers.Binary;

namespace LessonKit.Runtime;

/// <summary>
/// Makes one symbol-version requirement of an ELF shared library weak (sets <c>VER_FLG_WEAK</c> in its
/// <c>.gnu.version_r</c> entry), but only when that is provably harmless: the requirement exists and is not weak
/// yet, every dynamic symbol bound to the version is on the rule's list of marker symbols, and no dynamic
/// relocation refers to any of them, so the loader never has to find them.
/// </summary>
/// <remarks>
/// The file is never changed in place: the patched bytes go to a temporary file in the same folder, which then
/// replaces the original with an atomic rename (keeping its permissions). A process that already mapped the
/// old file keeps it; one that opens the path sees either the old or the new file, never a half-written one.
/// Two processes patching at once both write identical bytes, so whichever rename lands last is fine.
/// </remarks>
internal static class ElfVersionRequirementPatcher
{
    private const int MaxAttempts = 3;

    /// <summary>
    /// The one patch LessonKit applies: make TorchSharp's <c>GLIBCXX_3.4.32</c> requirement weak in
    /// <paramref name="path"/>, if it exists and only <c>std::ios_base_library_init()</c> (a marker) uses it.
    /// Never throws for a bad or unreadable file: the result says what happened.
    /// </summary>
    public static PatchResult WeakenIosBaseLibraryInitRequirement(string path) =>
        WeakenRequirement(path, VersionRequirementRule.IosBaseLibraryInitMarker);

    /// <summary>Checks a file against <paramref name="rule"/> and patches it if safe. Never throws for file problems.</summary>
    internal static PatchResult WeakenRequirement(string path, VersionRequirementRule rule)
    {
        string target = ResolveFinalPath(path);
        for (int attempt = 1; ; attempt++)
        {
            if (!TryInspect(target, rule, out var original, out var analysis, out var early))
            {
                return early!;
            }
            switch (analysis!.Verdict)
            {
                case RequirementVerdict.AlreadyWeak:
                    return new PatchResult(target, PatchOutcome.AlreadyWeak, analysis.Reason);
                case RequirementVerdict.Absent:
                    return new PatchResult(target, PatchOutcome.NotNeeded, analysis.Reason);
                case RequirementVerdict.Unsafe:
                    return new PatchResult(target, PatchOutcome.Refused, analysis.Reason);
            }

            var patched = (byte[])original!.Clone();
            var need = analysis.Need!.Value;
            BinaryPrimitives.WriteUInt16LittleEndian(
                patched.AsSpan((int)need.FlagsOffset, 2), (ushort)(need.Flags | ElfDynamicTables.VersionFlagWeak));

            bool replaced;
            try
            {
                replaced = ReplaceAtomically(target, patched, expectedCurrent: original);
            }
            catch (UnauthorizedAccessException e)
            {
                return new PatchResult(target, PatchOutcome.Failed,
                    $"permission denied: LessonKit cannot create a file in {Path.GetDirectoryName(target)} (it writes a patched copy there and renames it over {Path.GetFileName(target)})", e);
            }
            catch (IOException e)
            {
                return new PatchResult(target, PatchOutcome.Failed,
                    $"could not write a patched copy in {Path.GetDirectoryName(target)} and rename it over {Path.GetFileName(target)}: {e.Message.TrimEnd('.')}", e);
            }
            if (!replaced)
            {
                if (attempt < MaxAttempts)
                {
                    continue;  // the file changed while we worked (another process?): start again from what is there now
                }
                return new PatchResult(target, PatchOutcome.Failed,
                    $"the file kept changing while LessonKit was patching it ({MaxAttempts} attempts); is another program rewriting it?");
            }

            // Check the result on disk: another process may have replaced the file right after our rename.
            if (!TryInspect(target, rule, out _, out var after, out var afterProblem))
            {
                return afterProblem!;
            }
            return after!.Verdict == RequirementVerdict.AlreadyWeak
                ? new PatchResult(target, PatchOutcome.Patched,
                    $"marked the {rule.Version} requirement on {rule.Library} weak (only {string.Join(", ", analysis.BoundSymbols.DefaultIfEmpty("no symbol"))} uses it, and nothing relocates against it)")
                : new PatchResult(target, PatchOutcome.Failed,
                    $"after the rename the file does not show the weak flag ({after.Reason}); another program may have replaced it");
        }
    }

    /// <summary>
    /// Sets or clears the weak flag of <paramref name="version"/>'s requirement without any safety check.
    /// For tests only: it turns an already patched copy of a library back into the pristine state.
    /// </summary>
    internal static void SetWeakFlagUnchecked(string path, string version, bool weak)
    {
        var bytes = File.ReadAllBytes(path);
        var elf = ElfImage.Parse(bytes, path);
        var need = ElfDynamicTables.ReadVersionNeeds(elf).Single(n => n.Version == version);
        ushort flags = weak ? (ushort)(need.Flags | ElfDynamicTables.VersionFlagWeak) : (ushort)(need.Flags & ~ElfDynamicTables.VersionFlagWeak);
        BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan((int)need.FlagsOffset, 2), flags);
        ReplaceAtomically(path, bytes, expectedCurrent: null);
    }

    /// <summary>Decides whether <paramref name="rule"/>'s requirement in <paramref name="elf"/> may be made weak.</summary>
    /// <exception cref="ElfFormatException">The file's tables are damaged.</exception>
    internal static VersionRequirementAnalysis Analyze(ElfImage elf, VersionRequirementRule rule)
    {
        if (elf.Sections.Count == 0)
        {
            throw new ElfFormatException(ElfProblem.Unsupported,
                $"{elf.Description} has no section header table, which LessonKit needs to find the version tables.");
        }
        var matches = ElfDynamicTables.ReadVersionNeeds(elf).Where(n => n.Version == rule.Version).ToArray();
        if (matches.Length == 0)
        {
            return new(RequirementVerdict.Absent, $"the file does not need {rule.Version}", null, []);
        }
        if (matches.Length > 1)
        {
            return Unsafe($"the file lists {rule.Version} {matches.Length} times in .gnu.version_r, which LessonKit does not expect", null, []);
        }
        var need = matches[0];
        if (need.Library != rule.Library)
        {
            return Unsafe($"the file needs {rule.Version} from {need.Library}, not from {rule.Library}", need, []);
        }
        if (need.IsWeak)
        {
            return new(RequirementVerdict.AlreadyWeak, $"the {rule.Version} requirement is already weak", need, []);
        }
        if (need.Index < 2)
        {
            return Unsafe($"the {rule.Version} requirement has the reserved version index {need.Index}", need, []);
        }

        // Which symbols would the loader look up in that version? Only the listed markers may be among them.
        var symbols = ElfDynamicTables.ReadDynamicSymbols(elf, out var dynsym);
        var bound = symbols.Where(s => s.VersionIndex == need.Index).ToArray();
        var boundNames = bound.Select(s => s.Name).ToArray();
        var others = bound.Where(s => !rule.AllowedSymbols.Contains(s.Name)).ToArray();
        if (others.Length > 0)
        {
            string shown = string.Join(", ", others.Take(5).Select(s => s.Name)) + (others.Length > 5 ? ", ..." : "");
            return Unsafe($"{others.Length} other symbol(s) need {rule.Version}, so the library really uses it: {shown}", need, boundNames);
        }
        var defined = bound.FirstOrDefault(s => !s.IsUndefined);
        if (defined.Name is not null)
        {
            return Unsafe($"the file defines {defined.Name} itself instead of importing it from {rule.Library}", need, boundNames);
        }

        // A marker is harmless only if nothing is ever resolved against it: no dynamic relocation may name it.
        var relocationSections = ElfDynamicTables.DynamicRelocationSections(elf, dynsym);
        var markerIndices = bound.Select(s => s.Index).ToHashSet();
        foreach (var relocation in ElfDynamicTables.ReadRelocations(elf, relocationSections))
        {
            if (markerIndices.Contains(relocation.SymbolIndex))
            {
                string name = symbols[(int)relocation.SymbolIndex].Name;
                return Unsafe($"relocation {relocation.EntryIndex} in {ElfImage.Describe(relocation.Section)} refers to {name}, so the loader would need it", need, boundNames);
            }
        }

        // The loader reads the tables through .dynamic, not the section headers: make sure both describe the
        // same tables, so the relocations checked above are the ones the loader processes.
        if (CheckSectionsMatchDynamicTable(elf, dynsym, relocationSections) is string mismatch)
        {
            return Unsafe(mismatch, need, boundNames);
        }

        string users = boundNames.Length == 0 ? "no symbol uses it" : $"only {string.Join(", ", boundNames)} uses it";
        return new(RequirementVerdict.SafeToWeaken, $"the {rule.Version} requirement is strong, {users}, and no relocation refers to it", need, boundNames);

        static VersionRequirementAnalysis Unsafe(string reason, ElfVersionNeed? need, IReadOnlyList<string> bound) =>
            new(RequirementVerdict.Unsafe, reason, need, bound);
    }

    private static string? CheckSectionsMatchDynamicTable(ElfImage elf, ElfSection dynsym, IReadOnlyList<ElfSection> relocationSections)
    {
        var dynamic = ElfDynamicTables.ReadDynamicEntries(elf);
        if (dynamic is null)
        {
            return "the file has no .dynamic section, so LessonKit cannot check what the loader reads";
        }
        ulong? Tag(long tag) => dynamic.Where(e => e.Tag == tag).Select(e => (ulong?)e.Value).FirstOrDefault();

        var verneed = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerNeed, ".gnu.version_r")!.Value;
        var versym = elf.SingleSectionOfType(ElfImage.SectionTypeGnuVerSym, ".gnu.version")!.Value;
        foreach (var (tag, name, section) in new[]
                 {
                     (ElfDynamicTables.DynamicTagVerNeed, "DT_VERNEED", verneed),
                     (ElfDynamicTables.DynamicTagVerSym, "DT_VERSYM", versym),
                     (ElfDynamicTables.DynamicTagSymTab, "DT_SYMTAB", dynsym),
                 })
        {
            if (Tag(tag) is not ulong address || address != section.Address)
            {
                return $"the section headers disagree with the .dynamic table: {name} is {(Tag(tag) is ulong a ? $"0x{a:x}" : "missing")} but {ElfImage.Describe(section)} is at 0x{section.Address:x}";
            }
        }

        // Every relocation range the loader processes must lie inside the relocation sections checked.
        var checkedRanges = relocationSections.Select(s => (Start: s.Address, End: s.Address + s.Size)).OrderBy(r => r.Start).ToArray();
        foreach (var (addressTag, sizeTag, name) in new[]
                 {
                     (ElfDynamicTables.DynamicTagRela, ElfDynamicTables.DynamicTagRelaSize, "DT_RELA"),
                     (ElfDynamicTables.DynamicTagRel, ElfDynamicTables.DynamicTagRelSize, "DT_REL"),
                     (ElfDynamicTables.DynamicTagJumpRel, ElfDynamicTables.DynamicTagPltRelSize, "DT_JMPREL"),
                 })
        {
            if (Tag(addressTag) is not ulong start)
            {
                continue;
            }
            ulong size = Tag(sizeTag) ?? 0;
            if (!IsCovered(start, start + size, checkedRanges))
            {
                return $"the section headers disagree with the .dynamic table: the {name} relocations at 0x{start:x} ({size} bytes) are not all in a relocation section LessonKit checked";
            }
        }
        return null;
    }

    // True when [start, end) is covered by the union of the sorted ranges.
    private static bool IsCovered(ulong start, ulong end, IEnumerable<(ulong Start, ulong End)> sortedRanges)
    {
        ulong reached = start;
        foreach (var range in sortedRanges)
        {
            if (range.Start > reached)
            {
                break;
            }
            reached = Math.Max(reached, range.End);
        }
        return reached >= end;
    }

    // Reads and analyses the file; on failure, 'problem' says why (never throws for file problems).
    private static bool TryInspect(string path, VersionRequirementRule rule, out byte[]? bytes,
        out VersionRequirementAnalysis? analysis, out PatchResult? problem)
    {
        bytes = null;
        analysis = null;
        problem = null;
        try
        {
            var length = new FileInfo(path).Length;
            if (length > ElfImage.MaxFileSize)
            {
                problem = new PatchResult(path, PatchOutcome.NotApplicable, $"the file is {length} bytes, too large to be the library LessonKit patches");
                return false;
            }
            bytes = File.ReadAllBytes(path);
            analysis = Analyze(ElfImage.Parse(bytes, path), rule);
            return true;
        }
        catch (ElfFormatException e)
        {
            var outcome = e.Problem == ElfProblem.Malformed ? PatchOutcome.Malformed : PatchOutcome.NotApplicable;
            problem = new PatchResult(path, outcome, e.Message);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problem = new PatchResult(path, PatchOutcome.Failed, $"could not read the file: {e.Message.TrimEnd('.')}", e);
        }
        return false;
    }

    /// <summary>
    /// Writes <paramref name="contents"/> to a new temporary file next to <paramref name="path"/> (same
    /// permissions, flushed to disk) and renames it over <paramref name="path"/>. If
    /// <paramref name="expectedCurrent"/> is given and the file no longer holds exactly those bytes, nothing is
    /// replaced and the method returns false.
    /// </summary>
    private static bool ReplaceAtomically(string path, byte[] contents, byte[]? expectedCurrent)
    {
        string folder = Path.GetDirectoryName(path) ?? ".";
        // A leading dot and the .tmp suffix keep the temporary file out of TorchSharp's "*.so" copy patterns.
        string temporary = Path.Combine(folder,
            $".{Path.GetFileName(path)}.lessonkit-{Environment.ProcessId}-{Path.GetRandomFileName()}.tmp");
        try
        {
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                stream.Write(contents);
                stream.Flush(flushToDisk: true);
            }
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temporary, File.GetUnixFileMode(path));
            }
            if (expectedCurrent is not null && !File.ReadAllBytes(path).AsSpan().SequenceEqual(expectedCurrent))
            {
                return false;
            }
            File.Move(temporary, path, overwrite: true);  // rename(2) on Linux: atomic within one folder
            return true;
        }
        finally
        {
            try
            {
                File.Delete(temporary);  // no-op after a successful rename
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Best effort: a stray temporary file is harmless.
            }
        }
    }

    private static string ResolveFinalPath(string path)
    {
        string full = Path.GetFullPath(path);
        try
        {
            // Patch the real file behind a symbolic link; renaming over the link would replace the link itself.
            return new FileInfo(full).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? full;
        }
        catch (IOException)
        {
            return full;  // a broken link: reading it will report the problem
        }
    }
}
