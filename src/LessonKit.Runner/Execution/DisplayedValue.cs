using LessonKit.Runner.Display;

namespace LessonKit.Runner.Execution;

/// <summary>
/// What <c>display(x)</c> returns, as in the .NET Interactive kernel: a handle to the shown output that
/// <see cref="Update"/> can replace (for example a progress message).
/// </summary>
public sealed class DisplayedValue
{
    private readonly CellOutputCollector _collector;
    private readonly CellOutputCollector.DisplayEntry _entry;

    internal DisplayedValue(CellOutputCollector collector, CellOutputCollector.DisplayEntry entry)
    {
        _collector = collector;
        _entry = entry;
    }

    /// <summary>Replaces the displayed output with <paramref name="value"/>, formatted the same way.</summary>
    public void Update(object? value) => _collector.Replace(_entry, ValueFormatter.Format(value));

    /// <inheritdoc/>
    public override string ToString() => "displayed value";
}
