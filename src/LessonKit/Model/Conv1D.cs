using LessonKit.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// GPT-2's linear layer, as Hugging Face names it: <c>y = x · W + b</c> with the weight [in, out] (transposed compared
/// with <c>nn.Linear</c>), exactly as the checkpoints ship it.
/// </summary>
internal sealed class Conv1D : nn.Module
{
    // Field names are the checkpoint's: named_parameters() gives "weight" and "bias".
#pragma warning disable IDE1006
    private readonly Parameter weight; // [in, out]
    private readonly Parameter bias;   // [out]
#pragma warning restore IDE1006
    private readonly FastLinear _fastPath; // the same weights, as the hand-written kernel reads them

    public Conv1D(int inFeatures, int outFeatures, Device device) : base(nameof(Conv1D))
    {
        weight = new Parameter(FastLinear.NewWeight(inFeatures, outFeatures, device), requires_grad: false);
        bias = new Parameter(torch.empty(outFeatures, device: device), requires_grad: false);
        _fastPath = new FastLinear(weight, bias);
        RegisterComponents();
    }

    public Tensor Weight => weight;
    public Tensor Bias => bias;

    /// <summary>[batch, pos, in] → [batch, pos, out].</summary>
    public Tensor Forward(Tensor x) =>
        FastPath.TryLinear(x, _fastPath)                                                  // a few rows: Kernels/FastPath.cs
        ?? torch.addmm(bias, x.flatten(0, -2), weight, 1, 1).unflatten(0, x.shape[..^1]); // x · W + b, positions folded into rows

    protected override void Dispose(bool disposing)
    {
        if (disposing) _fastPath.Dispose();
        base.Dispose(disposing);
    }
}
