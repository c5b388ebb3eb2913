using LessonKit.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// The one seam between the model and the hand-written kernels. The model (<c>Model/</c>, <c>Generation/</c>) is
/// written as the math, in TorchSharp operations; where a kernel can be faster, it asks here first, in one line:
/// <code>
///   var y = FastPath.TryLinear(x, layer) ?? x.matmul(weight) + bias;   // the kernel, or the math
/// </code>
/// Each <c>Try</c> returns null when its kernel does not apply, and the model's own operations run. A kernel takes
/// over only when all of these hold, checked here and nowhere else:
/// <list type="bullet">
/// <item>the kernels are switched on (<see cref="FastKernels.Enabled"/>);</item>
/// <item>autograd is not recording a gradient through the input or the weights (<see cref="Autograd.Records"/>): a
/// kernel writes its result through pointers, which autograd cannot follow, so training keeps TorchSharp's own
/// differentiable operations;</item>
/// <item>the input is what the kernel is written for: float32 on the CPU, few enough rows, the weights laid out as it
/// reads them (each kernel's <c>Applies</c>).</item>
/// </list>
/// Either way the numbers agree to about 1e-5: the kernels add the same products in another order.
/// </summary>
internal static class FastPath
{
    /// <summary>Whether a kernel may compute from <paramref name="tensors"/> now: switched on, and no gradient to record through them.</summary>
    private static bool Allowed(params ReadOnlySpan<Tensor?> tensors) => FastKernels.Enabled && !Autograd.Records(tensors);

    /// <summary>
    /// <c>x · W + b</c> for a few rows (a generation step, a short prompt) by <see cref="FewRowProducts"/>, which
    /// streams each output's weights once: x [..., in] → [..., out]. Null when it does not apply.
    /// </summary>
    public static Tensor? TryLinear(Tensor x, FastLinear layer) =>
        Allowed(x, layer.Weight, layer.Bias) && FewRowProducts.Applies(x, layer.WeightByOutput)
            ? FewRowProducts.MatrixTimesRows(layer.WeightByOutput, x, layer.Bias)
            : null;

    /// <summary>
    /// Attention for one new position against every key in <paramref name="cache"/> (a generation step), by
    /// <see cref="OneQueryAttention"/>: qkv [batch, 1, 3, head, d_head] → z [batch, 1, head, d_head], the new key and
    /// value appended to the cache, and every attention hook point of the layer run as the plain path runs them.
    /// Null when there is no cache or more than one new position.
    /// </summary>
    public static Tensor? TryOneQueryAttention(Tensor qkv, LayerKeyValueCache? cache, HookRunner hooks, BlockHookPoints points, double scale) =>
        cache is not null && Allowed(qkv) && OneQueryAttention.Applies(qkv)
            ? OneQueryAttention.WithHooks(qkv, cache, scale, hooks, points)
            : null;

    /// <summary>
    /// The logits <c>x · W_Eᵀ</c> for up to <see cref="Unembedding.MaxRows"/> rows, in the fastest of
    /// <see cref="Unembedding"/>'s ways for their count: x [..., d_model] → [..., d_vocab]. Null when it does not apply.
    /// </summary>
    public static Tensor? TryUnembed(Tensor x, Tensor tokenEmbedding) =>
        Allowed(x, tokenEmbedding) ? Unembedding.TryLogits(x, tokenEmbedding) : null;

    /// <summary>
    /// For a pass of <paramref name="rows"/> rows that the few-row kernels take, gives them the cores (libtorch runs
    /// single-threaded meanwhile, see <see cref="KernelThreads"/>) until disposed; null, changing nothing, otherwise.
    /// </summary>
    public static IDisposable? CoresForFewRows(long rows, Tensor? input = null) =>
        Allowed(input) ? KernelThreads.EnterFor(rows) : null;
}
