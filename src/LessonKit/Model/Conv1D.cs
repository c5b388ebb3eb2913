using LessonKit.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// GPT-2's linear layer, as Hugging Face names it: <c>y = x · W + b</c> with the weight [in, out] (transposed compared
/// with <c>nn.Linear</c>), exactly as the checkpoints ship it.
/// </summary>
/// <remarks>
/// The weight is an [in, out] view of memory laid out [out, in]: each output's weights lie side by side. A generation
/// step or a short prompt multiplies a few rows by W, and this layout lets them stream each output's weights as one
/// contiguous row (see <see cref="FewRowProducts"/>); libtorch's matrix products read either layout at the same speed.
/// </remarks>
internal sealed class Conv1D : nn.Module
{
    // Field names are the checkpoint's: named_parameters() gives "weight" and "bias".
#pragma warning disable IDE1006
    private readonly Parameter weight; // [in, out], a view of [out, in] memory
    private readonly Parameter bias;   // [out]
#pragma warning restore IDE1006
    private readonly Tensor _weightByOutput; // [out, in] contiguous: the same memory as weight

    public Conv1D(int inFeatures, int outFeatures, Device device) : base(nameof(Conv1D))
    {
        weight = new Parameter(torch.empty(outFeatures, inFeatures, device: device).t(), requires_grad: false);
        bias = new Parameter(torch.empty(outFeatures, device: device), requires_grad: false);
        RegisterComponents();
        // Made after RegisterComponents, which would otherwise register it as a buffer, and kept out of any dispose scope.
        _weightByOutput = weight.t().DetachFromDisposeScope();
    }

    public Tensor Weight => weight;
    public Tensor Bias => bias;

    /// <summary>[batch, pos, in] → [batch, pos, out].</summary>
    public Tensor Forward(Tensor x) => FewRowProducts.Applies(x, _weightByOutput) && !Autograd.Records(x, weight, bias) // never while training
        ? FewRowProducts.MatrixTimesRows(_weightByOutput, x, bias) // a generation step or a short prompt: bound by reading the weights
        : torch.addmm(bias, x.flatten(0, -2), weight, 1, 1).unflatten(0, x.shape[..^1]);

    protected override void Dispose(bool disposing)
    {
        if (disposing) _weightByOutput.Dispose();
        base.Dispose(disposing);
    }
}
