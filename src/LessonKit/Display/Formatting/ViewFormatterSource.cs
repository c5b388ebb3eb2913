namespace LessonKit.Display.Formatting;

/// <summary>
/// Makes the formatters that display every <see cref="View"/> in a notebook: one for <c>text/html</c>
/// (<see cref="View.ToHtml"/>) and one for <c>text/plain</c> (<see cref="View.ToString"/>).
/// </summary>
public sealed class ViewFormatterSource
{
    /// <summary>The MIME types the views are offered in, preferred first.</summary>
    internal static IReadOnlyList<string> MimeTypes { get; } = ["text/html", "text/plain"];

    /// <summary>Called by the notebook kernel (by name, through reflection): one formatter per MIME type.</summary>
    public IEnumerable<object> CreateTypeFormatters() => MimeTypes.Select(mime => new ViewFormatter(mime)).ToArray();
}

/// <summary>Writes a <see cref="View"/> as HTML or as plain text, following .NET Interactive's formatter convention.</summary>
public sealed class ViewFormatter
{
    /// <summary>Creates a formatter for <c>text/html</c> or <c>text/plain</c>.</summary>
    public ViewFormatter(string mimeType)
    {
        if (mimeType is not ("text/html" or "text/plain"))
            throw new ArgumentException($"A view formats as text/html or text/plain, not '{mimeType}'.", nameof(mimeType));
        MimeType = mimeType;
    }

    /// <summary>The MIME type this formatter writes.</summary>
    public string MimeType { get; }

    /// <summary>The type this formatter handles: every <see cref="View"/>.</summary>
    public Type Type => typeof(View);

    /// <summary>Writes <paramref name="instance"/>; returns <c>false</c> (writing nothing) when it is not a view.</summary>
    public bool Format(object instance, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (instance is not View view) return false;
        writer.Write(MimeType == "text/html" ? view.ToHtml() : view.ToString());
        return true;
    }
}
