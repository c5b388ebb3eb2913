using LessonKit.Runtime;
using TorchSharp;

namespace LessonKit.Tests.Runtime;

public sealed class TorchRuntimeTests
{
    [Fact]
    public void EnsureReady_makes_torch_work()
    {
        TorchRuntime.EnsureReady();

        using var ones = torch.ones(2, 2);
        using var sum = ones.sum();
        Assert.Equal(4f, sum.item<float>());
    }

    [Fact]
    public async Task EnsureReady_is_safe_from_many_threads_and_idempotent()
    {
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(TorchRuntime.EnsureReady)));
        TorchRuntime.EnsureReady();

        var log = TorchRuntime.Log;
        Assert.Single(log, l => l.StartsWith("TorchSharp started", StringComparison.Ordinal));
        Assert.Contains(log, l => l.Contains(TorchSharpNativeFiles.LibraryFileName));
    }

    [Fact]
    public void The_log_says_what_was_found_about_libstdcxx()
    {
        if (!OperatingSystem.IsLinux())
        {
            return;
        }
        TorchRuntime.EnsureReady();
        var libStdCxx = LibStdCxxProbe.FindForCurrentProcess(out _)!;
        var expected = libStdCxx.Defines("GLIBCXX_3.4.32") ? "provides GLIBCXX_3.4.32" : $"stops at {libStdCxx.NewestGlibcxx}";

        Assert.Contains(TorchRuntime.Log, l => l.StartsWith(libStdCxx.Path, StringComparison.Ordinal) && l.Contains(expected));
    }

    [Fact]
    public void The_log_is_a_snapshot()
    {
        var log = TorchRuntime.Log;
        Assert.IsType<string[]>(log);
        TorchRuntime.EnsureReady();
        Assert.NotSame(log, TorchRuntime.Log);
    }
}
