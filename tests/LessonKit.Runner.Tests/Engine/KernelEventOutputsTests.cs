using System.Text.Json.Nodes;
using LessonKit.Runner.Execution;
using LessonKit.Runner.Tests.Support;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Commands;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace LessonKit.Runner.Tests.Engine;

/// <summary>Kernel events become the outputs the tool's Jupyter front end writes.</summary>
public class KernelEventOutputsTests
{
    private static readonly SubmitCode Cell = new("1");

    private static JsonArray Outputs(params KernelEvent[] events)
    {
        var collector = new CellOutputCollector();
        foreach (var e in events) KernelEventOutputs.Add(e, collector, executionCount: 7);
        return collector.ToJson();
    }

    private static FormattedValue[] Text(string text) => [new FormattedValue(PlainTextFormatter.MimeType, text)];

    [Fact]
    public void An_update_replaces_the_display_with_the_same_id_only()
    {
        var outputs = Outputs(
            new DisplayedValueProduced("a", Cell, Text("installing 1"), valueId: "restore"),
            new DisplayedValueProduced("b", Cell, Text("other"), valueId: "other"),
            new DisplayedValueUpdated("a", "restore", Cell, Text("installing 2")),
            new DisplayedValueUpdated("a", "restore", Cell, Text("installed")),
            new DisplayedValueUpdated("c", "never-shown", Cell, Text("ignored")));

        Assert.Equal(["installed", "other"], outputs.Select(o => o.Text("text/plain")));
        Assert.All(outputs, o => Assert.Equal("display_data", (string)o!["output_type"]!));
    }

    [Fact]
    public void Console_text_merges_per_stream_and_error_events_go_to_stderr()
    {
        var outputs = Outputs(
            new StandardOutputValueProduced(Cell, Text("a")),
            new StandardOutputValueProduced(Cell, Text("b\n")),
            new StandardErrorValueProduced(Cell, Text("oops\n")),
            new ErrorProduced("failed to load", Cell));

        Assert.Equal([("stdout", "ab\n"), ("stderr", "oops\nfailed to load")],
            outputs.Select(o => ((string)o!["name"]!, o.Text())));
    }

    [Fact]
    public void Diagnostics_are_spaced_out_on_stderr()
    {
        var outputs = Outputs(new DiagnosticsProduced([], [new FormattedValue("text/plain", "(1,1): warning CS1: one"), new FormattedValue("text/plain", "(2,1): warning CS2: two")], Cell),
            new DiagnosticsProduced([], [], Cell));

        Assert.Equal("\n(1,1): warning CS1: one\n\n(2,1): warning CS2: two\n\n", Assert.Single(outputs).Text());
    }

    [Fact]
    public void The_return_value_is_an_execute_result_unless_it_is_a_display()
    {
        var shown = new DisplayedValue("x", Text("x"));
        var outputs = Outputs(
            new ReturnValueProduced(shown, Cell, Text("a display handle")),
            new ReturnValueProduced(42, Cell, [new FormattedValue("text/html", "<b>42</b>")]));

        var result = Assert.Single(outputs);
        Assert.Equal(("execute_result", 7, "<b>42</b>"), ((string)result!["output_type"]!, (int)result["execution_count"]!, result.Text("text/html")));
    }

    [Fact]
    public void Failures_become_error_outputs_as_the_tool_writes_them()
    {
        InvalidOperationException thrown;
        try { throw new InvalidOperationException("boom"); }
        catch (InvalidOperationException e) { thrown = e; }

        var outputs = Outputs(
            new CommandFailed(new CodeSubmissionCompilationErrorException(new Exception("CS0103")), Cell, "CS0103 ..."),
            new CommandFailed("Kernel not found: fsharp", Cell),
            new CommandFailed(thrown, Cell, thrown.ToString()));

        Assert.All(outputs, o => Assert.Equal(("error", "Error"), ((string)o!["output_type"]!, (string)o["ename"]!)));
        Assert.Equal("compilation error", (string)outputs[0]!["evalue"]!);
        Assert.Empty(outputs[0]!["traceback"]!.AsArray());
        Assert.Equal(["Kernel not found: fsharp"], outputs[1]!["traceback"]!.AsArray().Select(l => (string)l!));
        var traceback = outputs[2]!["traceback"]!.AsArray().Select(l => (string)l!).ToList();
        Assert.Equal(thrown.ToString(), traceback[0]);
        Assert.Contains(traceback.Skip(1), l => l.Contains(nameof(Failures_become_error_outputs_as_the_tool_writes_them), StringComparison.Ordinal));
    }
}
