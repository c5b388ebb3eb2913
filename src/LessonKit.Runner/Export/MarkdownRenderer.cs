using Markdig;
using Markdig.Syntax;
using Markdig.Syntax.Inlines;

namespace LessonKit.Runner.Export;

/// <summary>Renders notebook markdown to HTML with Markdig (tables, task lists, auto links and the like).</summary>
public static class MarkdownRenderer
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseAdvancedExtensions().Build();

    /// <summary>Renders <paramref name="markdown"/> to an HTML fragment.</summary>
    /// <param name="markdown">Markdown text.</param>
    /// <param name="rewriteImage">
    /// Optional: given an image URL, returns the URL to use instead (e.g. a data: URI so the page works offline),
    /// or null to keep it.
    /// </param>
    public static string ToHtml(string markdown, Func<string, string?>? rewriteImage = null)
    {
        var document = Markdown.Parse(markdown, Pipeline);
        if (rewriteImage is not null)
        {
            foreach (var link in document.Descendants<LinkInline>().Where(l => l.IsImage && l.Url is not null))
            {
                if (rewriteImage(link.Url!) is { } replacement) link.Url = replacement;
            }
        }
        return Markdown.ToHtml(document, Pipeline);
    }
}
