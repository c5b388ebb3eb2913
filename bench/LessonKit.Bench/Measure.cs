using System.Diagnostics;

namespace LessonKit.Bench;

/// <summary>Timing with warm-up and the median of several runs: robust to the odd slow run on a shared machine.</summary>
internal static class Measure
{
    public static double MedianSeconds(Action action, int runs = 7, int warmup = 2)
    {
        for (int i = 0; i < warmup; i++) action();
        var times = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            var clock = Stopwatch.StartNew();
            action();
            times[i] = clock.Elapsed.TotalSeconds;
        }
        Array.Sort(times);
        return times[runs / 2];
    }

    /// <summary>
    /// The median over several rounds of time(<paramref name="measured"/>) / time(<paramref name="baseline"/>), the two
    /// run back to back in each round, so a machine that gets busier or quieter during the run moves both alike. The
    /// order alternates from round to round, so whatever the first of a pair leaves behind (freed memory, warm caches,
    /// spinning threads) favours neither side.
    /// </summary>
    public static (double Ratio, double MeasuredSeconds, double BaselineSeconds) MedianRatio(Action measured, Action baseline, int runs = 7, int warmup = 2)
    {
        for (int i = 0; i < warmup; i++) { baseline(); measured(); }
        var ratios = new double[runs];
        var measuredTimes = new double[runs];
        var baselineTimes = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            if (i % 2 == 0)
            {
                baselineTimes[i] = Seconds(baseline);
                measuredTimes[i] = Seconds(measured);
            }
            else
            {
                measuredTimes[i] = Seconds(measured);
                baselineTimes[i] = Seconds(baseline);
            }
            ratios[i] = measuredTimes[i] / baselineTimes[i];
        }
        Array.Sort(ratios);
        Array.Sort(measuredTimes);
        Array.Sort(baselineTimes);
        return (ratios[runs / 2], measuredTimes[runs / 2], baselineTimes[runs / 2]);
    }

    private static double Seconds(Action action)
    {
        var clock = Stopwatch.StartNew();
        action();
        return clock.Elapsed.TotalSeconds;
    }

    /// <summary>Peak resident memory of this process so far (VmHWM), in bytes; 0 where /proc is missing.</summary>
    public static long PeakResidentBytes() => ProcStatus("VmHWM:");

    /// <summary>Resident memory of this process now (VmRSS), in bytes.</summary>
    public static long ResidentBytes() => ProcStatus("VmRSS:");

    private static long ProcStatus(string field)
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return 0;
        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith(field, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[field.Length..].Trim().Split(' ')[0]) * 1024;
    }
}
