using System.Text;
using LessonKit.Display.Html;

namespace LessonKit.Display.Formatting;

/// <summary>
/// Formatters for LessonKit's objects that are not views: the model, its activation cache, the tokenizer, a KV cache,
/// a generation step. Ending a cell with <c>model</c> or <c>cache</c> then shows a short summary, where the kernel's
/// default would walk every public property and print every weight (megabytes of output, seconds of waiting).
/// </summary>
public sealed class SummaryFormatterSource
{
    /// <summary>The types these formatters show.</summary>
    internal static IReadOnlyList<Type> Types { get; } =
        [typeof(HookedGpt2), typeof(ActivationCache), typeof(Text.Gpt2Tokenizer), typeof(KeyValueCache), typeof(GenerationStep)];

    /// <summary>Called by the notebook kernel (by name, through reflection): one formatter per type and MIME type.</summary>
    public IEnumerable<object> CreateTypeFormatters() =>
        Types.SelectMany(type => ViewFormatterSource.MimeTypes.Select(mime => new SummaryFormatter(type, mime))).ToArray();
}

/// <summary>Writes one of <see cref="SummaryFormatterSource.Types"/> as its <c>ToString()</c>, in HTML or plain text.</summary>
public sealed class SummaryFormatter
{
    /// <summary>Creates a formatter for <paramref name="type"/> in <c>text/html</c> or <c>text/plain</c>.</summary>
    public SummaryFormatter(Type type, string mimeType)
    {
        ArgumentNullException.ThrowIfNull(type);
        if (mimeType is not ("text/html" or "text/plain"))
            throw new ArgumentException($"A summary formats as text/html or text/plain, not '{mimeType}'.", nameof(mimeType));
        Type = type;
        MimeType = mimeType;
    }

    /// <summary>The MIME type this formatter writes.</summary>
    public string MimeType { get; }

    /// <summary>The type this formatter handles.</summary>
    public Type Type { get; }

    /// <summary>Writes <paramref name="instance"/>; returns <c>false</c> (writing nothing) when it is not of <see cref="Type"/>.</summary>
    public bool Format(object instance, TextWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (instance is null || !Type.IsInstanceOfType(instance)) return false;
        writer.Write(MimeType == "text/plain" ? instance.ToString() : Html(instance));
        return true;
    }

    private static string Html(object instance)
    {
        const string Style = "font-family:ui-monospace,monospace;font-size:13px;white-space:pre-wrap";
        string summary = HtmlText.Escape(instance.ToString());
        if (instance is not ActivationCache { IsDisposed: false } cache)
            return $"<div class=\"lk-summary\" style=\"{Style}\">{summary}</div>";

        // A cache lists its activations and their shapes, folded: a whole model's cache has hundreds.
        var html = new StringBuilder()
            .Append($"<details class=\"lk-summary\" style=\"{Style}\"><summary>{summary}</summary>")
            .Append("<table style=\"border-collapse:collapse;margin-top:4px\">");
        foreach (var (name, tensor) in cache.Shapes())
            html.Append("<tr><td style=\"padding:0 12px 0 0\">").Append(HtmlText.Escape(name)).Append("</td><td>")
                .Append(HtmlText.Escape(tensor)).Append("</td></tr>");
        return html.Append("</table></details>").ToString();
    }
}
