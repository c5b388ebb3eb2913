using System.Buffers.Binary;
using LessonKit.Runtime;
using static LessonKit.Tests.Runtime.NativeTestFiles;

namespace LessonKit.Tests.Runtime;

public sealed class ElfVersionRequirementPatcherTests : IDisposable
{
    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [Fact]
    public void The_pristine_library_needs_the_marker_version_strongly_and_only_for_the_marker()
    {
        var path = PristineCopy(folder);
        var elf = ElfImage.Load(path);
        var need = MarkerNeed(path);
        Assert.Equal("libstdc++.so.6", need.Library);
        Assert.False(need.IsWeak);

        var analysis = ElfVersionRequirementPatcher.Analyze(elf, VersionRequirementRule.IosBaseLibraryInitMarker);
        Assert.Equal(RequirementVerdict.SafeToWeaken, analysis.Verdict);
        Assert.Equal([MarkerSymbol], analysis.BoundSymbols);
    }

    [Fact]
    public void Patching_sets_the_weak_flag_and_changes_nothing_else()
    {
        var path = PristineCopy(folder);
        var before = File.ReadAllBytes(path);
        var needsBefore = ElfDynamicTables.ReadVersionNeeds(ElfImage.Load(path));

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Patched, result.Outcome);
        Assert.Equal(path, result.Path);
        var after = File.ReadAllBytes(path);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        var need = MarkerNeed(path);
        Assert.Equal([(int)need.FlagsOffset], changed);  // vna_flags' low byte, and nothing else
        Assert.Equal(ElfDynamicTables.VersionFlagWeak, need.Flags);
        var needsAfter = ElfDynamicTables.ReadVersionNeeds(ElfImage.Load(path));
        Assert.Equal(needsBefore.Where(n => n.Version != MarkerVersion), needsAfter.Where(n => n.Version != MarkerVersion));
    }

    [Fact]
    public void A_second_run_finds_the_flag_and_leaves_the_file_alone()
    {
        var path = PristineCopy(folder);
        Assert.Equal(PatchOutcome.Patched, ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path).Outcome);
        var patched = File.ReadAllBytes(path);
        var writeTime = File.GetLastWriteTimeUtc(path);

        var second = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.AlreadyWeak, second.Outcome);
        Assert.Equal(patched, File.ReadAllBytes(path));
        Assert.Equal(writeTime, File.GetLastWriteTimeUtc(path));
    }

    [Fact]
    public void Refuses_when_another_symbol_is_bound_to_the_version()
    {
        var path = PristineCopy(folder);
        var elf = ElfImage.Load(path);
        var need = MarkerNeed(path);
        var other = ElfDynamicTables.ReadDynamicSymbols(elf, out _).First(s => s.IsUndefined && s.VersionIndex > 1 && s.Name != MarkerSymbol);
        WriteU16(path, ElfDynamicTables.VersionSymbolOffset(elf, other.Index), need.Index);  // rebind it to GLIBCXX_3.4.32
        var before = File.ReadAllBytes(path);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Refused, result.Outcome);
        Assert.Contains(other.Name, result.Detail);
        Assert.Contains("really uses it", result.Detail);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Refuses_when_a_relocation_refers_to_the_marker()
    {
        var path = PristineCopy(folder);
        var elf = ElfImage.Load(path);
        var marker = ElfDynamicTables.ReadDynamicSymbols(elf, out _).Single(s => s.Name == MarkerSymbol);
        var pltRelocations = elf.Sections.Single(s => s.Name == ".rela.plt");
        ulong infoOffset = pltRelocations.Offset + 8;  // r_info of the first Elf64_Rela
        ulong info = elf.ReadU64(infoOffset, "r_info");
        WriteU64(path, infoOffset, ((ulong)marker.Index << 32) | (info & 0xffffffff));  // same type, marker symbol
        var before = File.ReadAllBytes(path);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Refused, result.Outcome);
        Assert.Contains("relocation 0 in .rela.plt", result.Detail);
        Assert.Contains(MarkerSymbol, result.Detail);
        Assert.Equal(before, File.ReadAllBytes(path));
    }

    [Fact]
    public void Refuses_when_the_section_headers_disagree_with_the_dynamic_table()
    {
        var path = PristineCopy(folder);
        var addressField = SectionHeaderField(path, ".gnu.version_r", 0x10);  // sh_addr
        WriteU64(path, addressField, 0x1234);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Refused, result.Outcome);
        Assert.Contains("DT_VERNEED", result.Detail);
    }

    [Fact]
    public void Refuses_when_a_dynamic_relocation_range_lies_outside_the_checked_sections()
    {
        var path = PristineCopy(folder);
        var sizeField = SectionHeaderField(path, ".rela.plt", 0x20);  // sh_size: pretend the section is shorter
        var elf = ElfImage.Load(path);
        WriteU64(path, sizeField, elf.Sections.Single(s => s.Name == ".rela.plt").Size - 24);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Refused, result.Outcome);
        Assert.Contains("DT_JMPREL", result.Detail);
    }

    [Fact]
    public void The_rule_is_a_parameter_of_the_core()
    {
        var path = PristineCopy(folder);

        var absent = ElfVersionRequirementPatcher.WeakenRequirement(path, new("libstdc++.so.6", "GLIBCXX_9.9", []));
        var usedForReal = ElfVersionRequirementPatcher.WeakenRequirement(path, new("libstdc++.so.6", "GLIBCXX_3.4.30", [MarkerSymbol]));
        var wrongLibrary = ElfVersionRequirementPatcher.WeakenRequirement(path, new("libfoo.so.1", MarkerVersion, [MarkerSymbol]));
        var markerNotAllowed = ElfVersionRequirementPatcher.WeakenRequirement(path, new("libstdc++.so.6", MarkerVersion, []));

        Assert.Equal(PatchOutcome.NotNeeded, absent.Outcome);
        Assert.Equal(PatchOutcome.Refused, usedForReal.Outcome);
        Assert.Contains("other symbol(s) need GLIBCXX_3.4.30", usedForReal.Detail);
        Assert.Equal(PatchOutcome.Refused, wrongLibrary.Outcome);
        Assert.Contains("from libstdc++.so.6, not from libfoo.so.1", wrongLibrary.Detail);
        Assert.Equal(PatchOutcome.Refused, markerNotAllowed.Outcome);
        Assert.False(MarkerNeed(path).IsWeak);
    }

    [Fact]
    public void A_file_that_is_not_ELF_is_not_applicable()
    {
        var text = folder.File("notes.so");
        File.WriteAllText(text, "this is not a shared library");
        var empty = folder.File("empty.so");
        File.WriteAllBytes(empty, []);

        var textResult = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(text);
        var emptyResult = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(empty);

        Assert.Equal(PatchOutcome.NotApplicable, textResult.Outcome);
        Assert.Contains("is not an ELF file", textResult.Detail);
        Assert.Contains(text, textResult.Detail);
        Assert.Equal(PatchOutcome.NotApplicable, emptyResult.Outcome);
        Assert.Equal("this is not a shared library", File.ReadAllText(text));
    }

    [Fact]
    public void A_truncated_library_is_reported_as_truncated()
    {
        var path = PristineCopy(folder);
        var bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        var shortHeader = folder.File("short.so");
        File.WriteAllBytes(shortHeader, bytes[..40]);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);
        var headerResult = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(shortHeader);

        Assert.Equal(PatchOutcome.Malformed, result.Outcome);
        Assert.Contains("truncated", result.Detail);
        Assert.Contains("section header table", result.Detail);
        Assert.Equal(PatchOutcome.Malformed, headerResult.Outcome);
        Assert.Contains("shorter than the 64-byte ELF header", headerResult.Detail);
    }

    [Fact]
    public void A_section_offset_past_the_end_is_reported_not_followed()
    {
        var path = PristineCopy(folder);
        WriteU64(path, SectionHeaderField(path, ".gnu.version_r", 0x18), 0x7fff_ffff_0000);  // sh_offset

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.Malformed, result.Outcome);
        Assert.Contains(".gnu.version_r", result.Detail);
        Assert.Contains("runs past the end of the file", result.Detail);
    }

    [Fact]
    public void A_library_without_section_headers_is_not_applicable()
    {
        var path = PristineCopy(folder);
        WriteU64(path, 0x28, 0);  // e_shoff = 0: no section header table

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.NotApplicable, result.Outcome);
        Assert.Contains("no section header table", result.Detail);
    }

    [Theory]
    [InlineData(4, 1, "32-bit")]
    [InlineData(5, 2, "big-endian")]
    public void ELF_files_for_other_machines_are_not_applicable(int identByte, byte value, string expected)
    {
        var path = PristineCopy(folder);
        var bytes = File.ReadAllBytes(path);
        bytes[identByte] = value;
        File.WriteAllBytes(path, bytes);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);

        Assert.Equal(PatchOutcome.NotApplicable, result.Outcome);
        Assert.Contains(expected, result.Detail);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void Random_damage_never_crashes_the_reader()
    {
        var pristine = File.ReadAllBytes(PristineCopy(folder));
        var elf = ElfImage.Parse(pristine, "pristine");
        // Damage the places the reader interprets: the ELF header, the section header table and the version tables.
        var regions = new List<(int Start, int Length)> { (0, 64), ((int)elf.ReadU64(0x28, "e_shoff"), elf.Sections.Count * 64) };
        regions.AddRange(elf.Sections.Where(s => s.Name is ".gnu.version_r" or ".dynamic").Select(s => ((int)s.Offset, (int)s.Size)));
        var random = new Random(1234);
        var outcomes = new HashSet<RequirementVerdict?>();
        for (int i = 0; i < 200; i++)
        {
            var bytes = (byte[])pristine.Clone();
            for (int j = 0; j < 1 + i % 4; j++)
            {
                var (start, length) = regions[random.Next(regions.Count)];
                bytes[start + random.Next(length)] = (byte)random.Next(256);
            }
            try
            {
                outcomes.Add(ElfVersionRequirementPatcher.Analyze(ElfImage.Parse(bytes, $"mutation {i}"), VersionRequirementRule.IosBaseLibraryInitMarker).Verdict);
            }
            catch (ElfFormatException e)
            {
                Assert.Contains($"mutation {i}", e.Message);
                outcomes.Add(null);
            }
        }
        Assert.True(outcomes.Count >= 2, "the mutations should reach more than one outcome");
    }

    [Fact]
    public void The_file_mode_is_kept()
    {
        if (OperatingSystem.IsWindows())
        {
            return;  // Unix permissions only
        }
        var path = PristineCopy(folder);
        var mode = UnixFileMode.UserRead | UnixFileMode.UserExecute | UnixFileMode.GroupRead | UnixFileMode.OtherRead;  // r-xr--r--
        File.SetUnixFileMode(path, mode);

        Assert.Equal(PatchOutcome.Patched, ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path).Outcome);

        Assert.Equal(mode, File.GetUnixFileMode(path));
        Assert.True(MarkerNeed(path).IsWeak);
    }

    [Fact]
    public void No_temporary_file_is_left_behind()
    {
        var path = PristineCopy(folder);
        ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path);
        Assert.Equal([path], Directory.GetFiles(folder.Path));
    }

    [Fact]
    public void A_symbolic_link_is_followed_and_kept()
    {
        var target = PristineCopy(folder, "real.so");
        var link = folder.File(TorchSharpNativeFiles.LibraryFileName);
        File.CreateSymbolicLink(link, target);

        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(link);

        Assert.Equal(PatchOutcome.Patched, result.Outcome);
        Assert.Equal(target, result.Path);
        Assert.Equal(target, new FileInfo(link).LinkTarget);
        Assert.True(MarkerNeed(target).IsWeak);
    }

    [Fact]
    public void A_missing_file_is_a_failure_not_a_crash()
    {
        var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(folder.File("missing.so"));
        Assert.Equal(PatchOutcome.Failed, result.Outcome);
        Assert.Contains("could not read", result.Detail);
    }

    [Fact]
    public async Task Concurrent_patchers_never_expose_a_partial_file()
    {
        var path = PristineCopy(folder);
        var pristine = File.ReadAllBytes(path);
        var patched = (byte[])pristine.Clone();
        var flags = MarkerNeed(path).FlagsOffset;
        BinaryPrimitives.WriteUInt16LittleEndian(patched.AsSpan((int)flags), ElfDynamicTables.VersionFlagWeak);

        for (int round = 0; round < 4; round++)
        {
            File.WriteAllBytes(path, pristine);
            using var stop = new CancellationTokenSource();
            var reader = Task.Run(() =>
            {
                int reads = 0;
                while (!stop.IsCancellationRequested || reads == 0)
                {
                    var seen = File.ReadAllBytes(path);
                    Assert.True(seen.AsSpan().SequenceEqual(pristine) || seen.AsSpan().SequenceEqual(patched), "a reader saw a half-written file");
                    reads++;
                }
            });
            var patchers = Enumerable.Range(0, 4)
                .Select(_ => Task.Run(() => ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(path)))
                .ToArray();
            var results = await Task.WhenAll(patchers);
            stop.Cancel();
            await reader;

            Assert.All(results, r => Assert.Contains(r.Outcome, new[] { PatchOutcome.Patched, PatchOutcome.AlreadyWeak }));
            Assert.Contains(results, r => r.Outcome == PatchOutcome.Patched);
            Assert.Equal(patched, File.ReadAllBytes(path));
            Assert.Equal([path], Directory.GetFiles(folder.Path));
        }
    }
}
