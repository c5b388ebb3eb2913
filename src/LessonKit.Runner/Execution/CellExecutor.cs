using LessonKit.Runner.Engine;
using LessonKit.Runner.Notebooks;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;

namespace LessonKit.Runner.Execution;

/// <summary>
/// Runs the code cells of one notebook, one at a time, in one real .NET Interactive kernel: each cell is submitted
/// whole (magic commands included) to the kernel its metadata names, and what the kernel reports becomes the
/// cell's outputs, as in Jupyter or VS Code.
/// </summary>
public sealed class CellExecutor(CompositeKernel kernel)
{
    /// <summary>Runs <paramref name="cell"/>, writing its outputs to <paramref name="output"/>.</summary>
    /// <param name="cell">A code cell.</param>
    /// <param name="executionCount">The cell's execution count (for its result output).</param>
    /// <param name="output">Where the cell's outputs go.</param>
    /// <param name="cancellation">Cancelled when the runner gives up on the cell; the kernel passes it on to the cell.</param>
    public async Task<CellOutcome> RunAsync(NotebookCell cell, int executionCount, CellOutputCollector output, CancellationToken cancellation)
    {
        var kernelName = cell.PolyglotKernelName ?? NotebookKernel.CSharpKernelName;
        if (!kernel.ChildKernels.TryGetByAlias(kernelName, out _))
        {
            var message = $"the cell's metadata runs it with the '{kernelName}' kernel; the runner hosts only the C# kernel " +
                          $"(polyglot_notebook.kernelName \"{NotebookKernel.CSharpKernelName}\").";
            output.AddError(KernelEventOutputs.ErrorName, message, [message]);
            return new CellOutcome(CellStatus.Failed, null, message);
        }

        var submission = new SubmitCode(cell.Source, kernelName);
        var token = submission.GetOrCreateToken();
        var report = new FailureReport();
        using (kernel.KernelEvents.Subscribe(e =>
        {
            // Events of this cell and of the commands it started (#r "nuget:", #!time ...), as the tool forwards them.
            if (!e.Command.GetOrCreateToken().StartsWith(token, StringComparison.Ordinal)) return;
            KernelEventOutputs.Add(e, output, executionCount);
            report.Note(e);
        }))
        {
            var result = await kernel.SendAsync(submission, cancellation);
            return result.Events.OfType<CommandFailed>().Any() ? report.ToOutcome() : CellOutcome.Success;
        }
    }

    /// <summary>
    /// What the runner prints about a failed cell: its compile errors as the kernel shows them ("(line,column): error
    /// CS0103: ...", counted from the C# after any magic commands), or the exception or message it failed with.
    /// </summary>
    private sealed class FailureReport
    {
        private readonly object _gate = new();
        private readonly List<string> _errors = [];
        private CommandFailed? _failure;

        public void Note(KernelEvent kernelEvent)
        {
            lock (_gate)
            {
                switch (kernelEvent)
                {
                    case DiagnosticsProduced diagnostics:
                        _errors.AddRange(diagnostics.FormattedDiagnostics.Select(d => d.Value).Where(text => text.Contains(": error ", StringComparison.Ordinal)));
                        break;
                    case CommandFailed failed when _failure is null:
                        _failure = failed;
                        break;
                }
            }
        }

        public CellOutcome ToOutcome()
        {
            lock (_gate)
            {
                var message = _failure?.Exception switch
                {
                    CodeSubmissionCompilationErrorException when _errors.Count > 0 => string.Join("\n", _errors.Distinct()),
                    { } exception and not CodeSubmissionCompilationErrorException => $"{exception.GetType().FullName}: {exception.Message}",
                    _ => _failure?.Message ?? "the kernel reported a failure",
                };
                return new CellOutcome(CellStatus.Failed, null, message);
            }
        }
    }
}
