using LessonKit.Hooks;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// The feed-forward network of a block: d_model → d_mlp (<c>hook_pre</c>), a GELU (<c>hook_post</c>), then back to
/// d_model. GPT-2's GELU is <c>gelu_new</c>: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))).
/// </summary>
internal sealed class Gpt2Mlp : nn.Module
{
#pragma warning disable IDE1006
    private readonly Conv1D c_fc;   // d_model → d_mlp
    private readonly Conv1D c_proj; // d_mlp → d_model
#pragma warning restore IDE1006
    private readonly Func<Tensor, Tensor> _activation;
    private readonly BlockHookPoints _points;

    public Gpt2Mlp(Gpt2Config config, BlockHookPoints points, Device device) : base(nameof(Gpt2Mlp))
    {
        c_fc = new Conv1D(config.DModel, config.DMlp, device);
        c_proj = new Conv1D(config.DMlp, config.DModel, device);
        _activation = Activation(config.ActivationFunction);
        _points = points;
        RegisterComponents();
    }

    /// <summary>d_model → d_mlp, before the GELU.</summary>
    public Conv1D InProjection => c_fc;

    /// <summary>d_mlp → d_model, back into the residual stream.</summary>
    public Conv1D OutProjection => c_proj;

    /// <summary>[batch, pos, d_model] → [batch, pos, d_model].</summary>
    public Tensor Forward(Tensor x, HookRunner hooks)
    {
        var pre = hooks.Run(_points.MlpPre, c_fc.Forward(x));   // [batch, pos, d_mlp]
        var post = hooks.Run(_points.MlpPost, _activation(pre)); // [batch, pos, d_mlp]
        return c_proj.Forward(post);
    }

    private static Func<Tensor, Tensor> Activation(string name) => name switch
    {
        "gelu_new" or "gelu_pytorch_tanh" => x => nn.functional.gelu(x, GELU.Approximate.tanh),
        "gelu" => x => nn.functional.gelu(x),
        "relu" => x => nn.functional.relu(x),
        _ => throw new ArgumentException($"Unknown activation function '{name}'."),
    };
}
