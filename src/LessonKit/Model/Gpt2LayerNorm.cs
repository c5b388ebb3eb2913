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

    /// <summary>The gain γ [d_model] each normalized component is multiplied by.</summary>
    public Tensor Weight => weight;

    /// <summary>The bias β [d_model] added after.</summary>
    public Tensor Bias => bias;

    /// <summary>[batch, pos, d_model] → [batch, pos, d_model].</summary>
    public Tensor Forward(Tensor x, HookRunner hooks)
    {
        // The fused kernel normalizes; the scale is computed on the side only when something watches it.
        if (!hooks.Watches(_hookScale))
            return hooks.Run(_hookNormalized, nn.functional.layer_norm(x, _shape, weight, bias, _eps));

        var scale = (x.var([-1], unbiased: false, keepdim: true) + _eps).sqrt(); // [batch, pos, 1]
        if (!hooks.HasHook(_hookScale))
        {
            hooks.Run(_hookScale, scale); // cached only: the output stays the fused kernel's, so caching changes no number
            return hooks.Run(_hookNormalized, nn.functional.layer_norm(x, _shape, weight, bias, _eps));
        }

        // A hook may change the scale (in place, or by returning another tensor): positions whose scale it changed are
        // normalized by what it left; every other position keeps the fused kernel's output, so a hook that watches, or
        // patches one position, changes no other number.
        using var original = scale.clone();
        var hooked = hooks.Run(_hookScale, scale);
        var fused = nn.functional.layer_norm(x, _shape, weight, bias, _eps);
        var unchanged = hooked.eq(original); // [batch, pos, 1]
        if (unchanged.all().ToBoolean()) return hooks.Run(_hookNormalized, fused);
        var manual = (x - x.mean([-1], keepdim: true)) / hooked * weight + bias;
        return hooks.Run(_hookNormalized, torch.where(unchanged, fused, manual));
    }
}
