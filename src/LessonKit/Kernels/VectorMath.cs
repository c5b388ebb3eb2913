using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>The small loops the kernels share: a dot product, a scaled add, and a tensor's memory as a pointer.</summary>
internal static unsafe class VectorMath
{
    /// <summary>Σ a[i] · b[i], with four running sums so the multiply-adds do not wait on each other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first generation step: no slow first tiers
    public static float Dot(float* a, float* b, int length)
    {
        int i = 0, width = Vector<float>.Count;
        Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
        for (; i + 4 * width <= length; i += 4 * width)
        {
            s0 = Vector.MultiplyAddEstimate(Vector.Load(a + i), Vector.Load(b + i), s0);
            s1 = Vector.MultiplyAddEstimate(Vector.Load(a + i + width), Vector.Load(b + i + width), s1);
            s2 = Vector.MultiplyAddEstimate(Vector.Load(a + i + 2 * width), Vector.Load(b + i + 2 * width), s2);
            s3 = Vector.MultiplyAddEstimate(Vector.Load(a + i + 3 * width), Vector.Load(b + i + 3 * width), s3);
        }
        for (; i + width <= length; i += width) s0 = Vector.MultiplyAddEstimate(Vector.Load(a + i), Vector.Load(b + i), s0);
        float sum = Vector.Sum(s0 + s1 + (s2 + s3));
        for (; i < length; i++) sum += a[i] * b[i];
        return sum;
    }

    /// <summary>target[i] += scale · source[i] for i in 0 .. length-1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void AddScaled(float* target, float* source, float scale, int length)
    {
        int i = 0, width = Vector<float>.Count;
        var s = new Vector<float>(scale);
        for (; i + width <= length; i += width)
            Vector.MultiplyAddEstimate(Vector.Load(source + i), s, Vector.Load(target + i)).Store(target + i);
        for (; i < length; i++) target[i] += scale * source[i];
    }

    /// <summary>
    /// The tensor's shape with its last size replaced by <paramref name="last"/>. Read with <c>size(d)</c>, a plain call:
    /// TorchSharp's <c>shape</c> property fills an array through a callback, which the kernels' many small calls a
    /// generation step would feel.
    /// </summary>
    public static long[] ShapeWithLast(Tensor tensor, long last)
    {
        var shape = new long[tensor.Dimensions];
        for (int d = 0; d < shape.Length - 1; d++) shape[d] = tensor.size(d);
        shape[^1] = last;
        return shape;
    }

    /// <summary>The first element of a float32 CPU tensor (its memory stays where it is while the tensor lives).</summary>
    public static float* Start(Tensor tensor) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));

    /// <summary>The tensor itself when it is contiguous (a new handle to it, the caller disposes it), else a contiguous copy.</summary>
    public static Tensor Contiguous(Tensor tensor) => tensor.is_contiguous() ? tensor.alias() : tensor.contiguous();
}
