using System.Diagnostics;
using Microsoft.DotNet.Interactive;
using Microsoft.DotNet.Interactive.Directives;
using Microsoft.DotNet.Interactive.Events;
using Microsoft.DotNet.Interactive.Formatting;

namespace LessonKit.Runner.Engine;

/// <summary>
/// <c>#!time</c>: shows how long the rest of the cell took, as "Wall time: 123.456ms" in plain text, as the
/// dotnet-interactive tool does (its magic commands live in a package that is not published on its own).
/// </summary>
public static class TimeMagic
{
    /// <summary>Adds <c>#!time</c> to <paramref name="kernel"/>.</summary>
    public static void AddTo(Kernel kernel) =>
        kernel.AddDirective(new KernelActionDirective("#!time") { Description = "Time the execution of the current cell." }, Start);

    private static Task Start(Microsoft.DotNet.Interactive.Commands.KernelCommand command, KernelInvocationContext context)
    {
        var clock = Stopwatch.StartNew();
        context.OnComplete(completed =>
        {
            var elapsed = clock.Elapsed;
            completed.Publish(new DisplayedValueProduced(
                elapsed,
                context.Command,
                [new FormattedValue(PlainTextFormatter.MimeType, $"Wall time: {elapsed.TotalMilliseconds}ms")]));
        });
        return Task.CompletedTask;
    }
}
