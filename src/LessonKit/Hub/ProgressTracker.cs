using System.Diagnostics;

namespace LessonKit.Hub;

/// <summary>
/// Turns "bytes written so far" into <see cref="DownloadProgress"/> reports for one file: speed, time left, and
/// no more than one report per <see cref="MinInterval"/> (plus the first and the last), so a fast download of a
/// big file does not flood the receiver.
/// </summary>
internal sealed class ProgressTracker
{
    public static readonly TimeSpan MinInterval = TimeSpan.FromMilliseconds(100);

    private readonly string _fileName;
    private readonly IProgress<DownloadProgress>? _sink;
    private readonly Func<TimeSpan> _clock;
    private readonly long _startBytes;
    private TimeSpan _lastReport = TimeSpan.MinValue;

    public ProgressTracker(string fileName, long startBytes, IProgress<DownloadProgress>? sink, Func<TimeSpan>? clock = null)
    {
        _fileName = fileName;
        _startBytes = startBytes;
        _sink = sink;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        _clock = clock;
    }

    /// <summary>Reports the position now if the last report is old enough (or <paramref name="force"/>).</summary>
    public void Update(long bytesDone, long? bytesTotal, bool force = false)
    {
        if (_sink is null) return;
        TimeSpan now = _clock();
        if (!force && now - _lastReport < MinInterval) return;
        _lastReport = now;
        _sink.Report(Snapshot(bytesDone, bytesTotal, now));
    }

    /// <summary>The final report, after the file was verified and stored.</summary>
    public void Complete(long bytes)
    {
        _sink?.Report(Snapshot(bytes, bytes, _clock()) with { Completed = true, TimeLeft = TimeSpan.Zero });
    }

    private DownloadProgress Snapshot(long bytesDone, long? bytesTotal, TimeSpan elapsed)
    {
        double seconds = elapsed.TotalSeconds;
        double speed = seconds > 0 ? (bytesDone - _startBytes) / seconds : 0;
        TimeSpan? left = bytesTotal is long total && speed > 0
            ? TimeSpan.FromSeconds(Math.Max(0, total - bytesDone) / speed)
            : null;
        return new DownloadProgress(_fileName, bytesDone, bytesTotal, speed, left) { Elapsed = elapsed };
    }
}
