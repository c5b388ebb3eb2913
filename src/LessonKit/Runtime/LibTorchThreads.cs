using TorchSharp;

namespace LessonKit.Runtime;

/// <summary>
/// libtorch's thread count (process-wide) set for one scope, and restored when the scope is disposed. A small model's
/// matrices are too small to split well: on several threads, each product waits for the others more than it computes,
/// and on a busy machine libtorch's idle threads spin for the cores the work needs (lesson 2.2's toy, on a loaded 2-core
/// machine: one thread used a tenth of the CPU time of two). The <see cref="Training.Trainer"/> opens one per step
/// (<see cref="Training.TrainingOptions.Threads"/>), <see cref="Lessons.InductionProbe.Measure"/> one per measurement
/// of a small model (<see cref="ForInference"/>).
/// </summary>
internal readonly struct LibTorchThreads : IDisposable
{
    /// <summary>The widest residual stream (d_model) <see cref="ForInference"/> runs on one thread: the toys and test models, not GPT-2 (768 and up).</summary>
    public const int SmallModelWidth = 128;

    private readonly int _before; // the count to restore, or 0 when nothing was changed

    /// <summary>Sets libtorch's thread count to <paramref name="threads"/> until disposed; null changes nothing.</summary>
    public LibTorchThreads(int? threads)
    {
        if (threads is < 1) throw new ArgumentOutOfRangeException(nameof(threads), threads, "libtorch needs at least one thread.");
        int before = torch.get_num_threads();
        if (threads is int n && n != before)
        {
            torch.set_num_threads(n);
            _before = before;
        }
    }

    /// <summary>One thread for inference on a model with d_model ≤ <see cref="SmallModelWidth"/>; libtorch's own setting for larger models.</summary>
    public static LibTorchThreads ForInference(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new LibTorchThreads(config.DModel <= SmallModelWidth ? 1 : null);
    }

    /// <summary>Restores the thread count the scope started with.</summary>
    public void Dispose()
    {
        if (_before > 0) torch.set_num_threads(_before);
    }
}
