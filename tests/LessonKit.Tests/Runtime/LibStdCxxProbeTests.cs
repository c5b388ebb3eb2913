using System.Text.RegularExpressions;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

public sealed class LibStdCxxProbeTests
{
    [Fact]
    public void Finds_the_libstdcxx_this_process_uses_and_reads_its_versions()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        var info = LibStdCxxProbe.FindForCurrentProcess(out var problem);

        Assert.True(info is not null, problem);
        Assert.Equal("already loaded in this process", info.FoundBy);  // the .NET runtime itself links libstdc++
        Assert.StartsWith(LibStdCxxProbe.SoName, Path.GetFileName(info.Path));
        Assert.True(info.Defines("GLIBCXX_3.4"));
        Assert.True(info.Defines("GLIBCXX_3.4.30"), $"{info.Path} should define GLIBCXX_3.4.30 (GCC 12 or newer)");
        Assert.Contains(info.Versions, v => v.StartsWith("CXXABI_1.3", StringComparison.Ordinal));
    }

    [Fact]
    public void Detection_agrees_with_the_libstdcxx_file_name()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        // Independent oracle: libstdc++.so.6.0.N defines exactly GLIBCXX_3.4.0 ... GLIBCXX_3.4.N (GCC 5 and newer).
        var info = LibStdCxxProbe.FindForCurrentProcess(out var problem)!;
        Assert.True(info is not null, problem);
        var realName = Path.GetFileName(new FileInfo(info.Path).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? info.Path);
        var match = Regex.Match(realName, @"^libstdc\+\+\.so\.6\.0\.(\d+)$");
        Assert.True(match.Success, $"unexpected libstdc++ file name {realName}");
        int patch = int.Parse(match.Groups[1].Value);

        Assert.Equal($"GLIBCXX_3.4.{patch}", info.NewestGlibcxx);
        Assert.Equal(patch >= 32, info.Defines("GLIBCXX_3.4.32"));
    }

    [Fact]
    public void On_Debian_12_GLIBCXX_3_4_32_is_missing_and_3_4_30_present()
    {
        if (!File.Exists("/etc/os-release") || !File.ReadAllText("/etc/os-release").Contains("VERSION_ID=\"12\"") ||
            !File.ReadAllText("/etc/os-release").Contains("ID=debian"))
        {
            return;  // the machine-specific fact below is Debian 12's (GCC 12's libstdc++)
        }
        var info = LibStdCxxProbe.FindForCurrentProcess(out var problem)!;
        Assert.True(info is not null, problem);
        Assert.False(info.Defines("GLIBCXX_3.4.32"));
        Assert.True(info.Defines("GLIBCXX_3.4.30"));
        Assert.Equal("GLIBCXX_3.4.30", info.NewestGlibcxx);
    }

    [Fact]
    public void A_library_already_in_memory_wins_over_every_search_path()
    {
        var located = LibStdCxxProbe.Locate(
            ["/usr/lib/x86_64-linux-gnu/libc.so.6", "/opt/gcc13/lib64/libstdc++.so.6.0.32"],
            "/home/me/lib", () => throw new InvalidOperationException("ldconfig must not be asked"), _ => true);

        Assert.Equal(("/opt/gcc13/lib64/libstdc++.so.6.0.32", "already loaded in this process"), located);
    }

    [Fact]
    public void Then_LD_LIBRARY_PATH_then_the_loader_cache_then_the_default_folders()
    {
        var fromLdLibraryPath = LibStdCxxProbe.Locate([], "/nope:/home/me/lib", () => null,
            p => p == "/home/me/lib/libstdc++.so.6");
        var fromCache = LibStdCxxProbe.Locate([], "/nope", () => "\tlibstdc++.so.6 (libc6,x86-64) => /cache/libstdc++.so.6\n",
            p => p.StartsWith("/usr/lib", StringComparison.Ordinal));
        var fromDefault = LibStdCxxProbe.Locate([], null, () => null, p => p == "/usr/lib64/libstdc++.so.6");
        var nowhere = LibStdCxxProbe.Locate([], null, () => null, _ => false);

        Assert.Equal(("/home/me/lib/libstdc++.so.6", "from LD_LIBRARY_PATH"), fromLdLibraryPath);
        Assert.Equal("/cache/libstdc++.so.6", fromCache?.Path);
        Assert.Equal("/usr/lib64/libstdc++.so.6", fromDefault?.Path);
        Assert.Null(nowhere);
    }

    [Fact]
    public void Reads_the_x86_64_entry_from_ldconfig_output()
    {
        const string output = """
            1234 libs found in cache `/etc/ld.so.cache'
            	libstdc++.so.6 (libc6) => /usr/lib32/libstdc++.so.6
            	libstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6
            	libstdc++.so.6.0.30-gdb.py (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6.0.30-gdb.py
            """;
        Assert.Equal("/lib/x86_64-linux-gnu/libstdc++.so.6", LibStdCxxProbe.ParseLdconfig(output, LibStdCxxProbe.SoName));
        Assert.Null(LibStdCxxProbe.ParseLdconfig("\tlibfoo.so.1 (libc6,x86-64) => /lib/libfoo.so.1", LibStdCxxProbe.SoName));
    }

    [Theory]
    [InlineData("GLIBCXX_3.4.9", "GLIBCXX_3.4.30", -1)]
    [InlineData("GLIBCXX_3.4.30", "GLIBCXX_3.4.30", 0)]
    [InlineData("GLIBCXX_3.4.32", "GLIBCXX_3.4.4", 1)]
    [InlineData("GLIBCXX_3.4", "GLIBCXX_3.4.1", -1)]
    public void GLIBCXX_versions_compare_numerically(string a, string b, int expected) =>
        Assert.Equal(expected, Math.Sign(LibStdCxxProbe.CompareGlibcxx(a, b)));

    [Fact]
    public void Reading_a_file_that_is_not_a_library_is_a_clear_error()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("libstdc++.so.6"), "nope");
        var error = Assert.Throws<ElfFormatException>(() => LibStdCxxProbe.Read(folder.File("libstdc++.so.6"), "test"));
        Assert.Contains("is not an ELF file", error.Message);
    }

    [Fact]
    public void Memory_map_lines_give_file_paths()
    {
        string[] lines =
        [
            "7f0000000000-7f0000001000 r--p 00000000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
            "7f0000001000-7f0000002000 r-xp 00001000 08:01 1234                       /usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30",
            "7f0000002000-7f0000003000 rw-p 00000000 00:00 0 ",
            "7f0000003000-7f0000004000 rw-p 00000000 00:00 0                          [heap]",
            "7f0000004000-7f0000005000 r--p 00000000 08:01 99                         /home/me/My Lessons/lib torch.so (deleted)",
        ];
        Assert.Equal(["/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "/home/me/My Lessons/lib torch.so"], ProcessMemoryMap.ParseMappedFiles(lines));
    }
}
