namespace LessonKit.Model;

/// <summary>
/// How many bytes a model or a KV cache will take, checked before anything is allocated: a shape too big for this
/// machine is a clear error instead of an allocator failure deep in libtorch (or the kernel killing the process).
/// Sums are in double so that absurd shapes cannot overflow.
/// </summary>
internal static class MemoryFootprint
{
    private const double BytesPerFloat = 4;

    /// <summary>The weights (float32) plus the causal-mask buffer (one byte per [n_ctx, n_ctx] entry).</summary>
    public static double ModelBytes(Gpt2Config config)
    {
        double d = config.DModel, mlp = config.DMlp, layers = config.NLayers, context = config.NCtx;
        double perLayer = 4 * d * d + 4 * d        // attention: c_attn (q, k, v) and c_proj, weights and biases
                        + 2 * d * mlp + mlp + d    // MLP: c_fc and c_proj, weights and biases
                        + 4 * d;                   // ln_1 and ln_2: scale and shift
        double parameters = (double)config.DVocab * d + context * d + layers * perLayer + 2 * d;
        return parameters * BytesPerFloat + context * context;
    }

    /// <summary>Keys and values for every layer: 2 × [batch, head, n_ctx, d_head] float32 each.</summary>
    public static double KeyValueCacheBytes(Gpt2Config config, long batch) =>
        2.0 * config.NLayers * batch * config.NHeads * config.NCtx * config.DHead * BytesPerFloat;

    /// <summary>Throws <see cref="InsufficientMemoryException"/> when <paramref name="bytes"/> exceed this machine's physical memory.</summary>
    public static void ThrowIfLargerThanMemory(double bytes, string what, string advice)
    {
        long total = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes; // physical memory, or the container's limit
        if (total <= 0 || bytes <= total) return;
        throw new InsufficientMemoryException(
            $"{what} would need {Hub.Format.Bytes((long)Math.Min(bytes, long.MaxValue))}, more than this machine's {Hub.Format.Bytes(total)} of memory. {advice}");
    }
}
