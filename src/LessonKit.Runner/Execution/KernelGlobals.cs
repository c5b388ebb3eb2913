using LessonKit.Runner.Display;

namespace LessonKit.Runner.Execution;

/// <summary>
/// The members every cell can call without a qualifier, standing in for what the .NET Interactive C# kernel
/// provides: <c>display(x)</c>. One instance lives for a whole notebook; the runner points it at the current cell.
/// </summary>
public sealed class KernelGlobals
{
    private volatile CellOutputCollector _output = new();
    private CancellationToken _cancellation;

    /// <summary>
    /// Cancelled when the runner gives up on the current cell (time limit or Ctrl+C). The real kernel has no such
    /// member, so lessons must not use it; a long-running test cell may poll it to stop early.
    /// </summary>
    public CancellationToken CellCancellationToken => _cancellation;

    /// <summary>Shows <paramref name="value"/> below the cell, as the kernel's <c>display</c> does.</summary>
    /// <param name="value">The value to show.</param>
    /// <param name="mimeTypes">MIME types to show it as; none for the type's preferred ones.</param>
    /// <returns>A handle whose <see cref="DisplayedValue.Update"/> replaces the shown value.</returns>
    // Lower-case on purpose: this is the kernel's spelling, and lessons call it as display(x).
    public DisplayedValue display(object? value, params string[] mimeTypes) =>
        _output.AddDisplay(ValueFormatter.Format(value, mimeTypes));

    internal void BeginCell(CellOutputCollector output, CancellationToken cancellation)
    {
        _output = output;
        _cancellation = cancellation;
    }
}
