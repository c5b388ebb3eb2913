using LessonKit.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// Attention for one new position against every cached one: what each layer does at a generation step with a KV
/// cache. For each sequence b and head h, with L keys cached so far (the new one included):
/// <code>
///   scores[j]  = q · K[j] / √d_head             j = 0 .. L-1   (no mask: the newest position may see every key)
///   pattern[j] = exp(scores[j] - max) / Σ exp(scores - max)
///   z          = Σ_j pattern[j] · V[j]           [d_head]
/// </code>
/// </summary>
/// <remarks>
/// libtorch would spend about 20 small ops a layer on this (selects, transposes, the cache copies, two batched
/// matrix products, a scale, a softmax), each a few microseconds of overhead for a few thousand multiply-adds. These
/// loops do it in one pass over the cache, one (sequence, head) row per part, spread over the cores.
/// <see cref="Fused"/> does the whole step when no hook watches it; when one does, <see cref="Append"/>,
/// <see cref="Scores"/>, <see cref="Softmax"/> and <see cref="Mix"/> run the same row loops one step at a time
/// (<see cref="WithHooks"/>), so hooks can read or replace each result, and watching never changes a number.
/// <see cref="FastPath.TryOneQueryAttention"/> decides when these loops run.
/// </remarks>
internal static unsafe class OneQueryAttention
{
    /// <summary>Scores for at most this many keys live on the stack; longer contexts use an array.</summary>
    private const int StackScores = 4096;

    /// <summary>Whether <paramref name="qkv"/> [batch, 1, 3, head, d_head] is one float32 CPU position these loops can take.</summary>
    public static bool Applies(Tensor qkv) =>
        qkv.size(1) == 1 && qkv.dtype == ScalarType.Float32 && qkv.device_type == DeviceType.CPU;

    /// <summary>
    /// The step with the layer's hook points: with none watching, <see cref="Fused"/> does it in one call; otherwise
    /// the same loops run a stage at a time (q, k, v → append → scores → pattern → z) with the hook point after each,
    /// as the plain path runs them, so a hook sees the usual shapes, its changes count, and watching changes no number.
    /// qkv [batch, 1, 3, head, d_head] → z [batch, 1, head, d_head].
    /// </summary>
    public static Tensor WithHooks(Tensor qkv, LayerKeyValueCache cache, double scale, HookRunner hooks, BlockHookPoints points)
    {
        if (!(hooks.Watches(points.Q) || hooks.Watches(points.K) || hooks.Watches(points.V) ||
              hooks.Watches(points.AttnScores) || hooks.Watches(points.Pattern) || hooks.Watches(points.Z)))
            return Fused(qkv, cache, scale);

        var q = hooks.Run(points.Q, qkv.select(2, 0)); // [batch, 1, head, d_head]
        var k = hooks.Run(points.K, qkv.select(2, 1));
        var v = hooks.Run(points.V, qkv.select(2, 2));
        Append(cache, k, v);
        var scores = hooks.Run(points.AttnScores, Scores(q, cache, scale)); // [batch, head, 1, key]
        var pattern = hooks.Run(points.Pattern, Softmax(scores));
        return hooks.Run(points.Z, Mix(pattern, cache));
    }

    /// <summary>
    /// The whole step: appends the new key and value from <paramref name="qkv"/> [batch, 1, 3, head, d_head] to
    /// <paramref name="cache"/>, and returns z [batch, 1, head, d_head].
    /// </summary>
    public static Tensor Fused(Tensor qkv, LayerKeyValueCache cache, double scale)
    {
        int batch = (int)qkv.size(0), heads = (int)qkv.size(3), dHead = (int)qkv.size(4);
        cache.CheckShape(batch, heads, dHead);
        using var source = VectorMath.Contiguous(qkv);
        int position = cache.AddPosition(), keys = position + 1;
        var z = torch.empty([batch, 1, heads, dHead], ScalarType.Float32);
        float* qkvs = VectorMath.Start(source), zs = VectorMath.Start(z);
        var rows = new CacheRows(cache);
        float factor = (float)scale;

        KernelWorkers.Run(batch * heads, KernelThreads.Count, row =>
        {
            int b = row / heads, h = row % heads;
            float* q = qkvs + ((long)(b * 3) * heads + h) * dHead; // [b, 0, 0, h, :]
            float* k = q + (long)heads * dHead;                     // [b, 0, 1, h, :]
            float* v = k + (long)heads * dHead;                     // [b, 0, 2, h, :]
            AppendRow(rows, row, position, k, v);
            Span<float> scores = keys <= StackScores ? stackalloc float[keys] : new float[keys];
            fixed (float* s = scores)
            {
                ScoreRow(q, rows.Keys(row), keys, dHead, factor, s);
                SoftmaxRow(s, keys);
                MixRow(s, rows.Values(row), keys, dHead, zs + (long)row * dHead);
            }
        });
        return z;
    }

    /// <summary>Appends the new position's keys and values <paramref name="k"/>, <paramref name="v"/> [batch, 1, head, d_head] to <paramref name="cache"/>.</summary>
    public static void Append(LayerKeyValueCache cache, Tensor k, Tensor v)
    {
        int batch = (int)k.size(0), heads = (int)k.size(2), dHead = (int)k.size(3);
        cache.CheckShape(batch, heads, dHead);
        using var keys = VectorMath.Contiguous(k);
        using var values = VectorMath.Contiguous(v);
        int position = cache.AddPosition();
        float* ks = VectorMath.Start(keys), vs = VectorMath.Start(values);
        var rows = new CacheRows(cache);
        for (int row = 0; row < batch * heads; row++)
            AppendRow(rows, row, position, ks + (long)row * dHead, vs + (long)row * dHead);
    }

    /// <summary>Scores of the queries <paramref name="q"/> [batch, 1, head, d_head] against every cached key: [batch, head, 1, key].</summary>
    public static Tensor Scores(Tensor q, LayerKeyValueCache cache, double scale)
    {
        int batch = (int)q.size(0), heads = (int)q.size(2), dHead = (int)q.size(3), keys = cache.Length;
        cache.CheckShape(batch, heads, dHead);
        using var queries = VectorMath.Contiguous(q);
        var scores = torch.empty([batch, heads, 1, keys], ScalarType.Float32);
        float* qs = VectorMath.Start(queries), ss = VectorMath.Start(scores);
        var rows = new CacheRows(cache);
        float factor = (float)scale;
        KernelWorkers.Run(batch * heads, KernelThreads.Count,
            row => ScoreRow(qs + (long)row * dHead, rows.Keys(row), keys, dHead, factor, ss + (long)row * keys));
        return scores;
    }

    /// <summary>softmax over the keys of <paramref name="scores"/> [batch, head, 1, key], as a new tensor.</summary>
    public static Tensor Softmax(Tensor scores)
    {
        int keys = (int)scores.size(-1), rowCount = (int)(scores.NumberOfElements / keys);
        var pattern = torch.empty(scores.shape, ScalarType.Float32); // [batch, head, 1, key]: memory of its own, so the scores a hook saw stay as they were
        pattern.copy_(scores);
        float* ps = VectorMath.Start(pattern);
        KernelWorkers.Run(rowCount, KernelThreads.Count, row => SoftmaxRow(ps + (long)row * keys, keys));
        return pattern;
    }

    /// <summary>z = pattern · V for <paramref name="pattern"/> [batch, head, 1, key] against the cached values: [batch, 1, head, d_head].</summary>
    public static Tensor Mix(Tensor pattern, LayerKeyValueCache cache)
    {
        int batch = (int)pattern.size(0), heads = (int)pattern.size(1), keys = (int)pattern.size(3), dHead = cache.DHead;
        cache.CheckShape(batch, heads, dHead);
        if (keys != cache.Length) throw new ArgumentException($"The pattern covers {keys} keys but the cache holds {cache.Length}.", nameof(pattern));
        using var weights = VectorMath.Contiguous(pattern);
        var z = torch.empty([batch, 1, heads, dHead], ScalarType.Float32);
        float* ps = VectorMath.Start(weights), zs = VectorMath.Start(z);
        var rows = new CacheRows(cache);
        KernelWorkers.Run(batch * heads, KernelThreads.Count,
            row => MixRow(ps + (long)row * keys, rows.Values(row), keys, dHead, zs + (long)row * dHead));
        return z;
    }

    private static void AppendRow(CacheRows rows, int row, int position, float* k, float* v)
    {
        int dHead = rows.DHead;
        new ReadOnlySpan<float>(k, dHead).CopyTo(new Span<float>(rows.Keys(row) + (long)position * dHead, dHead));
        new ReadOnlySpan<float>(v, dHead).CopyTo(new Span<float>(rows.Values(row) + (long)position * dHead, dHead));
    }

    /// <summary>scores[j] = (q · keys[j]) · scale for the <paramref name="count"/> keys, each <paramref name="dHead"/> long.</summary>
    private static void ScoreRow(float* q, float* keys, int count, int dHead, float scale, float* scores)
    {
        for (int j = 0; j < count; j++) scores[j] = VectorMath.Dot(q, keys + (long)j * dHead, dHead) * scale;
    }

    /// <summary>In place: s[j] = exp(s[j] - max) / Σ exp(s - max). Subtracting the max keeps exp from overflowing.</summary>
    private static void SoftmaxRow(float* s, int count)
    {
        float max = float.NegativeInfinity;
        for (int j = 0; j < count; j++) max = Math.Max(max, s[j]);
        float sum = 0;
        for (int j = 0; j < count; j++)
        {
            s[j] = MathF.Exp(s[j] - max);
            sum += s[j];
        }
        for (int j = 0; j < count; j++) s[j] /= sum;
    }

    /// <summary>z = Σ_j weights[j] · values[j]: each value row scaled by its weight and added, in key order.</summary>
    private static void MixRow(float* weights, float* values, int count, int dHead, float* z)
    {
        new Span<float>(z, dHead).Clear();
        for (int j = 0; j < count; j++) VectorMath.AddScaled(z, values + (long)j * dHead, weights[j], dHead);
    }

    /// <summary>Where (sequence b, head h)'s cached keys and values start: row b · heads + h of the [batch, head, n_ctx, d_head] buffers.</summary>
    private readonly struct CacheRows(LayerKeyValueCache cache)
    {
        private readonly float* _keys = VectorMath.Start(cache.KeyBuffer), _values = VectorMath.Start(cache.ValueBuffer);
        private readonly long _rowLength = (long)cache.Capacity * cache.DHead;

        public int DHead { get; } = cache.DHead;
        public float* Keys(int row) => _keys + row * _rowLength;
        public float* Values(int row) => _values + row * _rowLength;
    }
}
