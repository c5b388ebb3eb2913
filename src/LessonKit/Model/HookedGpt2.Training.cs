using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>Every weight the <see cref="Training.Trainer"/> updates, with its Hugging Face name (<c>h.0.attn.c_attn.weight</c>).</summary>
    internal IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters
    {
        get
        {
            ThrowIfDisposed();
            return _network.named_parameters().ToArray();
        }
    }

    /// <summary>
    /// The forward pass of training: logits [batch, pos, d_vocab] for token ids [batch, pos], computed with grad mode on,
    /// so autograd records every operation from the weights that require a gradient to the logits, and the hand-written
    /// kernels step aside (<c>Kernels/FastPath</c> decides). No hook runs. The intermediate tensors belong to the caller's
    /// dispose scope; autograd keeps what the backward pass needs until then.
    /// </summary>
    internal Tensor ForwardRecordingGradients(Tensor tokens)
    {
        ThrowIfDisposed();
        using var gradients = torch.enable_grad();
        return _network.Forward(PrepareTokens(tokens), HookRunner.None);
    }
}
