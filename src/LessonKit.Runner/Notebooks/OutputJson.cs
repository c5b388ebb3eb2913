using System.Text.Json.Nodes;

namespace LessonKit.Runner.Notebooks;

/// <summary>
/// Builds nbformat 4 output objects, with keys in the order Jupyter writes them (sorted) and multi-line text as
/// lists of lines.
/// </summary>
public static class OutputJson
{
    /// <summary>A <c>stream</c> output (<paramref name="name"/> is <c>stdout</c> or <c>stderr</c>).</summary>
    public static JsonObject Stream(string name, string text) => new()
    {
        ["name"] = name,
        ["output_type"] = "stream",
        ["text"] = CellSource.ToLines(text),
    };

    /// <summary>A <c>display_data</c> output, from <c>display(x)</c>.</summary>
    public static JsonObject DisplayData(MimeBundle data) => new()
    {
        ["data"] = Data(data),
        ["metadata"] = new JsonObject(),
        ["output_type"] = "display_data",
    };

    /// <summary>An <c>execute_result</c> output, from a cell's trailing expression.</summary>
    public static JsonObject ExecuteResult(MimeBundle data, int executionCount) => new()
    {
        ["data"] = Data(data),
        ["execution_count"] = executionCount,
        ["metadata"] = new JsonObject(),
        ["output_type"] = "execute_result",
    };

    /// <summary>An <c>error</c> output.</summary>
    public static JsonObject Error(string ename, string evalue, IEnumerable<string> traceback) => new()
    {
        ["ename"] = ename,
        ["evalue"] = evalue,
        ["output_type"] = "error",
        ["traceback"] = new JsonArray(traceback.Select(line => (JsonNode?)JsonValue.Create(line)).ToArray()),
    };

    private static JsonObject Data(MimeBundle bundle)
    {
        var data = new JsonObject();
        foreach (var (mimeType, value) in bundle.Items.OrderBy(i => i.Key, StringComparer.Ordinal))
        {
            // JSON stays JSON (nbformat stores it as an object, as the tool's Jupyter front end sends it); text is kept as lines.
            data[mimeType] = IsJson(mimeType) && TryParseJson(value) is { } json ? json : CellSource.ToLines(value);
        }
        return data;
    }

    private static bool IsJson(string mimeType) =>
        mimeType == "application/json" || mimeType.EndsWith("+json", StringComparison.Ordinal);

    private static JsonNode? TryParseJson(string text)
    {
        try
        {
            return JsonNode.Parse(text);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
