using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Export;

/// <summary>
/// Writes a notebook as one standalone HTML page: markdown cells rendered with Markdig, code cells with their
/// outputs (HTML outputs embedded as they are), local images inlined as data: URIs, the stylesheet inline. The
/// page loads nothing from the network, so it works offline and can be published as a single file.
/// </summary>
public static partial class HtmlExporter
{
    private static readonly string[] OutputPreference =
        [MimeTypes.Html, "image/svg+xml", "image/png", "image/jpeg", "image/gif", MimeTypes.Markdown, "application/json", MimeTypes.PlainText];

    /// <summary>Renders <paramref name="notebook"/> to a complete HTML document.</summary>
    /// <param name="notebook">The notebook (executed or not).</param>
    /// <param name="cellNotes">Optional notes shown under cells, by cell number (e.g. "not run").</param>
    public static string Export(Notebook notebook, IReadOnlyDictionary<int, string>? cellNotes = null)
    {
        var folder = Path.GetDirectoryName(notebook.Path) ?? ".";
        var body = new StringBuilder();
        foreach (var cell in notebook.Cells)
        {
            body.Append($"<section class=\"cell {Encode(cell.CellType ?? "unknown")}\" id=\"cell-{cell.Number}\">\n");
            string source;
            try
            {
                source = cell.Source;
            }
            catch (FormatException)
            {
                source = "(this cell's source is not text)";
            }
            if (cell.IsMarkdown)
            {
                body.Append(MarkdownRenderer.ToHtml(source, url => InlineImage(url, folder, cell)));
            }
            else if (cell.IsCode)
            {
                AppendCodeCell(body, cell, source);
            }
            else
            {
                body.Append($"<pre>{Encode(source)}</pre>\n");
            }
            if (cellNotes is not null && cellNotes.TryGetValue(cell.Number, out var note))
            {
                var kind = note.StartsWith("not run", StringComparison.Ordinal) ? "note" : "note failed";
                body.Append($"<p class=\"{kind}\">{Encode(note)}</p>\n");
            }
            body.Append("</section>\n");
        }

        var fileName = Path.GetFileName(notebook.Path);
        return $"""
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>{Encode(Title(notebook) ?? fileName)}</title>
            <style>
            {HtmlPageStyle.Css}
            </style>
            </head>
            <body>
            <main class="notebook">
            {body}</main>
            <footer>Exported from {Encode(fileName)} by the LessonKit runner.</footer>
            </body>
            </html>

            """;
    }

    private static void AppendCodeCell(StringBuilder body, NotebookCell cell, string source)
    {
        var count = cell.Json["execution_count"] is JsonValue v && v.TryGetValue<int>(out var n) ? n.ToString() : " ";
        body.Append($"<div class=\"input\"><div class=\"prompt\">In [{count}]:</div>");
        body.Append($"<pre class=\"source\"><code class=\"language-csharp\">{Encode(source)}</code></pre></div>\n");
        if (cell.Json["outputs"] is not JsonArray { Count: > 0 } outputs) return;

        body.Append("<div class=\"outputs\">\n");
        foreach (var output in outputs.OfType<JsonObject>())
        {
            AppendOutput(body, output);
        }
        body.Append("</div>\n");
    }

    private static void AppendOutput(StringBuilder body, JsonObject output)
    {
        switch (output["output_type"]?.GetValue<string>())
        {
            case "stream":
                var name = output["name"]?.GetValue<string>() ?? "stdout";
                body.Append($"<div class=\"output stream {Encode(name)}\"><pre>{Encode(SafeJoin(output["text"]))}</pre></div>\n");
                break;
            case "display_data" or "execute_result":
                if (output["data"] is JsonObject data) AppendData(body, data);
                break;
            case "error":
                var traceback = output["traceback"] is JsonArray lines ? string.Join("\n", lines.Select(l => l?.ToString())) : "";
                var text = traceback.Length > 0
                    ? traceback
                    : $"{output["ename"]}: {output["evalue"]}";
                body.Append($"<div class=\"output error\"><pre>{Encode(AnsiEscape().Replace(text, ""))}</pre></div>\n");
                break;
        }
    }

    private static void AppendData(StringBuilder body, JsonObject data)
    {
        var mimeType = OutputPreference.FirstOrDefault(data.ContainsKey) ?? data.Select(p => p.Key).FirstOrDefault();
        if (mimeType is null) return;
        var value = mimeType == "application/json" ? data[mimeType]?.ToJsonString() ?? "" : SafeJoin(data[mimeType]);
        var html = mimeType switch
        {
            MimeTypes.Html or "image/svg+xml" => value,
            "image/png" or "image/jpeg" or "image/gif" =>
                $"<img src=\"data:{mimeType};base64,{Encode(string.Concat(value.Where(c => !char.IsWhiteSpace(c))))}\" alt=\"output image\">",
            MimeTypes.Markdown => MarkdownRenderer.ToHtml(value),
            _ => $"<pre>{Encode(value)}</pre>",
        };
        body.Append($"<div class=\"output\">{html}</div>\n");
    }

    /// <summary>The text of the first markdown heading, for the page title.</summary>
    private static string? Title(Notebook notebook)
    {
        foreach (var cell in notebook.Cells.Where(c => c.IsMarkdown))
        {
            var heading = SafeJoin(cell.Json["source"]).Split('\n').FirstOrDefault(l => l.TrimStart().StartsWith('#'));
            if (heading is not null) return heading.TrimStart().TrimStart('#').Trim();
        }
        return null;
    }

    /// <summary>A data: URI for a local image or a cell attachment, so the page needs no other file; null to keep the URL.</summary>
    private static string? InlineImage(string url, string folder, NotebookCell cell)
    {
        if (url.StartsWith("attachment:", StringComparison.Ordinal))
        {
            var name = url["attachment:".Length..];
            if (cell.Json["attachments"]?[name] is JsonObject attachment && attachment.FirstOrDefault() is var (mime, content) && content is not null)
            {
                return $"data:{mime};base64,{SafeJoin(content)}";
            }
            return null;
        }
        if (Uri.TryCreate(url, UriKind.Absolute, out var absolute) && !absolute.IsFile) return null;

        var path = Path.GetFullPath(Path.Combine(folder, Uri.UnescapeDataString(url)));
        var mimeType = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".png" => "image/png",
            ".jpg" or ".jpeg" => "image/jpeg",
            ".gif" => "image/gif",
            ".svg" => "image/svg+xml",
            ".webp" => "image/webp",
            _ => null,
        };
        return mimeType is not null && File.Exists(path)
            ? $"data:{mimeType};base64,{Convert.ToBase64String(File.ReadAllBytes(path))}"
            : null;
    }

    private static string SafeJoin(JsonNode? value)
    {
        try
        {
            return CellSource.Join(value);
        }
        catch (FormatException)
        {
            return value?.ToJsonString() ?? "";
        }
    }

    private static string Encode(string text) => WebUtility.HtmlEncode(text);

    [GeneratedRegex(@"\x1b\[[0-9;]*[A-Za-z]")]
    private static partial Regex AnsiEscape();
}
