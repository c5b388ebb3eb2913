using System.Text;
using System.Text.Json.Nodes;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Collects what one cell produces, in order, as a notebook front end keeps it: console text (consecutive writes to
/// one stream merge into one output, as in Jupyter), displayed values (an update replaces the display with the same
/// id), the cell's return value, and errors. Thread-safe, because the kernel reports from any thread. Once
/// <see cref="EndWith"/> closed it, later reports of an abandoned cell are ignored.
/// </summary>
public sealed class CellOutputCollector
{
    private readonly object _gate = new();
    private readonly List<Entry> _entries = [];
    private bool _closed;

    /// <summary>Appends console text to the <paramref name="stream"/> (<c>stdout</c> or <c>stderr</c>).</summary>
    public void AppendStream(string stream, string text)
    {
        if (text.Length == 0) return;
        lock (_gate)
        {
            if (_closed) return;
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

    /// <summary>Adds a displayed value; <paramref name="displayId"/> lets a later update replace it.</summary>
    public void AddDisplay(string? displayId, MimeBundle data) => Add(new DisplayEntry(displayId, data));

    /// <summary>Replaces the data of every display shown with <paramref name="displayId"/> (none: nothing changes, as in Jupyter).</summary>
    public void UpdateDisplay(string displayId, MimeBundle data)
    {
        lock (_gate)
        {
            if (_closed) return;
            foreach (var display in _entries.OfType<DisplayEntry>().Where(d => d.DisplayId == displayId)) display.Data = data;
        }
    }

    /// <summary>Adds the cell's return value (its trailing expression).</summary>
    public void AddResult(MimeBundle data, int executionCount) => Add(new ResultEntry(data, executionCount));

    /// <summary>Adds an error output.</summary>
    public void AddError(string ename, string evalue, IReadOnlyList<string> traceback) => Add(new ErrorEntry(ename, evalue, traceback));

    /// <summary>Adds a last error output and ignores everything reported after it (the runner gave up on the cell).</summary>
    public void EndWith(string ename, string evalue, IReadOnlyList<string> traceback)
    {
        lock (_gate)
        {
            if (_closed) return;
            _entries.Add(new ErrorEntry(ename, evalue, traceback));
            _closed = true;
        }
    }

    /// <summary>The outputs so far, as nbformat JSON.</summary>
    public JsonArray ToJson()
    {
        lock (_gate)
        {
            return new JsonArray(_entries.Select(e => (JsonNode?)e.ToJson()).ToArray());
        }
    }

    private void Add(Entry entry)
    {
        lock (_gate)
        {
            if (!_closed) _entries.Add(entry);
        }
    }

    private abstract class Entry
    {
        public abstract JsonObject ToJson();
    }

    private sealed class StreamEntry(string name, StringBuilder text) : Entry
    {
        public string Name { get; } = name;
        public StringBuilder Text { get; } = text;
        public override JsonObject ToJson() => OutputJson.Stream(Name, Text.ToString());
    }

    private sealed class DisplayEntry(string? displayId, MimeBundle data) : Entry
    {
        public string? DisplayId { get; } = displayId;
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
