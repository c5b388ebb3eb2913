using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Turns the kernel's events into notebook outputs the way the dotnet-interactive tool's Jupyter front end does
/// (its <c>ExecuteRequestHandler</c>), so an executed notebook holds what Jupyter or VS Code would show:
/// displays and their updates, the return value, stdout and stderr, compiler diagnostics on stderr, and errors.
/// </summary>
public static class KernelEventOutputs
{
    /// <summary>The <c>ename</c> the tool gives every error output.</summary>
    public const string ErrorName = "Error";

    /// <summary>The <c>evalue</c> of a cell that did not compile (its diagnostics are on stderr).</summary>
    public const string CompilationErrorValue = "compilation error";

    /// <summary>Adds what <paramref name="kernelEvent"/> shows (if anything) to <paramref name="output"/>.</summary>
    public static void Add(KernelEvent kernelEvent, CellOutputCollector output, int executionCount)
    {
        switch (kernelEvent)
        {
            case ReturnValueProduced { Value: DisplayedValue }:
                break;   // display(x) as the cell's last expression: already shown by the display itself.
            case ReturnValueProduced result:
                output.AddResult(Bundle(result), executionCount);
                break;
            case DisplayedValueProduced displayed:
                output.AddDisplay(displayed.ValueId, Bundle(displayed));
                break;
            case DisplayedValueUpdated updated when updated.ValueId is not null:
                output.UpdateDisplay(updated.ValueId, Bundle(updated));
                break;
            case StandardOutputValueProduced stdout:
                output.AppendStream("stdout", PlainText(stdout));
                break;
            case StandardErrorValueProduced or ErrorProduced:
                output.AppendStream("stderr", PlainText((DisplayEvent)kernelEvent));
                break;
            case DiagnosticsProduced { FormattedDiagnostics.Count: > 0 } diagnostics:
                // Spaced out on stderr, as the tool writes warnings and errors under a cell.
                output.AppendStream("stderr",
                    "\n" + string.Join("\n\n", diagnostics.FormattedDiagnostics.Select(d => d.Value)) + "\n\n");
                break;
            case CommandFailed failed:
                AddError(failed, output);
                break;
        }
    }

    private static void AddError(CommandFailed failed, CellOutputCollector output)
    {
        switch (failed.Exception)
        {
            case CodeSubmissionCompilationErrorException:
                output.AddError(ErrorName, CompilationErrorValue, []);
                break;
            case null:
                output.AddError(ErrorName, failed.Message, [failed.Message]);
                break;
            case var exception:
                var stack = (exception.StackTrace ?? "").Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries);
                output.AddError(ErrorName, failed.Message, [exception.ToString(), .. stack]);
                break;
        }
    }

    private static MimeBundle Bundle(DisplayEvent displayEvent)
    {
        var bundle = new MimeBundle();
        foreach (var value in displayEvent.FormattedValues) bundle.Add(value.MimeType, value.Value);
        return bundle;
    }

    private static string PlainText(DisplayEvent displayEvent) =>
        displayEvent.FormattedValues.FirstOrDefault(v => v.MimeType == PlainTextFormatter.MimeType)?.Value
        ?? displayEvent.Value?.ToString()
        ?? "";
}
