using LessonKit.Kernels;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

public class OneQueryAttentionTests
{
    // batch 2, 3 heads, d_head 13 (not a multiple of the vector width), 6 positions already cached, room for 10.
    private const int Batch = 2, Heads = 3, DHead = 13, Past = 6, Capacity = 10;

    private static (LayerKeyValueCache Cache, Tensor PastKeys, Tensor PastValues, Tensor Qkv) Setup(int seed)
    {
        var generator = new Generator((ulong)seed);
        var cache = new LayerKeyValueCache(Batch, Heads, Capacity, DHead, torch.CPU);
        var pastKeys = torch.randn([Batch, Heads, Past, DHead], generator: generator);
        var pastValues = torch.randn([Batch, Heads, Past, DHead], generator: generator);
        cache.Append(pastKeys, pastValues);
        var qkv = torch.randn([Batch, 1, 3, Heads, DHead], generator: generator);
        return (cache, pastKeys, pastValues, qkv);
    }

    [Fact]
    public void Fused_is_softmax_of_scaled_scores_times_values_and_appends_the_new_position()
    {
        using var scope = torch.NewDisposeScope();
        var (cache, pastKeys, pastValues, qkv) = Setup(seed: 1);
        using var _ = cache;
        double scale = 1 / Math.Sqrt(DHead);

        var z = OneQueryAttention.Fused(qkv, cache, scale); // [batch, 1, head, d_head]

        // The reference, in float64: the new key and value join the cached ones, then softmax(q·Kᵀ·scale)·V.
        var q = qkv.select(2, 0).transpose(1, 2).to(ScalarType.Float64);                                      // [batch, head, 1, d_head]
        var keys = torch.cat([pastKeys, qkv.select(2, 1).transpose(1, 2)], 2).to(ScalarType.Float64);         // [batch, head, 7, d_head]
        var values = torch.cat([pastValues, qkv.select(2, 2).transpose(1, 2)], 2).to(ScalarType.Float64);
        var expected = (q.matmul(keys.transpose(-2, -1)) * scale).softmax(-1).matmul(values).transpose(1, 2);  // [batch, 1, head, d_head]
        TensorAssert.Close(z, expected, 1e-6, "z");

        Assert.Equal(Past + 1, cache.Length);
        Assert.True(TensorAssert.Identical(cache.KeyBuffer.narrow(2, Past, 1), qkv.select(2, 1).transpose(1, 2)), "the new key was not cached");
        Assert.True(TensorAssert.Identical(cache.ValueBuffer.narrow(2, Past, 1), qkv.select(2, 2).transpose(1, 2)), "the new value was not cached");
    }

    [Fact]
    public void The_steps_one_at_a_time_give_exactly_what_the_fused_step_gives()
    {
        using var scope = torch.NewDisposeScope();
        var (fusedCache, _, _, qkv) = Setup(seed: 2);
        var (stepCache, _, _, _) = Setup(seed: 2);
        using var a = fusedCache;
        using var b = stepCache;
        double scale = 1 / Math.Sqrt(DHead);

        var fused = OneQueryAttention.Fused(qkv, fusedCache, scale);

        OneQueryAttention.Append(stepCache, qkv.select(2, 1), qkv.select(2, 2));
        var scores = OneQueryAttention.Scores(qkv.select(2, 0), stepCache, scale);  // [batch, head, 1, key]
        Assert.Equal([(long)Batch, Heads, 1, Past + 1], scores.shape);
        var pattern = OneQueryAttention.Softmax(scores);
        TensorAssert.Close(pattern.sum(-1), torch.ones(Batch, Heads, 1), 1e-6, "each pattern row sums to 1");
        var z = OneQueryAttention.Mix(pattern, stepCache);

        Assert.True(TensorAssert.Identical(fused, z), "the fused step and the steps one at a time differ");
        Assert.True(TensorAssert.Identical(fusedCache.KeyBuffer.narrow(2, 0, Past + 1), stepCache.KeyBuffer.narrow(2, 0, Past + 1)));
    }

    [Fact]
    public void Softmax_leaves_the_scores_it_was_given_unchanged()
    {
        using var scope = torch.NewDisposeScope();
        var scores = torch.tensor(new float[] { 1, 2, 3, float.NegativeInfinity }, [1, 1, 1, 4]);
        var pattern = OneQueryAttention.Softmax(scores);
        Assert.Equal(new float[] { 1, 2, 3, float.NegativeInfinity }, scores.data<float>().ToArray());
        TensorAssert.Close(pattern, torch.tensor(new float[] { 1, 2, 3, float.NegativeInfinity }, [1, 1, 1, 4]).softmax(-1), 1e-7, "softmax");
        Assert.Equal(0f, pattern[0, 0, 0, 3].ToSingle()); // a masked key gets no weight
    }

    [Fact]
    public void A_full_cache_refuses_the_step_and_stays_as_it_was()
    {
        using var scope = torch.NewDisposeScope();
        using var cache = new LayerKeyValueCache(1, Heads, 2, DHead, torch.CPU);
        var qkv = torch.randn([1, 1, 3, Heads, DHead]);
        OneQueryAttention.Fused(qkv, cache, 1);
        OneQueryAttention.Fused(qkv, cache, 1);
        var error = Assert.Throws<InvalidOperationException>(() => OneQueryAttention.Fused(qkv, cache, 1));
        Assert.Contains("holds 2 positions", error.Message);
        Assert.Equal(2, cache.Length);
    }

    [Fact]
    public void A_step_that_does_not_fit_the_cache_is_refused_before_any_memory_is_touched()
    {
        using var scope = torch.NewDisposeScope();
        var (cache, _, _, _) = Setup(seed: 4);
        using var _ = cache;
        Assert.Throws<ArgumentException>(() => OneQueryAttention.Fused(torch.randn([Batch, 1, 3, Heads + 1, DHead]), cache, 1));
        Assert.Throws<ArgumentException>(() => OneQueryAttention.Fused(torch.randn([Batch + 1, 1, 3, Heads, DHead]), cache, 1));
        Assert.Throws<ArgumentException>(() => OneQueryAttention.Mix(torch.rand([Batch, Heads, 1, Past + 3]), cache));
        Assert.Equal(Past, cache.Length);
    }
}
