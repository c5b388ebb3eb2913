namespace LessonKit.Runner.Notebooks;

/// <summary>The layout details of a notebook file that a rewrite keeps: indentation width and line ending.</summary>
/// <param name="Indent">Spaces per nesting level (Jupyter and VS Code use 1).</param>
/// <param name="NewLine">"\n" or "\r\n".</param>
public sealed record JsonTextStyle(int Indent, string NewLine)
{
    /// <summary>The style Jupyter and VS Code write: one space per level, "\n" line endings.</summary>
    public static JsonTextStyle Jupyter { get; } = new(1, "\n");

    /// <summary>Detects the style of existing notebook text (falls back to <see cref="Jupyter"/>).</summary>
    public static JsonTextStyle Detect(string text)
    {
        var newLine = text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
        var firstBreak = text.IndexOf('\n');
        var indent = 0;
        if (firstBreak >= 0)
        {
            while (firstBreak + 1 + indent < text.Length && text[firstBreak + 1 + indent] == ' ') indent++;
        }
        return new JsonTextStyle(indent > 0 ? indent : 1, newLine);
    }
}
