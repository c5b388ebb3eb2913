using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

public class DownloadProgressReporterTests
{
    private sealed class FakeClock
    {
        public TimeSpan Now { get; set; }
        public TimeSpan Read() => Now;
    }

    private const long Size = 500_000_000;

    private static DownloadProgress At(long done, double seconds)
    {
        double speed = seconds > 0 ? done / seconds : 0;
        TimeSpan? left = speed > 0 ? TimeSpan.FromSeconds((Size - done) / speed) : null;
        return new("model.safetensors", done, Size, speed, left) { Elapsed = TimeSpan.FromSeconds(seconds) };
    }

    /// <summary>Feeds 100 reports per second for <paramref name="seconds"/> seconds, then a completed one.</summary>
    private static string Simulate(bool redraw, int seconds, TimeSpan? lineInterval = null)
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var reporter = new DownloadProgressReporter(output, redraw, lineInterval, clock.Read);
        int steps = seconds * 100;
        for (int i = 0; i < steps; i++)
        {
            clock.Now = TimeSpan.FromMilliseconds(10 * i);
            reporter.Report(At(Size * i / steps, clock.Now.TotalSeconds));
        }
        clock.Now = TimeSpan.FromSeconds(seconds);
        reporter.Report(At(Size, seconds) with { Completed = true, TimeLeft = TimeSpan.Zero });
        reporter.End("/cache/models--gpt2/snapshots/abc");
        return output.ToString();
    }

    [Fact]
    public void InATerminalRedrawsOneLineAFewTimesPerSecond()
    {
        string output = Simulate(redraw: true, seconds: 10);
        int redraws = output.Count(c => c == '\r');
        Assert.InRange(redraws, 30, 10 * 4 + 2); // at most 4 per second, plus the first and final draw
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length); // the file's line (redrawn in place) and the summary
        string final = lines[0][(lines[0].LastIndexOf('\r') + 1)..].TrimEnd();
        Assert.Equal("  model.safetensors  500.0 MB  done in 10 s (50.0 MB/s)", final);
        Assert.Equal("Downloaded 1 file (500.0 MB) in 10 s, 50.0 MB/s into /cache/models--gpt2/snapshots/abc", lines[1]);
    }

    [Fact]
    public void WhenCapturedPrintsPlainLinesEveryFewSeconds()
    {
        string output = Simulate(redraw: false, seconds: 12);
        Assert.DoesNotContain('\r', output.Replace(Environment.NewLine, "\n"));
        string[] lines = output.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(4, lines.Length); // progress at 5 s and 10 s, the final line, the summary
        Assert.Equal("  model.safetensors  208.3 MB / 500.0 MB   42%  41.7 MB/s  7.0 s left", lines[0]);
        Assert.StartsWith("  model.safetensors  416.7 MB / 500.0 MB   83%", lines[1]);
        Assert.Equal("  model.safetensors  500.0 MB  done in 12 s (41.7 MB/s)", lines[2]);
    }

    [Fact]
    public void WhenCapturedASlowDownloadPrintsEveryTenPercentOrHalfAMinute()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var reporter = new DownloadProgressReporter(output, redrawInPlace: false, lineInterval: null, clock.Read);
        // 0.1% per second for 100 s, reported ten times a second: no 10% step, so a line every 30 s.
        for (int tenth = 0; tenth <= 1000; tenth++)
        {
            clock.Now = TimeSpan.FromSeconds(tenth / 10.0);
            reporter.Report(At(Size / 10_000 * tenth, clock.Now.TotalSeconds));
        }
        Assert.Equal(3, output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public void ASmallFilePrintsASingleLine()
    {
        var clock = new FakeClock();
        var output = new StringWriter();
        var reporter = new DownloadProgressReporter(output, redrawInPlace: false, lineInterval: null, clock.Read);
        reporter.Report(new DownloadProgress("config.json", 0, 665, 0, null));
        clock.Now = TimeSpan.FromMilliseconds(20);
        reporter.Report(new DownloadProgress("config.json", 665, 665, 33_250, TimeSpan.Zero) { Completed = true, Elapsed = clock.Now });
        Assert.Equal("  config.json  665 B  done in 0.0 s (33.3 kB/s)" + Environment.NewLine, output.ToString());
    }

    [Fact]
    public void AnInterruptedLineIsClosedBeforeTheErrorFollows()
    {
        var output = new StringWriter();
        var reporter = new DownloadProgressReporter(output, redrawInPlace: true, lineInterval: null, () => TimeSpan.Zero);
        reporter.Report(new DownloadProgress("model.safetensors", 10, 100, 5, null));
        reporter.Interrupt();
        Assert.EndsWith(Environment.NewLine, output.ToString());
        reporter.End("/nowhere"); // nothing completed: no summary
        Assert.Single(output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void UnknownSizesShowBytesAndSpeedOnly()
    {
        var line = DownloadProgressReporter.ProgressLine(new DownloadProgress("x.bin", 2_500_000, null, 1_000_000, null));
        Assert.Equal("  x.bin  2.5 MB  1.0 MB/s", line);
        Assert.Null(new DownloadProgress("x.bin", 1, null, 0, null).Fraction);
        Assert.Equal(0.25, new DownloadProgress("x.bin", 1, 4, 0, null).Fraction);
    }

    [Fact]
    public void ForConsoleDoesNotRedrawIntoAWriterThatIsNotTheConsole()
    {
        var output = new StringWriter();
        var reporter = DownloadProgressReporter.ForConsole(output);
        reporter.Report(new DownloadProgress("a", 0, 10, 0, null));
        reporter.Report(new DownloadProgress("a", 10, 10, 10, TimeSpan.Zero) { Completed = true });
        Assert.DoesNotContain('\r', output.ToString().Replace(Environment.NewLine, "\n"));
    }
}

public class ProgressTrackerTests
{
    [Fact]
    public void ReportsAtMostTenTimesASecondPlusTheFirstAndTheLast()
    {
        var now = TimeSpan.Zero;
        var reports = new List<DownloadProgress>();
        var tracker = new ProgressTracker("w.bin", startBytes: 1_000, new ListProgress(reports), () => now);

        tracker.Update(1_000, 11_000, force: true);
        for (int ms = 1; ms <= 1000; ms++)
        {
            now = TimeSpan.FromMilliseconds(ms);
            tracker.Update(1_000 + ms * 10, 11_000);
        }
        tracker.Complete(11_000);

        Assert.InRange(reports.Count, 10, 12);
        Assert.Equal(1_000, reports[0].BytesDone);
        Assert.Equal(0, reports[0].BytesPerSecond);
        var middle = reports[5];
        // Speed counts only this session's bytes (10 bytes per ms), not the 1,000 resumed ones.
        Assert.Equal(10_000, middle.BytesPerSecond, precision: 6);
        Assert.Equal(TimeSpan.FromSeconds((11_000.0 - middle.BytesDone) / 10_000), middle.TimeLeft);
        Assert.True(reports[^1].Completed);
        Assert.Equal(TimeSpan.Zero, reports[^1].TimeLeft);
    }

    private sealed class ListProgress(List<DownloadProgress> list) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => list.Add(value);
    }
}
