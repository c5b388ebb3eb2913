namespace LessonKit.Runner.Execution;

/// <summary>How running work on a <see cref="CellThread"/> ended.</summary>
public enum CellThreadEnd
{
    /// <summary>The work finished (successfully or with its own error).</summary>
    Completed,

    /// <summary>The time limit passed first.</summary>
    TimedOut,

    /// <summary>The run was interrupted (Ctrl+C) first.</summary>
    Interrupted,
}

/// <summary>
/// Runs a cell's work on its own thread and waits for it, a time limit, or an interrupt, whichever comes first.
/// .NET cannot abort a thread, so work that overruns is abandoned (its cancellation token is cancelled, which
/// well-behaved code may watch) and the caller must stop running cells: the runner then writes what it has and
/// exits, which ends the abandoned background thread.
/// </summary>
public static class CellThread
{
    /// <summary>Runs <paramref name="work"/> on a new background thread.</summary>
    /// <param name="name">Thread name, for debuggers.</param>
    /// <param name="work">The work; receives a token cancelled when the runner gives up on it.</param>
    /// <param name="timeout">The time limit.</param>
    /// <param name="interrupt">Cancelled on Ctrl+C.</param>
    /// <returns>How it ended, and the work's result when it completed.</returns>
    public static async Task<(CellThreadEnd End, T? Result)> RunAsync<T>(
        string name, Func<CancellationToken, Task<T>> work, TimeSpan timeout, CancellationToken interrupt)
    {
        // Not disposed when the work is abandoned: the abandoned thread may still watch its token.
        var giveUp = new CancellationTokenSource();
        var completion = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                completion.TrySetResult(work(giveUp.Token).GetAwaiter().GetResult());
            }
            catch (Exception e)
            {
                completion.TrySetException(e);
            }
        })
        {
            IsBackground = true,
            Name = name,
        };
        thread.Start();

        using var timer = CancellationTokenSource.CreateLinkedTokenSource(interrupt);
        timer.CancelAfter(timeout);
        var finished = await Task.WhenAny(completion.Task, Task.Delay(Timeout.Infinite, timer.Token));
        if (finished == completion.Task)
        {
            giveUp.Dispose();
            return (CellThreadEnd.Completed, await completion.Task);
        }

        giveUp.Cancel();
        return (interrupt.IsCancellationRequested ? CellThreadEnd.Interrupted : CellThreadEnd.TimedOut, default);
    }
}
