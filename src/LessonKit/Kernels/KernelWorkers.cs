using System.Diagnostics;

namespace LessonKit.Kernels;

/// <summary>
/// Background threads that share out the parts of one kernel call with the calling thread. A generation step of
/// GPT-2 small makes about 60 such short calls (4 weight products a layer and the unembedding, one attention a layer),
/// with libtorch work in between; the .NET thread pool's workers fall asleep in those gaps, and waking them costs a
/// noticeable part of a short call. These workers spin for a short while after each call, so the next one starts at
/// once, and sleep only when no call has come for <see cref="SpinMicroseconds"/>.
/// </summary>
internal static class KernelWorkers
{
    private const int SpinMicroseconds = 500;

    private static readonly object StartLock = new();
    private static readonly SemaphoreSlim Wake = new(0);
    private static int s_busy;      // 1 while a call is running
    private static Job? s_current;  // the latest call; workers compare it with the last one they saw
    private static int s_started;   // worker threads running
    private static int s_sleepers;  // workers blocked on Wake

    /// <summary>
    /// Runs <paramref name="work"/>(0 .. <paramref name="parts"/>-1) on the calling thread and up to
    /// <paramref name="threads"/>-1 workers; returns when every part is done. A call made while another is running
    /// (from a second thread, or from inside a part) runs its parts on its own thread. Either way, a part that throws
    /// fails the call with an <see cref="AggregateException"/> around what it threw.
    /// </summary>
    public static void Run(int parts, int threads, Action<int> work)
    {
        if (threads <= 1 || parts <= 1 || Interlocked.CompareExchange(ref s_busy, 1, 0) != 0)
        {
            RunInline(parts, work);
            return;
        }
        try
        {
            EnsureStarted(threads - 1);
            var job = new Job(work, parts, helpers: threads - 1);
            Interlocked.Exchange(ref s_current, job); // a full fence: a worker that then counts itself asleep sees the job
            int sleepers = Volatile.Read(ref s_sleepers);
            if (sleepers > 0) Wake.Release(sleepers);
            job.Help(0);
            job.WaitUntilDone();
        }
        finally
        {
            Volatile.Write(ref s_busy, 0);
        }
    }

    private static void RunInline(int parts, Action<int> work)
    {
        try
        {
            for (int part = 0; part < parts; part++) work(part);
        }
        catch (Exception error)
        {
            throw new AggregateException(error); // as when the parts ran on the workers: callers see one kind of failure
        }
    }

    private static void EnsureStarted(int workers)
    {
        if (Volatile.Read(ref s_started) >= workers) return;
        lock (StartLock)
        {
            while (s_started < workers)
            {
                int index = s_started;
                new Thread(() => WorkerLoop(index)) { IsBackground = true, Name = $"LessonKit kernel worker {index + 1}" }.Start();
                s_started++;
            }
        }
    }

    private static void WorkerLoop(int index)
    {
        Job? seen = null;
        while (true)
        {
            var job = WaitForNewJob(seen);
            seen = job;
            if (index < job.Helpers) job.Help(index + 1);
        }
    }

    /// <summary>Spins for a new call for a little while, then sleeps until one is announced.</summary>
    private static Job WaitForNewJob(Job? seen)
    {
        long spinUntil = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        var spinner = new SpinWait();
        while (true)
        {
            var job = Volatile.Read(ref s_current);
            if (job is not null && job != seen) return job;
            if (Stopwatch.GetTimestamp() < spinUntil)
            {
                spinner.SpinOnce(sleep1Threshold: -1); // never Sleep(1): that would cost a millisecond
                continue;
            }
            Interlocked.Increment(ref s_sleepers);
            job = Volatile.Read(ref s_current);
            if (job is null || job == seen) Wake.Wait();
            Interlocked.Decrement(ref s_sleepers);
            spinUntil = Stopwatch.GetTimestamp() + SpinMicroseconds * Stopwatch.Frequency / 1_000_000;
        }
    }

    /// <summary>One kernel call: its parts are claimed one at a time by whichever thread is free.</summary>
    private sealed class Job(Action<int> work, int parts, int helpers)
    {
        private readonly int _parts = parts;
        private readonly int[] _claimed = new int[parts]; // 1 once a thread has taken the part
        private int _pending = parts; // parts not finished yet
        private Exception? _error;

        public int Helpers { get; } = helpers;

        /// <summary>
        /// Does the parts of thread <paramref name="thread"/>'s own contiguous share first (its rows follow each other
        /// in memory, which the hardware prefetcher streams best), then any part another thread has not claimed yet.
        /// </summary>
        public void Help(int thread)
        {
            int threads = Helpers + 1, first = thread * _parts / threads;
            for (int k = 0; k < _parts; k++)
            {
                int part = (first + k) % _parts;
                if (Interlocked.Exchange(ref _claimed[part], 1) != 0) continue;
                try
                {
                    work(part);
                }
                catch (Exception error)
                {
                    Interlocked.CompareExchange(ref _error, error, null);
                }
                Interlocked.Decrement(ref _pending);
            }
        }

        public void WaitUntilDone()
        {
            var spinner = new SpinWait();
            while (Volatile.Read(ref _pending) > 0) spinner.SpinOnce(sleep1Threshold: -1);
            if (_error is not null) throw new AggregateException(_error);
        }
    }
}
