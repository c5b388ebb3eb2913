using System.Text;
using LessonKit.Display.Formatting;
using LessonKit.Display.Html;

namespace LessonKit.Display;

/// <summary>
/// A picture of something inside the model that shows itself in a notebook. <see cref="ToHtml"/> gives a
/// self-contained HTML fragment (inline styles and scripts, nothing loaded from the network),
/// <see cref="ToString"/> a short text summary, and <see cref="SaveHtml"/> a standalone page to hand in.
/// </summary>
/// <remarks>
/// Notebooks find the formatter through <see cref="TypeFormatterSourceAttribute"/> (matched by name, as .NET
/// Interactive does), which offers <c>text/html</c> and <c>text/plain</c>. Every fragment has its own random
/// element id (<see cref="Id"/>), styles scoped under <c>.lk-view</c>, and one global, <c>window.LessonKitViews</c>,
/// so several views on one page never interfere. Token text is data: it is escaped, never parsed as markup.
/// </remarks>
[TypeFormatterSource(typeof(ViewFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public abstract class View
{
    private readonly List<string> _notes = [];
    private string? _html;

    /// <summary>Creates a view of the given kind (a short lower-case word used in CSS classes and the script).</summary>
    protected View(string kind)
    {
        Kind = kind;
        Id = ElementIds.New();
    }

    /// <summary>The id of the view's root element; unique for every view ever made (random, not a counter).</summary>
    public string Id { get; }

    /// <summary>What kind of view this is: <c>headview</c>, <c>patterns</c>, ... (also its CSS class <c>lk-{Kind}</c>).</summary>
    public string Kind { get; }

    /// <summary>The heading shown above the view.</summary>
    public abstract string Title { get; }

    /// <summary>Messages shown above the view, such as "showing the last 256 of 400 tokens".</summary>
    public IReadOnlyList<string> Notes => _notes;

    /// <summary>Adds a message that is shown above the view and in <see cref="ToString"/>.</summary>
    protected void AddNote(string note) => _notes.Add(note);

    /// <summary>The names of the script modules (files in <c>Display/Assets</c>) this view runs; empty for a static view.</summary>
    protected virtual IReadOnlyList<string> ScriptModules => [];

    /// <summary>The data the script reads (serialized as JSON); <c>null</c> for a static view.</summary>
    protected virtual object? ScriptData => null;

    /// <summary>Writes the view's static HTML (already escaped) inside its root element.</summary>
    protected abstract void WriteBody(StringBuilder html);

    /// <summary>A plain-text summary of the view, used by <see cref="ToString"/> and for <c>text/plain</c>.</summary>
    protected abstract void WriteSummary(StringBuilder text);

    /// <summary>
    /// The view as a self-contained HTML fragment: one root <c>div</c> with its styles, data and scripts inline.
    /// Nothing is loaded from the network. (Made once: a view does not change after it is created.)
    /// </summary>
    public string ToHtml() => _html ??= RenderHtml();

    private string RenderHtml()
    {
        var html = new StringBuilder(4096);
        html.Append("<div class=\"lk-view lk-").Append(Kind).Append("\" id=\"").Append(Id)
            .Append("\" data-lk-view=\"").Append(Kind).Append("\">");
        html.Append("<style>").Append(ViewAssets.Css).Append("</style>");
        html.Append("<div class=\"lk-title\">").Append(HtmlText.Escape(Title)).Append("</div>");
        foreach (string note in _notes)
            html.Append("<div class=\"lk-note\">").Append(HtmlText.Escape(note)).Append("</div>");
        html.Append("<div class=\"lk-body\">");
        WriteBody(html);
        html.Append("</div>");
        if (ScriptModules.Count > 0)
        {
            html.Append("<div class=\"lk-nojs\">This view is interactive and needs JavaScript: run the cell in VS Code ")
                .Append("(Polyglot Notebooks) or trust the notebook. Its text summary: ")
                .Append(HtmlText.Escape(ToString())).Append("</div>");
            html.Append("<script type=\"application/json\" id=\"").Append(Id).Append("-data\">")
                .Append(HtmlText.JsonForScript(ScriptData)).Append("</script>");
            html.Append("<script>").Append(ViewAssets.Script(ScriptModules))
                .Append("\nwindow.LessonKitViews.boot(\"").Append(Id).Append("\", \"").Append(Kind)
                .Append("\", document.currentScript);</script>");
        }
        html.Append("</div>");
        return html.ToString();
    }

    /// <summary>The view as a complete standalone HTML page (with a content security policy that forbids any network access).</summary>
    public string ToStandaloneHtml() => HtmlPage.Wrap(Title, ToHtml());

    /// <summary>
    /// Writes the view as a standalone HTML page (open it in any browser, offline) and returns the full path written.
    /// <paramref name="path"/> is a file path such as <c>out/attention.html</c>; missing folders are created, and an
    /// existing file is replaced. A folder is refused with a message (rather than saved into under a made-up name, so the
    /// path you give is always the file you get).
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="path"/> is empty, an existing folder or ends with a slash.</exception>
    public string SaveHtml(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full) || Path.EndsInDirectorySeparator(path))
            throw new ArgumentException(
                $"'{path}' is a folder; SaveHtml needs the file to write, e.g. SaveHtml(\"{Path.Combine(path, Kind + ".html")}\").", nameof(path));
        if (Path.GetDirectoryName(full) is { Length: > 0 } folder) Directory.CreateDirectory(folder);
        File.WriteAllText(full, ToStandaloneHtml(), new UTF8Encoding(encoderShouldEmitUTF8Identifier: false));
        return full;
    }

    /// <summary>A short text summary: the title, the notes and the main numbers.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append(Title);
        foreach (string note in _notes) text.Append("\n(").Append(note).Append(')');
        text.Append('\n');
        WriteSummary(text);
        return text.ToString().TrimEnd();
    }
}
