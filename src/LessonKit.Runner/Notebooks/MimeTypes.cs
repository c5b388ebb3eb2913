namespace LessonKit.Runner.Notebooks;

/// <summary>MIME types the runner writes into notebook outputs.</summary>
public static class MimeTypes
{
    /// <summary>HTML fragment.</summary>
    public const string Html = "text/html";

    /// <summary>Plain text.</summary>
    public const string PlainText = "text/plain";

    /// <summary>Markdown text.</summary>
    public const string Markdown = "text/markdown";
}
