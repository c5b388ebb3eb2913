using LessonKit.Runner.Cli;

// Ctrl+C: the first press interrupts the running cell cleanly (outputs so far are written, exit code 130);
// a second press ends the process at once.
using var interrupt = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    if (interrupt.IsCancellationRequested) return;
    e.Cancel = true;
    interrupt.Cancel();
};

var exitCode = await RunnerCommandLine.InvokeAsync(args, Console.Out, Console.Error, interrupt.Token);
Console.Out.Flush();
if (exitCode is ExitCodes.TimedOut or ExitCodes.Interrupted)
{
    // An abandoned cell may still be running on a background thread (.NET cannot abort it): end the process now.
    Environment.Exit(exitCode);
}
return exitCode;
