using System.Text.Json;
using System.Text.Json.Nodes;

namespace LessonKit.Runner.Notebooks;

/// <summary>One cell of a <see cref="Notebook"/>, a view over its JSON object.</summary>
public sealed class NotebookCell
{
    internal NotebookCell(int number, JsonObject json)
    {
        Number = number;
        Json = json;
    }

    /// <summary>Position of the cell in the notebook, counting every cell from 1 (what messages call "cell N").</summary>
    public int Number { get; }

    /// <summary>The cell's JSON object.</summary>
    public JsonObject Json { get; }

    /// <summary><c>code</c>, <c>markdown</c> or <c>raw</c> (or whatever the file says).</summary>
    public string? CellType => Json["cell_type"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
        ? v.GetValue<string>()
        : null;

    /// <summary>True for code cells.</summary>
    public bool IsCode => CellType == "code";

    /// <summary>True for markdown cells.</summary>
    public bool IsMarkdown => CellType == "markdown";

    /// <summary>The cell's source text (a list of lines joined).</summary>
    /// <exception cref="FormatException">The source is neither a string nor a list of strings.</exception>
    public string Source => CellSource.Join(Json["source"]);

    /// <summary>The cell's <c>metadata</c> object, or null.</summary>
    public JsonObject? Metadata => Json["metadata"] as JsonObject;

    /// <summary>The kernel named in <c>metadata.polyglot_notebook.kernelName</c>, or null.</summary>
    public string? PolyglotKernelName =>
        Metadata?["polyglot_notebook"]?["kernelName"] is JsonValue v && v.GetValueKind() == JsonValueKind.String
            ? v.GetValue<string>()
            : null;

    /// <summary>Replaces the outputs and execution count of a code cell.</summary>
    public void SetOutputs(JsonArray outputs, int? executionCount)
    {
        Json["execution_count"] = executionCount is { } n ? JsonValue.Create(n) : null;
        Json["outputs"] = outputs;
    }

    /// <summary>Removes outputs and the execution count; returns true when anything changed.</summary>
    public bool ClearOutputs()
    {
        if (!IsCode) return false;
        var changed = Json["outputs"] is not JsonArray { Count: 0 } || Json["execution_count"] is not null
            || !Json.ContainsKey("execution_count");
        if (changed)
        {
            // Keep the keys where they were; only their values change.
            Json["execution_count"] = null;
            Json["outputs"] = new JsonArray();
        }
        return changed;
    }
}
