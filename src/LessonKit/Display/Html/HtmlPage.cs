namespace LessonKit.Display.Html;

/// <summary>Wraps fragments into a standalone page.</summary>
internal static class HtmlPage
{
    /// <summary>
    /// A complete page around <paramref name="body"/>. Its content security policy allows inline styles, inline
    /// scripts and <c>data:</c> images only: the page cannot reach the network even if something in it tried.
    /// </summary>
    public static string Wrap(string title, string body) =>
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n" +
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; " +
        "script-src 'unsafe-inline'; img-src data: blob:; font-src data:\">\n" +
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n" +
        "<title>" + HtmlText.Escape(title) + "</title>\n" +
        "<style>body{margin:16px;background:#fff;font-family:system-ui,-apple-system,'Segoe UI',sans-serif}</style>\n" +
        "</head>\n<body>\n" + body + "\n</body>\n</html>\n";
}
