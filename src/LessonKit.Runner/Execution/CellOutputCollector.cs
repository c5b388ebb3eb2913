using System.Text;
using System.Text.Json.Nodes;
using LessonKit.Runner.Display;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Collects what one cell produces, in order: console text (consecutive writes to one stream merge into one
/// output, as in Jupyter), displayed values, the trailing expression's value, and errors. Thread-safe, because a
/// cell may write from any thread.
/// </summary>
public sealed class CellOutputCollector
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];

    /// <summary>Appends console text to the <paramref name="stream"/> (<c>stdout</c> or <c>stderr</c>).</summary>
    public void AppendStream(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (_gate)
        {
            if (_entries.Count > 0 && _entries[^1] is StreamEntry last && last.Name == stream)
            {
                last.Text.Append(text);
            }
            else
            {
                _entries.Add(new StreamEntry(stream, new StringBuilder(text)));
            }
        }
    }

    /// <summary>Adds a displayed value and returns the handle that can replace it later.</summary>
    public DisplayedValue AddDisplay(MimeBundle data)
    {
        var entry = new DisplayEntry(data);
        lock (_gate) _entries.Add(entry);
        return new DisplayedValue(this, entry);
    }

    /// <summary>Adds the value of the cell's trailing expression.</summary>
    public void AddResult(MimeBundle data, int executionCount)
    {
        lock (_gate) _entries.Add(new ResultEntry(data, executionCount));
    }

    /// <summary>Adds an error output.</summary>
    public void AddError(string ename, string evalue, IReadOnlyList<string> traceback)
    {
        lock (_gate) _entries.Add(new ErrorEntry(ename, evalue, traceback));
    }

    /// <summary>The outputs so far, as nbformat JSON.</summary>
    public JsonArray ToJson()
    {
        lock (_gate)
        {
            return new JsonArray(_entries.Select(e => (JsonNode?)e.ToJson()).ToArray());
        }
    }

    internal void Replace(DisplayEntry entry, MimeBundle data)
    {
        lock (_gate) entry.Data = data;
    }

    internal abstract class Entry
    {
        public abstract JsonObject ToJson();
    }

    private sealed class StreamEntry(string name, StringBuilder text) : Entry
    {
        public string Name { get; } = name;
        public StringBuilder Text { get; } = text;
        public override JsonObject ToJson() => OutputJson.Stream(Name, Text.ToString());
    }

    internal sealed class DisplayEntry(MimeBundle data) : Entry
    {
        public MimeBundle Data { get; set; } = data;
        public override JsonObject ToJson() => OutputJson.DisplayData(Data);
    }

    private sealed class ResultEntry(MimeBundle data, int executionCount) : Entry
    {
        public override JsonObject ToJson() => OutputJson.ExecuteResult(data, executionCount);
    }

    private sealed class ErrorEntry(string ename, string evalue, IReadOnlyList<string> traceback) : Entry
    {
        public override JsonObject ToJson() => OutputJson.Error(ename, evalue, traceback);
    }
}
