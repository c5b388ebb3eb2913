using System.Text;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Redirects <see cref="Console.Out"/> and <see cref="Console.Error"/> into a cell's outputs until disposed.
/// Console redirection is process-wide: only one cell runs at a time.
/// </summary>
public sealed class ConsoleCapture : IDisposable
{
    private readonly TextWriter _previousOut;
    private readonly TextWriter _previousError;

    /// <summary>Starts capturing into <paramref name="collector"/>.</summary>
    public ConsoleCapture(CellOutputCollector collector)
    {
        _previousOut = Console.Out;
        _previousError = Console.Error;
        Console.SetOut(new StreamWriterAdapter(collector, "stdout"));
        Console.SetError(new StreamWriterAdapter(collector, "stderr"));
    }

    /// <summary>Restores the console writers that were in place before.</summary>
    public void Dispose()
    {
        Console.Out.Flush();
        Console.Error.Flush();
        Console.SetOut(_previousOut);
        Console.SetError(_previousError);
    }

    private sealed class StreamWriterAdapter(CellOutputCollector collector, string stream) : TextWriter
    {
        public override Encoding Encoding => Encoding.UTF8;
        public override void Write(char value) => collector.AppendStream(stream, value.ToString());
        public override void Write(string? value) => collector.AppendStream(stream, value ?? "");
        public override void Write(char[] buffer, int index, int count) =>
            collector.AppendStream(stream, new string(buffer, index, count));
        public override void WriteLine(string? value) => collector.AppendStream(stream, (value ?? "") + NewLine);
    }
}
