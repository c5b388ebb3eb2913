using TorchSharp;

namespace LessonKit.Kernels;

/// <summary>
/// Who gets the cores while a single row (a generation step) goes through the network. Its time goes to streaming
/// weights in <see cref="SingleRowProducts"/>, on all the threads libtorch was allowed; libtorch's own ops on one
/// row are too small to split, and its idle OpenMP threads would otherwise spin for the same cores (measured on 2
/// cores: 17 instead of 27 ms a step). So libtorch runs single-threaded until the scope is disposed.
/// libtorch's thread count is process-wide: libtorch work on another thread during a step runs single-threaded too.
/// </summary>
internal sealed class SingleRowThreads : IDisposable
{
    [ThreadStatic] private static int t_kernelThreads; // > 0 inside a scope on this thread

    private readonly int _libTorchThreads;

    private SingleRowThreads(int libTorchThreads)
    {
        _libTorchThreads = libTorchThreads;
        t_kernelThreads = Math.Min(libTorchThreads, Environment.ProcessorCount);
        if (libTorchThreads > 1) torch.set_num_threads(1);
    }

    /// <summary>How many threads a single-row kernel may use now.</summary>
    public static int KernelThreads => t_kernelThreads > 0 ? t_kernelThreads : Math.Min(torch.get_num_threads(), Environment.ProcessorCount);

    /// <summary>Gives the cores to the single-row kernels; null (nothing to undo) when already inside a scope.</summary>
    public static SingleRowThreads? Enter() => t_kernelThreads > 0 ? null : new SingleRowThreads(torch.get_num_threads());

    public void Dispose()
    {
        t_kernelThreads = 0;
        if (_libTorchThreads > 1) torch.set_num_threads(_libTorchThreads);
    }
}
