using System.Text.Json;
using System.Text.RegularExpressions;
using LessonKit.Display;
using LessonKit.Display.Data;

namespace LessonKit.Tests.Display;

/// <summary>Reads things back out of a view's HTML for tests.</summary>
internal static partial class ViewHtml
{
    /// <summary>The JSON data block of a scripted view, parsed.</summary>
    public static JsonElement Data(View view)
    {
        string html = view.ToHtml();
        string open = $"<script type=\"application/json\" id=\"{view.Id}-data\">";
        int start = html.IndexOf(open, StringComparison.Ordinal);
        Assert.True(start >= 0, "the view has no data block");
        start += open.Length;
        int end = html.IndexOf("</script>", start, StringComparison.Ordinal);
        return JsonDocument.Parse(html[start..end]).RootElement.Clone();
    }

    /// <summary>A quantized matrix from the data, decoded to floats.</summary>
    public static float[] Decode(JsonElement m) => new QuantizedMatrix(
        m.GetProperty("r").GetInt32(), m.GetProperty("c").GetInt32(), m.GetProperty("tri").GetBoolean(), m.GetProperty("bits").GetInt32(),
        m.GetProperty("lo").GetSingle(), m.GetProperty("hi").GetSingle(), m.GetProperty("b64").GetString()!).Decode();

    /// <summary>Every value of an id="..." attribute of an element in the HTML (script contents are not elements).</summary>
    public static IEnumerable<string> Ids(string html) =>
        IdAttribute().Matches(ScriptContent().Replace(html, "$1$2")).Select(m => m.Groups[1].Value);

    /// <summary>How many times <paramref name="what"/> occurs (ignoring case).</summary>
    public static int Count(string html, string what) => Regex.Matches(html, Regex.Escape(what), RegexOptions.IgnoreCase).Count;

    [GeneratedRegex("\\sid=\"([^\"]*)\"")]
    private static partial Regex IdAttribute();

    [GeneratedRegex("(<script[^>]*>).*?(</script>)", RegexOptions.Singleline)]
    private static partial Regex ScriptContent();
}
