using System.Diagnostics;
using System.Globalization;

namespace LessonKit.Hub;

/// <summary>
/// The default progress display: one line per file with bytes, speed and time left, then a summary.
/// In a terminal the line is redrawn in place (carriage return) a few times per second; when the output is captured
/// (a notebook cell, a log file, CI) it prints plain lines: at most one every few seconds per file, only when another
/// 10% arrived or half a minute passed, plus a final line, so the captured output stays short and readable.
/// </summary>
internal sealed class DownloadProgressReporter : IProgress<DownloadProgress>
{
    /// <summary>Redraw interval in a terminal.</summary>
    public static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(250);
    /// <summary>Interval between plain progress lines when the output is captured.</summary>
    public static readonly TimeSpan DefaultLineInterval = TimeSpan.FromSeconds(5);

    private readonly TextWriter _writer;
    private readonly bool _redrawInPlace;
    private readonly TimeSpan _interval;
    private readonly Func<TimeSpan> _clock;
    private readonly object _gate = new();

    private string? _currentFile;
    private const int LongQuiet = 6; // intervals without a line before captured output shows one anyway

    private TimeSpan _lastDraw;
    private double _lastFraction;
    private int _openLineLength = -1; // length of the line being redrawn; -1 when no line is open
    private TimeSpan _started = TimeSpan.MinValue;
    private int _filesDone;
    private long _bytesDone;

    /// <summary>Creates a reporter writing to <paramref name="writer"/>.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="redrawInPlace">True for a terminal (lines updated with '\r'); false for captured output (plain lines).</param>
    /// <param name="lineInterval">With plain lines, the least time between two progress lines of one file (default 5 s).</param>
    public DownloadProgressReporter(TextWriter writer, bool redrawInPlace, TimeSpan? lineInterval = null)
        : this(writer, redrawInPlace, lineInterval, StopwatchClock())
    {
    }

    internal DownloadProgressReporter(TextWriter writer, bool redrawInPlace, TimeSpan? lineInterval, Func<TimeSpan> clock)
    {
        ArgumentNullException.ThrowIfNull(writer);
        _writer = writer;
        _redrawInPlace = redrawInPlace;
        _interval = redrawInPlace ? RedrawInterval : lineInterval ?? DefaultLineInterval;
        _clock = clock;
    }

    /// <summary>
    /// A reporter for <paramref name="writer"/> (default <see cref="Console.Out"/>) that redraws in place only when
    /// writing to a real terminal: not when output is redirected, as it is in a notebook kernel or CI.
    /// </summary>
    public static DownloadProgressReporter ForConsole(TextWriter? writer = null)
    {
        bool terminal = writer is null || ReferenceEquals(writer, Console.Out);
        bool redraw = terminal && !Console.IsOutputRedirected &&
                      Environment.GetEnvironmentVariable("TERM") != "dumb";
        return new DownloadProgressReporter(writer ?? Console.Out, redraw);
    }

    /// <inheritdoc />
    public void Report(DownloadProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            TimeSpan now = _clock();
            if (_started == TimeSpan.MinValue) _started = now;
            if (value.FileName != _currentFile)
            {
                CloseOpenLine();
                _currentFile = value.FileName;
                _lastDraw = now; // plain lines: the first progress line comes after one interval, so small files print once
                _lastFraction = value.Fraction ?? 0;
                if (_redrawInPlace && !value.Completed) Draw(ProgressLine(value));
            }
            if (value.Completed)
            {
                Draw(FinalLine(value));
                CloseOpenLine();
                _filesDone++;
                _bytesDone += value.BytesDone;
                _currentFile = null;
                return;
            }
            if (now - _lastDraw < _interval) return;
            // Captured output: a new line only when it says something new (10 more percent) or after a long quiet
            // spell, so even a 6 GB download stays at a dozen lines or so.
            if (!_redrawInPlace && value.Fraction is double fraction && fraction - _lastFraction < 0.1 &&
                now - _lastDraw < LongQuiet * _interval)
                return;
            _lastDraw = now;
            _lastFraction = value.Fraction ?? 0;
            Draw(ProgressLine(value));
        }
    }

    /// <summary>Writes the heading before the first download of a model.</summary>
    internal void Begin(string repoId, string endpoint, int fileCount)
    {
        lock (_gate)
        {
            CloseOpenLine();
            string files = fileCount == 1 ? "1 file" : $"{fileCount} files";
            _writer.WriteLine($"Downloading {repoId} from {endpoint} ({files})");
            _writer.Flush();
        }
    }

    /// <summary>Writes the summary after the last file: how many files, how much, how long, and where they are.</summary>
    internal void End(string snapshotFolder)
    {
        lock (_gate)
        {
            CloseOpenLine();
            if (_filesDone == 0) return;
            TimeSpan took = _clock() - _started;
            string files = _filesDone == 1 ? "1 file" : $"{_filesDone} files";
            string speed = took.TotalSeconds > 0 ? $", {Format.Speed(_bytesDone / took.TotalSeconds)}" : "";
            _writer.WriteLine($"Downloaded {files} ({Format.Bytes(_bytesDone)}) in {Format.Duration(took)}{speed} into {snapshotFolder}");
            _writer.Flush();
        }
    }

    /// <summary>Ends a half-drawn line so an error message that follows starts on its own line.</summary>
    internal void Interrupt()
    {
        lock (_gate)
        {
            CloseOpenLine();
            _currentFile = null;
        }
    }

    private void Draw(string line)
    {
        if (_redrawInPlace)
        {
            // '\r' returns to the start of the line; trailing spaces wipe what a longer earlier line left behind.
            int pad = Math.Max(0, _openLineLength - line.Length);
            _writer.Write("\r" + line + new string(' ', pad));
            _openLineLength = line.Length;
        }
        else
        {
            _writer.WriteLine(line);
        }
        _writer.Flush();
    }

    private void CloseOpenLine()
    {
        if (_openLineLength < 0) return;
        _writer.WriteLine();
        _writer.Flush();
        _openLineLength = -1;
    }

    internal static string ProgressLine(DownloadProgress p)
    {
        string speed = p.BytesPerSecond > 0 ? "  " + Format.Speed(p.BytesPerSecond) : "";
        if (p.BytesTotal is not long total)
            return $"  {p.FileName}  {Format.Bytes(p.BytesDone)}{speed}";
        string percent = string.Create(CultureInfo.InvariantCulture, $"{(p.Fraction ?? 0) * 100,3:0}%");
        string left = p.TimeLeft is TimeSpan t ? $"  {Format.Duration(t)} left" : "";
        return $"  {p.FileName}  {Format.Bytes(p.BytesDone)} / {Format.Bytes(total)}  {percent}{speed}{left}";
    }

    internal static string FinalLine(DownloadProgress p)
    {
        string speed = p.BytesPerSecond > 0 ? $" ({Format.Speed(p.BytesPerSecond)})" : "";
        return $"  {p.FileName}  {Format.Bytes(p.BytesDone)}  done in {Format.Duration(p.Elapsed)}{speed}";
    }

    private static Func<TimeSpan> StopwatchClock()
    {
        var watch = Stopwatch.StartNew();
        return () => watch.Elapsed;
    }
}
