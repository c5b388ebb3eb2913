using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// Whether autograd is recording a computation, so the hand-written kernels must step aside. The kernels read and
/// write tensor memory through pointers: autograd cannot see what they compute, and a result they make carries no
/// gradient function. Training through them would stop every gradient there without an error. So
/// <see cref="FastPath"/>, the one place that lets a kernel take over, asks <see cref="Records"/> first, and while
/// autograd records, libtorch's own (differentiable) operations run instead. Inference runs under <c>no_grad</c> and
/// keeps the kernels.
/// </summary>
internal static class Autograd
{
    /// <summary>
    /// True when gradients are being recorded (grad mode on) and any of <paramref name="tensors"/> (the input, or the
    /// weights and biases a kernel would read) requires a gradient: a result computed from them must carry a gradient function.
    /// </summary>
    public static bool Records(params ReadOnlySpan<Tensor?> tensors)
    {
        if (!torch.is_grad_enabled()) return false;
        foreach (var tensor in tensors)
            if (tensor is not null && tensor.requires_grad) return true;
        return false;
    }
}
