using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LessonKit.Runner.Notebooks;

/// <summary>
/// Reads and writes notebook JSON exactly the way Jupyter (<c>json.dumps(indent=1, ensure_ascii=False)</c>) and
/// VS Code (<c>JSON.stringify(nb, null, 1)</c>) write it, so that a file the runner rewrites changes only where
/// its content changed: same key order, same indentation, non-ASCII text kept as is, a newline at the end.
/// </summary>
public static class JupyterJson
{
    /// <summary>Parses notebook text, keeping the key order and the raw text of numbers.</summary>
    /// <exception cref="JsonException">The text is not valid JSON.</exception>
    public static JsonNode? Parse(string json) =>
        JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { AllowTrailingCommas = false });

    /// <summary>Serializes <paramref name="node"/> in the notebook style described by <paramref name="style"/>.</summary>
    public static string Serialize(JsonNode? node, JsonTextStyle style)
    {
        var builder = new StringBuilder();
        Write(builder, node, 0, style);
        builder.Append('\n');
        return style.NewLine == "\n" ? builder.ToString() : builder.ToString().Replace("\n", style.NewLine);
    }

    private static void Write(StringBuilder builder, JsonNode? node, int depth, JsonTextStyle style)
    {
        switch (node)
        {
            case null:
                builder.Append("null");
                break;
            case JsonObject obj when obj.Count == 0:
                builder.Append("{}");
                break;
            case JsonObject obj:
                builder.Append("{\n");
                var first = true;
                foreach (var (key, value) in obj)
                {
                    if (!first) builder.Append(",\n");
                    first = false;
                    builder.Append(' ', style.Indent * (depth + 1));
                    WriteString(builder, key);
                    builder.Append(": ");
                    Write(builder, value, depth + 1, style);
                }
                builder.Append('\n').Append(' ', style.Indent * depth).Append('}');
                break;
            case JsonArray array when array.Count == 0:
                builder.Append("[]");
                break;
            case JsonArray array:
                builder.Append("[\n");
                for (var i = 0; i < array.Count; i++)
                {
                    if (i > 0) builder.Append(",\n");
                    builder.Append(' ', style.Indent * (depth + 1));
                    Write(builder, array[i], depth + 1, style);
                }
                builder.Append('\n').Append(' ', style.Indent * depth).Append(']');
                break;
            case JsonValue value when value.GetValueKind() == JsonValueKind.String:
                WriteString(builder, value.GetValue<string>());
                break;
            case JsonValue value:
                // Numbers, true, false: the parsed raw text, so 1.0 stays 1.0.
                builder.Append(value.ToJsonString());
                break;
        }
    }

    /// <summary>Writes a JSON string escaping only what JSON requires (like ensure_ascii=False).</summary>
    private static void WriteString(StringBuilder builder, string text)
    {
        builder.Append('"');
        foreach (var c in text)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case < ' ':
                    builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
                default: builder.Append(c); break;
            }
        }
        builder.Append('"');
    }
}
