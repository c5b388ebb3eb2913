using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// A linear layer's weights as <see cref="FewRowProducts"/> reads them. GPT-2's layers compute <c>x · W + b</c> with
/// W [in, out], as the checkpoints ship it; the kernel streams each output's weights as one contiguous row, so W is
/// stored <c>[out, in]</c> in memory and shown as an [in, out] view of it (<see cref="NewWeight"/>).
/// <see cref="WeightByOutput"/> is the same memory seen as [out, in]. libtorch's products read either layout at the
/// same speed, so the plain path loses nothing.
/// </summary>
internal sealed class FastLinear : IDisposable
{
    /// <summary>An uninitialized weight [in, out] whose memory is laid out [out, in].</summary>
    public static Tensor NewWeight(int inFeatures, int outFeatures, Device device) =>
        torch.empty(outFeatures, inFeatures, device: device).t();

    /// <param name="weight">W [in, out], made by <see cref="NewWeight"/>.</param>
    /// <param name="bias">b [out].</param>
    public FastLinear(Tensor weight, Tensor bias)
    {
        Weight = weight;
        Bias = bias;
        WeightByOutput = weight.t().DetachFromDisposeScope(); // made once: a new view costs microseconds at every call
    }

    /// <summary>W [in, out].</summary>
    public Tensor Weight { get; }

    /// <summary>b [out].</summary>
    public Tensor Bias { get; }

    /// <summary>W's memory as [out, in]: one contiguous row per output (contiguous when W came from <see cref="NewWeight"/>).</summary>
    public Tensor WeightByOutput { get; }

    public void Dispose() => WeightByOutput.Dispose();
}
