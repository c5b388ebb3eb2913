using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

public class SystemMemoryTests
{
    [Fact]
    public void MemAvailable_is_read_in_bytes()
    {
        const string meminfo = "MemTotal:       24683520 kB\nMemFree:        14161428 kB\nMemAvailable:   23564312 kB\nBuffers:          123 kB\n";
        Assert.Equal(23564312L * 1024, SystemMemory.ParseMemAvailable(meminfo));
        Assert.Null(SystemMemory.ParseMemAvailable("MemTotal: 1 kB\n"));
    }

    [Fact]
    public void Cgroup_limits_give_the_room_left_and_no_limit_gives_nothing()
    {
        Assert.Equal(6_000_000_000L, SystemMemory.CgroupV2Room("8000000000\n", "2000000000\n"));
        Assert.Null(SystemMemory.CgroupV2Room("max\n", "2000000000\n"));
        Assert.Equal(0L, SystemMemory.CgroupV2Room("1000", "2000"));
        Assert.Equal(1_000_000L, SystemMemory.CgroupV1Room("3000000", "2000000"));
        Assert.Null(SystemMemory.CgroupV1Room("9223372036854771712", "2000000"));
        Assert.Null(SystemMemory.CgroupV2Room(null, "1"));
    }

    [Fact]
    public void This_machine_reports_some_free_memory()
    {
        var (bytes, source) = SystemMemory.Available();
        Assert.NotNull(bytes);
        Assert.True(bytes > 0);
        Assert.NotEqual("unknown", source);
    }
}
