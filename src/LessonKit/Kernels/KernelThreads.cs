using TorchSharp;

namespace LessonKit.Kernels;

/// <summary>
/// Who gets the cores while a few rows (a generation step, a short prompt) go through the network. Their time goes
/// to streaming weights in <see cref="FewRowProducts"/>, on all the threads libtorch was allowed; libtorch's own ops
/// on a few rows are too small to split, and its idle OpenMP threads would otherwise spin for the same cores and slow
/// every kernel call down. So libtorch runs single-threaded until the scope is disposed
/// (<see cref="FastPath.CoresForFewRows"/> opens it). libtorch's thread count is process-wide: libtorch work on another thread meanwhile runs
/// single-threaded too.
/// </summary>
internal sealed class KernelThreads : IDisposable
{
    [ThreadStatic] private static int t_kernelThreads; // > 0 inside a scope on this thread

    private readonly int _libTorchThreads;

    private KernelThreads(int libTorchThreads)
    {
        _libTorchThreads = libTorchThreads;
        t_kernelThreads = Math.Min(libTorchThreads, Environment.ProcessorCount);
        if (libTorchThreads > 1) torch.set_num_threads(1);
    }

    /// <summary>How many threads a kernel may use now: inside a scope, the threads libtorch had; outside, libtorch's.</summary>
    public static int Count => t_kernelThreads > 0 ? t_kernelThreads : Math.Min(torch.get_num_threads(), Environment.ProcessorCount);

    /// <summary>Gives the cores to the kernels; null (nothing to undo) when already inside a scope.</summary>
    public static KernelThreads? Enter() => t_kernelThreads > 0 ? null : new KernelThreads(torch.get_num_threads());

    /// <summary>A scope when a pass of <paramref name="rows"/> rows runs on the kernels, else null.</summary>
    public static KernelThreads? EnterFor(long rows) => rows <= FewRowProducts.MaxRows ? Enter() : null;

    public void Dispose()
    {
        t_kernelThreads = 0;
        if (_libTorchThreads > 1) torch.set_num_threads(_libTorchThreads);
    }
}
