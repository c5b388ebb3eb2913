using LessonKit.Hooks;
using LessonKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

/// <summary>The switch <see cref="FastKernels.Enabled"/>: every fast path obeys it, and a test's own setting stays its own.</summary>
public sealed class FastKernelsTests
{
    /// <summary>What each fast path answers now, for inputs every kernel takes when switched on.</summary>
    internal static (bool Linear, bool Unembed, bool OneQuery, bool Cores) WhatTheFastPathTakes()
    {
        using var scope = torch.NewDisposeScope();
        using var layer = new FastLinear(FastLinear.NewWeight(256, 300, torch.CPU).normal_(), torch.randn(300));
        var rows = torch.randn(1, 4, 256);
        using var cache = new LayerKeyValueCache(1, 2, 4, 4, torch.CPU);
        var qkv = torch.randn([1, 1, 3, 2, 4]);
        using var cores = FastPath.CoresForFewRows(4);
        return (FastPath.TryLinear(rows, layer) is not null,
            FastPath.TryUnembed(rows, torch.randn(3000, 256)) is not null,
            FastPath.TryOneQueryAttention(qkv, cache, HookRunner.None, new BlockHookPoints(0), 0.5) is not null,
            cores is not null);
    }

    [Fact]
    public void With_the_kernels_off_no_fast_path_takes_over()
    {
        using (FastKernels.Use(false))
        {
            Assert.False(FastKernels.Enabled);
            Assert.Equal((false, false, false, false), WhatTheFastPathTakes());
        }
        using (FastKernels.Use(true))
            Assert.Equal((true, true, true, true), WhatTheFastPathTakes());
    }

    [Fact]
    public void A_scoped_setting_is_undone_in_order_when_disposed()
    {
        bool before = FastKernels.Enabled;
        using (FastKernels.Use(false))
        {
            using (FastKernels.Use(true)) Assert.True(FastKernels.Enabled);
            Assert.False(FastKernels.Enabled);
        }
        Assert.Equal(before, FastKernels.Enabled);
    }

    [Fact]
    public void A_scoped_setting_does_not_reach_work_outside_its_flow()
    {
        // Tests run side by side on other threads: one test's setting must not change what another computes.
        using (FastKernels.Use(false))
        {
            bool? elsewhere = null;
            using (ExecutionContext.SuppressFlow())
            {
                var thread = new Thread(() => elsewhere = FastKernels.Enabled);
                thread.Start();
                thread.Join();
            }
            Assert.True(elsewhere, "a thread outside the test's flow saw the test's setting");
            Assert.False(FastKernels.Enabled);
        }
    }
}

[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class ProcessWideKernelSwitch
{
    /// <summary>Tests that flip the process-wide switch run alone: every model in the process follows it.</summary>
    public const string Name = "process-wide kernel switch";
}

[Collection(ProcessWideKernelSwitch.Name)]
public sealed class ProcessWideFastKernelsTests
{
    [Fact]
    public void The_kernels_are_on_unless_switched_off()
    {
        Assert.True(FastKernels.Enabled);
    }

    [Fact]
    public async Task Switching_them_off_reaches_every_thread_until_switched_on_again()
    {
        try
        {
            FastKernels.Enabled = false;
            var elsewhere = await Task.Run(FastKernelsTests.WhatTheFastPathTakes);
            Assert.Equal((false, false, false, false), elsewhere);
            Assert.Equal((false, false, false, false), FastKernelsTests.WhatTheFastPathTakes());
        }
        finally
        {
            FastKernels.Enabled = true;
        }
        Assert.Equal((true, true, true, true), await Task.Run(FastKernelsTests.WhatTheFastPathTakes));
    }
}
