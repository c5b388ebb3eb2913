namespace LessonKit.Runner.Export;

/// <summary>The stylesheet embedded in every exported page (no external resources, so pages work offline).</summary>
internal static class HtmlPageStyle
{
    public const string Css = """
        :root { --text: #1f2328; --muted: #656d76; --border: #d0d7de; --code-bg: #f6f8fa; --error: #b42318; --error-bg: #fef3f2; }
        * { box-sizing: border-box; }
        body { margin: 0; color: var(--text); background: #fff; font: 16px/1.6 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
        main { max-width: 60rem; margin: 0 auto; padding: 2rem 1.25rem 4rem; }
        .cell { margin: 1.25rem 0; }
        .markdown img { max-width: 100%; }
        .markdown table { border-collapse: collapse; }
        .markdown th, .markdown td { border: 1px solid var(--border); padding: .3rem .6rem; }
        pre, code { font: 14px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
        .markdown code { background: var(--code-bg); padding: .1em .3em; border-radius: 4px; }
        .input { display: flex; gap: .75rem; align-items: flex-start; }
        .prompt { flex: 0 0 4.5rem; color: var(--muted); font: 13px/2 ui-monospace, monospace; text-align: right; }
        .source { flex: 1; margin: 0; overflow-x: auto; background: var(--code-bg); border: 1px solid var(--border); border-radius: 6px; padding: .75rem 1rem; }
        .outputs { margin-left: 5.25rem; }
        .output { margin: .5rem 0; overflow-x: auto; }
        .output pre { margin: 0; white-space: pre-wrap; }
        .output.stderr pre { color: #9a6700; }
        .output.error pre { color: var(--error); background: var(--error-bg); border-radius: 6px; padding: .5rem .75rem; }
        .output img { max-width: 100%; }
        .note { margin-left: 5.25rem; color: var(--muted); font-style: italic; }
        .note.failed { color: var(--error); }
        footer { max-width: 60rem; margin: 0 auto; padding: 0 1.25rem 2rem; color: var(--muted); font-size: 13px; }
        """;
}
