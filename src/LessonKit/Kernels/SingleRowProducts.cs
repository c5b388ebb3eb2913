using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// Matrix products for a single row of activations: what every layer does at each step of generation with a KV
/// cache, where one new position meets every weight matrix once.
/// </summary>
/// <remarks>
/// Multiplying one row by a matrix reads each weight once and does only two FLOPs with it, so the time is the time to
/// stream the matrix from memory. libtorch hands these products to a single-threaded BLAS <c>gemv</c>, which reads
/// memory at about a third of what the machine can (20 against 55 GB/s measured on a 2-core VM), so generation spent
/// most of each step waiting on one core. Here every output is one dot product of the row with one contiguous row of
/// the matrix laid out [out, in], and each core takes a contiguous run of outputs, so it streams one long stretch of
/// memory: 45 to 60 GB/s on that VM, what a libtorch sum over the same weights reads. (Summing x[i] · W[i, :] over
/// the rows of an [in, out] matrix reached only 27 to 35 GB/s for GPT-2's [768, 3072] MLP weight: each row also
/// reads and writes a 12 KB running sum.) Each output is summed in one fixed order whatever the thread count, so
/// results are the same from run to run; they differ from libtorch's in the last bits only, as any two summation
/// orders do.
/// </remarks>
internal static unsafe class SingleRowProducts
{
    /// <summary>Runs of outputs a call is cut into: small enough that a core that finishes early takes another.</summary>
    private const int Parts = 32;

    /// <summary>Below this many weights the threads cost more than they save; libtorch does it.</summary>
    private const long MinimumWeights = 1 << 16;

    /// <summary>
    /// Whether <paramref name="x"/> is a single float32 row on the CPU and <paramref name="matrix"/> a contiguous
    /// float32 CPU matrix [out, in] big enough to be worth it. Anything else (batches, prompts, other dtypes, devices
    /// or layouts) goes to libtorch.
    /// </summary>
    public static bool Applies(Tensor x, Tensor matrix) =>
        x.NumberOfElements == x.shape[^1] && x.dtype == ScalarType.Float32 && matrix.dtype == ScalarType.Float32 &&
        x.device_type == DeviceType.CPU && matrix.device_type == DeviceType.CPU && matrix.NumberOfElements >= MinimumWeights &&
        matrix.is_contiguous();

    /// <summary>
    /// <c>W · x + b</c> for one row, as <c>linear(x, W, b)</c> computes it: <paramref name="row"/> [..., in] holding a
    /// single row, <paramref name="matrix"/> [out, in] contiguous, <paramref name="bias"/> [out] or null → [..., out].
    /// <paramref name="threads"/> defaults to <see cref="SingleRowThreads.KernelThreads"/>.
    /// </summary>
    public static Tensor MatrixTimesRow(Tensor matrix, Tensor row, Tensor? bias = null, int? threads = null)
    {
        int outputs = (int)matrix.shape[0], inputs = (int)matrix.shape[1];
        using var x = Contiguous(row);
        using var b = bias is null ? null : Contiguous(bias);
        var y = torch.empty([.. row.shape[..^1], outputs]);
        float* xs = Start(x), w = Start(matrix), ys = Start(y), bs = b is null ? null : Start(b);
        int partRows = (outputs + Parts - 1) / Parts;

        KernelWorkers.Run(Parts, threads ?? SingleRowThreads.KernelThreads, part =>
        {
            // y[o] = W[o, :] · x (+ b[o]) for this part's outputs: one contiguous row of W after another.
            int first = part * partRows, end = Math.Min(outputs, first + partRows);
            for (int o = first; o < end; o++) ys[o] = Dot(w + (long)o * inputs, xs, inputs);
            if (bs is not null)
                for (int o = first; o < end; o++) ys[o] += bs[o];
        });
        return y;
    }

    /// <summary>Σ a[i] · b[i], with four running sums so the multiply-adds do not wait on each other.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static float Dot(float* a, float* b, int length)
    {
        int i = 0, width = Vector<float>.Count;
        float sum = 0;
        if (Vector.IsHardwareAccelerated)
        {
            Vector<float> s0 = default, s1 = default, s2 = default, s3 = default;
            for (; i + 4 * width <= length; i += 4 * width)
            {
                s0 = Vector.MultiplyAddEstimate(Load(a + i), Load(b + i), s0);
                s1 = Vector.MultiplyAddEstimate(Load(a + i + width), Load(b + i + width), s1);
                s2 = Vector.MultiplyAddEstimate(Load(a + i + 2 * width), Load(b + i + 2 * width), s2);
                s3 = Vector.MultiplyAddEstimate(Load(a + i + 3 * width), Load(b + i + 3 * width), s3);
            }
            for (; i + width <= length; i += width) s0 = Vector.MultiplyAddEstimate(Load(a + i), Load(b + i), s0);
            sum = Vector.Sum(s0 + s1 + (s2 + s3));
        }
        for (; i < length; i++) sum += a[i] * b[i];
        return sum;
    }

    private static Vector<float> Load(float* source) => Vector.Load(source);

    /// <summary>The tensor itself when it is contiguous (a new handle to it, the caller disposes it), else a contiguous copy.</summary>
    private static Tensor Contiguous(Tensor tensor) => tensor.is_contiguous() ? tensor.alias() : tensor.contiguous();

    /// <summary>The first element of a contiguous float32 CPU tensor (its memory stays where it is while the tensor lives).</summary>
    private static float* Start(Tensor tensor) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
