using Markdig;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace LessonKit.Runner.Engine;

/// <summary>
/// <c>#!markdown</c>: the rest of the cell is markdown, shown rendered as HTML (with math), as the dotnet-interactive
/// tool does (its magic commands live in a package that is not published on its own).
/// </summary>
public static class MarkdownMagic
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UseMathematics().UseAdvancedExtensions().Build();

    /// <summary>Adds <c>#!markdown</c> to <paramref name="kernel"/>.</summary>
    public static void AddTo(Kernel kernel) =>
        kernel.AddDirective(new KernelActionDirective("#!markdown") { Description = "Convert the code that follows from Markdown into HTML." }, Render);

    private static Task Render(KernelCommand command, KernelInvocationContext context)
    {
        if (context.Command is not SubmitCode submission) return Task.CompletedTask;

        var markdown = submission.Code.Replace("#!markdown", "").Trim();
        var html = Markdown.ToHtml(markdown, Pipeline);
        context.Publish(new DisplayedValueProduced(html, context.Command, [new FormattedValue(HtmlFormatter.MimeType, html)]));
        // The cell is markdown: nothing of it runs as C#.
        context.Complete(submission);
        return Task.CompletedTask;
    }
}
