using System.Text;

namespace LessonKit.Display.Html;

/// <summary>Turns token text into labels a reader can see: invisible characters get visible stand-ins.</summary>
internal static class TokenLabels
{
    /// <summary>The longest label shown before it is cut with an ellipsis (the full text is in the tooltip).</summary>
    public const int MaxLabelLength = 24;

    /// <summary>
    /// Newline as ↵, carriage return as ␍, tab as ⇥, other control characters as their Unicode control pictures
    /// (U+2400 block), invisible format characters and line/paragraph separators as <c>[U+200B]</c>, an empty
    /// token as ∅. Spaces stay spaces (views show them with <c>white-space: pre</c>): this is for running text;
    /// <see cref="Label"/> also makes a token of spaces only visible.
    /// </summary>
    public static string Visible(string? token)
    {
        if (string.IsNullOrEmpty(token)) return "∅";
        var sb = new StringBuilder(token.Length);
        foreach (char c in token)
        {
            var category = char.GetUnicodeCategory(c);
            if (category is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator
                or System.Globalization.UnicodeCategory.ParagraphSeparator)
            {
                sb.Append($"[U+{(int)c:X4}]");
                continue;
            }
            sb.Append(c switch
            {
                '\n' => "↵",
                '\r' => "␍",
                '\t' => "⇥",
                < ' ' => ((char)(0x2400 + c)).ToString(),
                '\u007f' => "␡",
                _ => c.ToString(),
            });
        }
        return sb.ToString();
    }

    /// <summary>
    /// A token shown on its own (an axis label, a head-view row, a chip): <see cref="Visible"/>, and if that would
    /// look blank (a token of spaces only, such as <c>" "</c>), every space as ␣ and any other blank character as
    /// <c>[U+00A0]</c>. Tokens with other text keep their spaces (<c>" cat"</c>), as in running text. The real text
    /// belongs in the element's tooltip (<see cref="Quoted"/>).
    /// </summary>
    public static string Label(string? token)
    {
        string visible = Visible(token);
        if (!string.IsNullOrWhiteSpace(visible)) return visible;
        var sb = new StringBuilder(visible.Length);
        foreach (char c in visible) sb.Append(c == ' ' ? "␣" : $"[U+{(int)c:X4}]");
        return sb.ToString();
    }

    /// <summary><see cref="Label"/>, cut to <see cref="MaxLabelLength"/> characters with an ellipsis.</summary>
    public static string Short(string? token)
    {
        string visible = Label(token);
        if (visible.Length <= MaxLabelLength) return visible;
        int cut = MaxLabelLength - 1;
        if (char.IsHighSurrogate(visible[cut - 1])) cut--;   // never split an emoji in half
        return visible[..cut] + "…";
    }

    /// <summary>Every token's short label.</summary>
    public static string[] ShortAll(IEnumerable<string> tokens) => tokens.Select(Short).ToArray();

    /// <summary>A token quoted so leading spaces show: <c>' cat'</c>.</summary>
    public static string Quoted(string? token) => "'" + Visible(token) + "'";
}
