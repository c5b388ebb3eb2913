using LessonKit.Runtime;
using static LessonKit.Tests.Runtime.NativeTestFiles;

namespace LessonKit.Tests.Runtime;

public sealed class GlibcxxMarkerFixTests : IDisposable
{
    private static readonly LibStdCxxInfo Gcc12 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "test",
        ["GLIBCXX_3.4", "GLIBCXX_3.4.9", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30", "CXXABI_1.3.13"]);

    private static readonly LibStdCxxInfo Gcc13 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.32", "test",
        ["GLIBCXX_3.4", "GLIBCXX_3.4.30", "GLIBCXX_3.4.31", "GLIBCXX_3.4.32", "CXXABI_1.3.14"]);

    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    private string PristineIn(string subfolder)
    {
        Directory.CreateDirectory(folder.File(subfolder));
        var path = folder.File(Path.Combine(subfolder, TorchSharpNativeFiles.LibraryFileName));
        File.Copy(PristineCopy(folder, "source.so"), path);
        return path;
    }

    [Fact]
    public void With_an_old_libstdcxx_every_copy_is_patched_with_exactly_one_stderr_line_each()
    {
        var first = PristineIn("native");
        var second = PristineIn("cpu");
        var stderr = new StringWriter();
        var log = new List<string>();

        var result = GlibcxxMarkerFix.Run(Gcc12, null, [first, second], disabled: false, stderr, log);

        Assert.True(result.Needed);
        Assert.All(result.Files, f => Assert.Equal(PatchOutcome.Patched, f.Outcome));
        Assert.True(MarkerNeed(first).IsWeak);
        Assert.True(MarkerNeed(second).IsWeak);
        Assert.Empty(result.LeftUnpatched);
        var lines = stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(
        [
            "LessonKit: libLibTorchSharp.so needs GLIBCXX_3.4.32 only for std::ios_base_library_init (a link-time marker); " +
            $"your libstdc++ stops at GLIBCXX_3.4.30, so LessonKit marked that requirement weak in {first}.",
            "LessonKit: libLibTorchSharp.so needs GLIBCXX_3.4.32 only for std::ios_base_library_init (a link-time marker); " +
            $"your libstdc++ stops at GLIBCXX_3.4.30, so LessonKit marked that requirement weak in {second}.",
        ], lines);
        Assert.Contains(log, l => l.Contains("stops at GLIBCXX_3.4.30") && l.Contains(Gcc12.Path));
        Assert.Contains(log, l => l.StartsWith($"Patched: {first}", StringComparison.Ordinal));

        var again = new StringWriter();
        var secondRun = GlibcxxMarkerFix.Run(Gcc12, null, [first, second], disabled: false, again, log);
        Assert.All(secondRun.Files, f => Assert.Equal(PatchOutcome.AlreadyWeak, f.Outcome));
        Assert.Equal("", again.ToString());
    }

    [Fact]
    public void With_a_GCC_13_libstdcxx_nothing_is_touched()
    {
        var library = PristineIn("native");
        var before = File.ReadAllBytes(library);
        var stderr = new StringWriter();
        var log = new List<string>();

        var result = GlibcxxMarkerFix.Run(Gcc13, null, [library], disabled: false, stderr, log);

        Assert.False(result.Needed);
        Assert.Empty(result.Files);
        Assert.Equal(before, File.ReadAllBytes(library));
        Assert.Equal("", stderr.ToString());
        Assert.Contains(log, l => l.Contains("provides GLIBCXX_3.4.32") && l.Contains("nothing to patch"));
    }

    [Fact]
    public void The_opt_out_variable_stops_patching_and_is_logged()
    {
        var library = PristineIn("native");
        var log = new List<string>();

        var result = GlibcxxMarkerFix.Run(Gcc12, null, [library], disabled: true, new StringWriter(), log);

        Assert.True(result.Needed);
        Assert.True(result.Disabled);
        Assert.False(MarkerNeed(library).IsWeak);
        Assert.Equal([library], result.LeftUnpatched);
        Assert.Contains(log, l => l.Contains(GlibcxxMarkerFix.OptOutVariable));
    }

    [Fact]
    public void A_copy_that_cannot_be_patched_gets_one_stderr_line_that_says_so()
    {
        var library = PristineIn("native");
        var elf = ElfImage.Load(library);
        var other = ElfDynamicTables.ReadDynamicSymbols(elf, out _).First(s => s.IsUndefined && s.VersionIndex > 1 && s.Name != MarkerSymbol);
        WriteU16(library, ElfDynamicTables.VersionSymbolOffset(elf, other.Index), MarkerNeed(library).Index);
        var stderr = new StringWriter();

        var result = GlibcxxMarkerFix.Run(Gcc12, null, [library], disabled: false, stderr, new List<string>());

        Assert.Equal(PatchOutcome.Refused, Assert.Single(result.Files).Outcome);
        Assert.Equal([library], result.LeftUnpatched);
        var line = Assert.Single(stderr.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"could not mark that requirement weak in {library}", line);
        Assert.Contains("EnsureReady()", line);
    }

    [Fact]
    public void Without_a_readable_libstdcxx_nothing_is_done_and_the_reason_is_logged()
    {
        var log = new List<string>();
        var result = GlibcxxMarkerFix.Run(null, "could not find libstdc++.so.6", [], disabled: false, new StringWriter(), log);
        Assert.False(result.Needed);
        Assert.Contains(log, l => l.Contains("could not find libstdc++.so.6"));
    }

    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("1", true)]
    [InlineData("yes", true)]
    public void The_opt_out_variable_is_read_as_a_switch(string? value, bool disabled) =>
        Assert.Equal(disabled, GlibcxxMarkerFix.IsDisabled(value));
}
