using System.Text.Json;
using System.Text.Json.Nodes;

namespace LessonKit.Runner.Notebooks;

/// <summary>
/// nbformat stores multi-line text (cell sources, stream text, MIME values) either as one string or as a list of
/// lines, each but the last ending in "\n". These helpers convert between that and plain strings.
/// </summary>
public static class CellSource
{
    /// <summary>Joins a multi-line nbformat value (string or list of strings) into one string.</summary>
    /// <exception cref="FormatException">The value is neither a string nor a list of strings.</exception>
    public static string Join(JsonNode? value) => value switch
    {
        null => "",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray lines => string.Concat(lines.Select(line =>
            line is JsonValue lv && lv.GetValueKind() == JsonValueKind.String
                ? lv.GetValue<string>()
                : throw new FormatException("a list of lines must hold only strings"))),
        _ => throw new FormatException("expected a string or a list of strings"),
    };

    /// <summary>True when <paramref name="value"/> is a string or a list of strings.</summary>
    public static bool IsMultilineString(JsonNode? value) => value switch
    {
        JsonValue v => v.GetValueKind() == JsonValueKind.String,
        JsonArray lines => lines.All(l => l is JsonValue lv && lv.GetValueKind() == JsonValueKind.String),
        _ => false,
    };

    /// <summary>Splits text into the nbformat list of lines: every line keeps its "\n" except the last.</summary>
    public static JsonArray ToLines(string text)
    {
        var array = new JsonArray();
        var start = 0;
        while (start < text.Length)
        {
            var end = text.IndexOf('\n', start);
            if (end < 0)
            {
                array.Add(text[start..]);
                break;
            }
            array.Add(text[start..(end + 1)]);
            start = end + 1;
        }
        return array;
    }
}
