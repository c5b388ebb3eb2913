using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// LayerNorm with TransformerLens's two hook points: <c>hook_scale</c>, the standard deviation each position is
/// divided by, sqrt(var + eps) [batch, pos, 1]; and <c>hook_normalized</c>, the output
/// ((x - mean) / scale) · w + b [batch, pos, d_model]. Weights are used as Hugging Face ships them (not folded).
/// </summary>
internal sealed class Gpt2LayerNorm : nn.Module
{
#pragma warning disable IDE1006
    private readonly Parameter weight; // [d_model]
    private readonly Parameter bias;   // [d_model]
#pragma warning restore IDE1006
    private readonly long[] _shape;
    private readonly double _eps;
    private readonly HookPoint _hookScale;
    private readonly HookPoint _hookNormalized;

    public Gpt2LayerNorm(int dModel, double eps, HookPoint hookScale, HookPoint hookNormalized, Device device) : base(nameof(Gpt2LayerNorm))
    {
        weight = new Parameter(torch.empty(dModel, device: device), requires_grad: false);
        bias = new Parameter(torch.empty(dModel, device: device), requires_grad: false);
        _shape = [dModel];
        _eps = eps;
        _hookScale = hookScale;
        _hookNormalized = hookNormalized;
        RegisterComponents();
    }

    /// <summary>[batch, pos, d_model] → [batch, pos, d_model].</summary>
    public Tensor Forward(Tensor x, HookRunner hooks)
    {
        if (hooks.HasHook(_hookScale))
        {
            // A hook may change the scale, so normalize by whatever it returns.
            var centered = x - x.mean([-1], keepdim: true);
            var scale = hooks.Run(_hookScale, (centered.square().mean([-1], keepdim: true) + _eps).sqrt());
            return hooks.Run(_hookNormalized, centered / scale * weight + bias);
        }

        // The fused kernel; the scale is computed on the side only when it is cached, so caching never changes the numbers.
        if (hooks.Caches(_hookScale))
        {
            var variance = x.var([-1], unbiased: false, keepdim: true);
            hooks.Run(_hookScale, (variance + _eps).sqrt());
        }
        return hooks.Run(_hookNormalized, nn.functional.layer_norm(x, _shape, weight, bias, _eps));
    }
}
