using System.Globalization;

namespace LessonKit.Lessons;

/// <summary>
/// How much memory this machine can still give a process: on Linux the kernel's <c>MemAvailable</c>
/// (<c>/proc/meminfo</c>), lowered to what a container's memory limit leaves (cgroup v2 or v1); elsewhere what the
/// .NET garbage collector sees as free physical memory.
/// </summary>
internal static class SystemMemory
{
    /// <summary>The memory available now, in bytes, and where the number comes from; null bytes if it cannot be read.</summary>
    public static (long? Bytes, string Source) Available()
    {
        long? best = null;
        string source = "";
        if (TryRead("/proc/meminfo") is string meminfo && ParseMemAvailable(meminfo) is long available)
            (best, source) = (available, "MemAvailable in /proc/meminfo");

        // A container can have a limit below what the machine has free: take the smaller.
        long? cgroupRoom = CgroupV2Room(TryRead("/sys/fs/cgroup/memory.max"), TryRead("/sys/fs/cgroup/memory.current"))
                           ?? CgroupV1Room(TryRead("/sys/fs/cgroup/memory/memory.limit_in_bytes"), TryRead("/sys/fs/cgroup/memory/memory.usage_in_bytes"));
        if (cgroupRoom is long room && (best is null || room < best))
            (best, source) = (room, "the container's memory limit (cgroup)");

        if (best is null)
        {
            var info = GC.GetGCMemoryInfo();
            if (info.TotalAvailableMemoryBytes > 0)
                (best, source) = (Math.Max(0, info.TotalAvailableMemoryBytes - info.MemoryLoadBytes), ".NET's view of free physical memory");
        }
        return (best, best is null ? "unknown" : source);
    }

    /// <summary>The <c>MemAvailable</c> line of <c>/proc/meminfo</c> in bytes (the file gives kB), or null.</summary>
    internal static long? ParseMemAvailable(string meminfo)
    {
        foreach (string line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemAvailable:", StringComparison.Ordinal)) continue;
            string[] parts = line["MemAvailable:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length >= 1 && long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long kilobytes))
                return parts.Length >= 2 && parts[1] == "kB" ? kilobytes * 1024 : kilobytes;
        }
        return null;
    }

    /// <summary>Room left under a cgroup v2 limit: <c>memory.max</c> ("max" = no limit) minus <c>memory.current</c>.</summary>
    internal static long? CgroupV2Room(string? max, string? current)
    {
        if (max is null || current is null) return null;
        if (!long.TryParse(max.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long limit)) return null; // "max": no limit
        if (!long.TryParse(current.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long used)) return null;
        return Math.Max(0, limit - used);
    }

    /// <summary>Room left under a cgroup v1 limit; v1 reports "no limit" as a huge number, which is ignored.</summary>
    internal static long? CgroupV1Room(string? limit, string? usage)
    {
        if (limit is null || usage is null) return null;
        if (!long.TryParse(limit.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long max) || max >= long.MaxValue / 2) return null;
        if (!long.TryParse(usage.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out long used)) return null;
        return Math.Max(0, max - used);
    }

    private static string? TryRead(string path)
    {
        try
        {
            return File.Exists(path) ? File.ReadAllText(path) : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
