using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace LessonKit.Display.Html;

/// <summary>
/// Escaping for the two places token text ends up: HTML text and attributes, and JSON data inside a
/// <c>&lt;script&gt;</c> element. Token text is data and must never be parsed as markup or code.
/// </summary>
internal static class HtmlText
{
    /// <summary>Escapes text for HTML content and for quoted attribute values: <c>&amp; &lt; &gt; " '</c>.</summary>
    public static string Escape(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 16);
        foreach (char c in text)
        {
            switch (c)
            {
                case '&': sb.Append("&amp;"); break;
                case '<': sb.Append("&lt;"); break;
                case '>': sb.Append("&gt;"); break;
                case '"': sb.Append("&quot;"); break;
                case '\'': sb.Append("&#39;"); break;
                default: sb.Append(c); break;
            }
        }
        return sb.ToString();
    }

    private static readonly JsonSerializerOptions ScriptJson = new()
    {
        // The default encoder escapes < > & ' " + ` and every non-ASCII character (U+2028 and U+2029 included)
        // as \uXXXX, so the text can close neither the <script> element nor a JavaScript string.
        Encoder = JavaScriptEncoder.Default,
        WriteIndented = false,
    };

    /// <summary>
    /// Serializes <paramref name="value"/> as JSON that is safe inside <c>&lt;script&gt;</c>: it never contains
    /// <c>&lt;</c> (so neither <c>&lt;/script</c> nor <c>&lt;!--</c>), nor a raw U+2028/U+2029.
    /// </summary>
    public static string JsonForScript(object? value)
    {
        string json = JsonSerializer.Serialize(value, ScriptJson);
        // Belt and braces: the encoder already escapes these; make sure whatever it does in a future version.
        if (json.AsSpan().IndexOfAny("<>&\u2028\u2029") >= 0)
            json = json.Replace("<", "\\u003C").Replace(">", "\\u003E").Replace("&", "\\u0026")
                       .Replace("\u2028", "\\u2028").Replace("\u2029", "\\u2029");
        return json;
    }

    /// <summary>
    /// Makes JSON written by another serializer safe inside <c>&lt;script&gt;</c>: escapes <c>&lt; &gt; &amp;</c> and
    /// U+2028/U+2029. Valid because those characters can only occur inside JSON strings.
    /// </summary>
    public static string MakeScriptSafe(string json)
    {
        var sb = new StringBuilder(json.Length + 16);
        foreach (char c in json)
        {
            if (c is '<' or '>' or '&' or '\u2028' or '\u2029')
                sb.Append("\\u").Append(((int)c).ToString("X4", CultureInfo.InvariantCulture));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    /// <summary>A number for the reader: <see cref="Num"/> when finite, else NaN, ∞ or -∞ (not a misleading 0).</summary>
    public static string Value(double value, int decimals = 2) =>
        double.IsNaN(value) ? "NaN" : double.IsPositiveInfinity(value) ? "∞" : double.IsNegativeInfinity(value) ? "-∞" : Num(value, decimals);

    /// <summary>A number for an HTML attribute or CSS, always with a dot and no exponent surprises (0 when not finite).</summary>
    public static string Num(double value, int decimals = 2) =>
        double.IsFinite(value) ? Math.Round(value, decimals).ToString("0.####", CultureInfo.InvariantCulture) : "0";
}
