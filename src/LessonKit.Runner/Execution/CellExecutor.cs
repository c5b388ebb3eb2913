using System.Diagnostics;
using LessonKit.Runner.Directives;
using LessonKit.Runner.Display;
using LessonKit.Runner.Export;
using LessonKit.Runner.Notebooks;
using LessonKit.Runner.References;
using Microsoft.CodeAnalysis;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Runs the code cells of one notebook, one at a time, in one <see cref="ScriptSession"/>: reads the cell's
/// directives, adds its references, runs its C# (and shows its <c>#!markdown</c> parts), and records outputs and
/// errors the way the kernel shows them.
/// </summary>
public sealed class CellExecutor(string notebookName, string notebookDirectory, ReferenceResolver resolver)
{
    private readonly ScriptSession _session = new();

    /// <summary>Runs <paramref name="cell"/>, writing its outputs to <paramref name="output"/>.</summary>
    /// <param name="cell">A code cell.</param>
    /// <param name="executionCount">The cell's execution count (for its result output).</param>
    /// <param name="output">Where the cell's outputs go; the console should already be captured into it.</param>
    /// <param name="cancellation">Cancelled when the runner gives up on the cell.</param>
    public async Task<CellOutcome> RunAsync(NotebookCell cell, int executionCount, CellOutputCollector output, CancellationToken cancellation)
    {
        var kernel = cell.PolyglotKernelName?.ToLowerInvariant() switch
        {
            null or "csharp" or "c#" => (CellKernel?)CellKernel.CSharp,
            "markdown" => CellKernel.Markdown,
            _ => null,
        };
        if (kernel is null)
        {
            return Fail(output, "UnsupportedKernel", 1,
                $"the cell's metadata runs it with the '{cell.PolyglotKernelName}' kernel; the runner runs only C# (polyglot_notebook.kernelName \"csharp\").");
        }

        var parsed = CellDirectiveParser.Parse(cell.Source, kernel.Value);
        if (parsed.Problems.Count > 0)
        {
            var first = parsed.Problems[0];
            return Fail(output, "UnsupportedDirective", first.Line, first.Message);
        }

        foreach (var reference in parsed.References)
        {
            try
            {
                _session.AddReferences(resolver.Resolve(reference, notebookDirectory));
            }
            catch (ReferenceException e)
            {
                return Fail(output, "ReferenceError", reference.Line, e.Message);
            }
        }

        var filePath = $"{notebookName} cell {cell.Number}";
        foreach (var segment in parsed.Segments)
        {
            if (segment.Kernel == CellKernel.Markdown)
            {
                output.AddDisplay(new MimeBundle()
                    .Add(MimeTypes.Html, MarkdownRenderer.ToHtml(segment.Code))
                    .Add(MimeTypes.Markdown, segment.Code));
                continue;
            }

            _session.Globals.BeginCell(output, cancellation);
            var result = await _session.RunAsync(segment.Code, filePath, cancellation);
            if (result.CompileErrors.Count > 0)
            {
                return CompileFailure(output, result.CompileErrors);
            }
            if (result.Exception is { } exception)
            {
                return RuntimeFailure(output, exception, filePath);
            }
            if (result.HasValue)
            {
                try
                {
                    output.AddResult(ValueFormatter.Format(result.Value), executionCount);
                }
                catch (Exception e)
                {
                    // A formatter threw while showing the cell's value: report it on the cell's last line.
                    var lastLine = segment.Code.TrimEnd().Split('\n').Length;
                    return Fail(output, e.GetType().Name, lastLine, $"formatting the cell's value failed: {e.Message}", e.ToString());
                }
            }
        }
        return CellOutcome.Success;
    }

    private static CellOutcome CompileFailure(CellOutputCollector output, IReadOnlyList<Diagnostic> errors)
    {
        var lines = errors.Select(d =>
        {
            var position = d.Location.GetLineSpan().StartLinePosition;
            return (Line: position.Line + 1, Text: $"({position.Line + 1},{position.Character + 1}): error {d.Id}: {d.GetMessage()}");
        }).ToList();
        output.AddError("CompilationError", string.Join("\n", lines.Select(l => l.Text)), lines.Select(l => l.Text).ToList());
        var message = string.Join("\n", errors.Select(d => $"error {d.Id}: {d.GetMessage()}" +
            (d == errors[0] ? "" : $" (line {d.Location.GetLineSpan().StartLinePosition.Line + 1})")));
        return new CellOutcome(CellStatus.Failed, lines[0].Line, message);
    }

    private static CellOutcome RuntimeFailure(CellOutputCollector output, Exception exception, string filePath)
    {
        // The line is that of the innermost stack frame inside this cell's own code.
        var line = new StackTrace(exception, fNeedFileInfo: true).GetFrames()
            .FirstOrDefault(f => f.GetFileName() == filePath && f.GetFileLineNumber() > 0)?.GetFileLineNumber();
        output.AddError(exception.GetType().Name, exception.Message, exception.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList());
        return new CellOutcome(CellStatus.Failed, line, $"{exception.GetType().FullName}: {exception.Message}");
    }

    private static CellOutcome Fail(CellOutputCollector output, string ename, int line, string message, string? traceback = null)
    {
        output.AddError(ename, message, (traceback ?? $"line {line}: {message}").Split('\n'));
        return new CellOutcome(CellStatus.Failed, line, message);
    }
}
