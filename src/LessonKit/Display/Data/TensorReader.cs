using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display.Data;

/// <summary>Copies small pieces of tensors into arrays for the views, checking shapes with clear messages.</summary>
internal static class TensorReader
{
    /// <summary>All values of a tensor as float32, row-major (any dtype, any device).</summary>
    public static float[] ToFloats(Tensor tensor)
    {
        using var scope = torch.NewDisposeScope();
        Tensor flat = tensor.detach().to_type(ScalarType.Float32).cpu().contiguous();
        // The raw bytes of a contiguous CPU tensor, reinterpreted: much faster than element-by-element accessors.
        return System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(flat.bytes).ToArray();
    }

    /// <summary>
    /// Throws <see cref="ArgumentNullException"/> for null and <see cref="ObjectDisposedException"/> for a disposed
    /// tensor (whose shape or values would otherwise fail deep inside TorchSharp with "Tensor invalid -- empty handle."),
    /// naming the argument <paramref name="name"/>.
    /// </summary>
    public static void CheckAlive(Tensor? tensor, string name)
    {
        ArgumentNullException.ThrowIfNull(tensor, name);
        if (tensor.IsInvalid)
            throw new ObjectDisposedException(name,
                $"The tensor passed as '{name}' has been disposed (by a `using var`, a .Dispose() or a dispose scope that ended), " +
                "so its values are gone. Pass it before disposing it, or make it again (e.g. run the model again, or .clone() a tensor you want to keep).");
    }

    /// <summary>
    /// A [rows, cols] matrix from <paramref name="tensor"/>: [rows, cols] as is, or [1, rows, cols] (a batch of one,
    /// as <c>cache["hook_pos_embed"]</c>). Anything else is an error naming what was expected.
    /// </summary>
    public static (float[] Values, int Rows, int Cols) Matrix(Tensor tensor, string what)
    {
        CheckAlive(tensor, what);
        long[] shape = tensor.shape;
        if (shape.Length == 3 && shape[0] == 1) shape = [shape[1], shape[2]];
        if (shape.Length != 2)
            throw new ArgumentException($"{what} must be a 2-D tensor [position, d_model] (or [1, position, d_model]), but its shape is [{string.Join(", ", tensor.shape)}].");
        if (shape[0] == 0 || shape[1] == 0)
            throw new ArgumentException($"{what} is empty (shape [{string.Join(", ", tensor.shape)}]).");
        if (shape[0] * shape[1] > 50_000_000)
            throw new ArgumentException($"{what} has {shape[0] * shape[1]:N0} values, too many to show; slice it first (e.g. encoding[..1024]).");
        return (ToFloats(tensor), (int)shape[0], (int)shape[1]);
    }

    /// <summary>
    /// The first batch entry of an activation shaped [batch, pos, width]: returns [pos, width] values.
    /// </summary>
    public static (float[] Values, int Positions, int Width) FirstOfBatch(Tensor tensor, string name)
    {
        if (tensor.dim() != 3)
            throw new ArgumentException($"'{name}' should be [batch, position, width], but its shape is [{string.Join(", ", tensor.shape)}].");
        using var scope = torch.NewDisposeScope();
        var first = tensor[0];
        return (ToFloats(first), (int)tensor.shape[1], (int)tensor.shape[2]);
    }
}
