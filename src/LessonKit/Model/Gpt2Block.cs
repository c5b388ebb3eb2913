using LessonKit.Hooks;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// One pre-LayerNorm transformer block, GPT-2 style: the residual stream is read through a LayerNorm by attention,
/// whose output is added back; then read through a second LayerNorm by the MLP, whose output is added back.
/// </summary>
internal sealed class Gpt2Block : nn.Module
{
#pragma warning disable IDE1006
    private readonly Gpt2LayerNorm ln_1;
    private readonly Gpt2Attention attn;
    private readonly Gpt2LayerNorm ln_2;
    private readonly Gpt2Mlp mlp;
#pragma warning restore IDE1006
    private readonly BlockHookPoints _points;
    private readonly bool _attentionOnly;

    public Gpt2Block(Gpt2Config config, int layer, Device device) : base(nameof(Gpt2Block))
    {
        _points = new BlockHookPoints(layer);
        _attentionOnly = config.AttentionOnly;
        ln_1 = new Gpt2LayerNorm(config.DModel, config.LayerNormEpsilon, _points.Ln1Scale, _points.Ln1Normalized, device);
        attn = new Gpt2Attention(config, _points, device);
        ln_2 = new Gpt2LayerNorm(config.DModel, config.LayerNormEpsilon, _points.Ln2Scale, _points.Ln2Normalized, device);
        mlp = new Gpt2Mlp(config, _points, device);
        RegisterComponents();
    }

    /// <summary>The LayerNorm attention reads the residual stream through.</summary>
    public Gpt2LayerNorm LayerNorm1 => ln_1;

    /// <summary>The block's attention.</summary>
    public Gpt2Attention Attention => attn;

    /// <summary>The LayerNorm the MLP reads the residual stream through.</summary>
    public Gpt2LayerNorm LayerNorm2 => ln_2;

    /// <summary>The block's MLP.</summary>
    public Gpt2Mlp Mlp => mlp;

    /// <summary>[batch, pos, d_model] → [batch, pos, d_model]; with <paramref name="attention"/>, that function replaces the block's attention.</summary>
    public Tensor Forward(Tensor residual, HookRunner hooks, Tensor? causalMask, LayerKeyValueCache? pastKeysValues, AttentionReplacement? attention = null)
    {
        var residPre = hooks.Run(_points.ResidPre, residual);
        var attnOut = hooks.Run(_points.AttnOut, attn.Forward(ln_1.Forward(residPre, hooks), hooks, causalMask, pastKeysValues, attention));
        var residMid = hooks.Run(_points.ResidMid, residPre + attnOut);
        if (_attentionOnly) return hooks.Run(_points.ResidPost, residMid); // Gpt2Config.AttentionOnly: no MLP
        var mlpOut = hooks.Run(_points.MlpOut, mlp.Forward(ln_2.Forward(residMid, hooks), hooks));
        return hooks.Run(_points.ResidPost, residMid + mlpOut);
    }
}
