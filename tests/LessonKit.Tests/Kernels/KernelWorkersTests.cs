using LessonKit.Kernels;

namespace LessonKit.Tests.Kernels;

public class KernelWorkersTests
{
    [Theory]
    [InlineData(1, 1)]
    [InlineData(8, 2)]
    [InlineData(32, 2)]
    [InlineData(7, 4)]
    [InlineData(3, 8)]
    public void Every_part_runs_exactly_once(int parts, int threads)
    {
        for (int call = 0; call < 200; call++)
        {
            var runs = new int[parts];
            KernelWorkers.Run(parts, threads, part => Interlocked.Increment(ref runs[part]));
            Assert.All(runs, count => Assert.Equal(1, count));
        }
    }

    [Fact]
    public async Task Callers_on_several_threads_each_get_all_their_parts_done()
    {
        var callers = Enumerable.Range(0, 4).Select(_ => Task.Run(() =>
        {
            for (int call = 0; call < 300; call++)
            {
                var runs = new int[16];
                KernelWorkers.Run(16, 2, part => { Interlocked.Increment(ref runs[part]); Thread.SpinWait(50); });
                if (runs.Any(count => count != 1)) return false;
            }
            return true;
        })).ToArray();
        bool[] results = await Task.WhenAll(callers).WaitAsync(TimeSpan.FromSeconds(60)); // a hang fails instead of stalling CI
        Assert.All(results, Assert.True);
    }

    [Fact]
    public void A_part_that_throws_fails_the_call_and_the_next_call_works()
    {
        var error = Assert.Throws<AggregateException>(() =>
            KernelWorkers.Run(8, 2, part => { if (part == 5) throw new InvalidOperationException("part 5"); }));
        Assert.Equal("part 5", error.InnerException!.Message);

        int done = 0;
        KernelWorkers.Run(8, 2, _ => Interlocked.Increment(ref done));
        Assert.Equal(8, done);
    }

    [Theory]
    [InlineData(8, 1)] // one thread: the parts run inline
    [InlineData(1, 2)] // one part: inline too
    public void A_part_that_throws_inline_fails_the_same_way(int parts, int threads)
    {
        // Inline is also what happens when another call is running (another test, another thread): the failure must
        // not depend on that.
        var error = Assert.Throws<AggregateException>(() =>
            KernelWorkers.Run(parts, threads, part => { if (part == parts - 1) throw new InvalidOperationException("last part"); }));
        Assert.Equal("last part", error.InnerException!.Message);
    }

    [Fact]
    public void A_call_from_inside_a_part_runs_on_that_thread()
    {
        int inner = 0;
        KernelWorkers.Run(4, 2, _ => KernelWorkers.Run(3, 2, _ => Interlocked.Increment(ref inner)));
        Assert.Equal(12, inner);
    }
}
