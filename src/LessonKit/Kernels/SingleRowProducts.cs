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
/// most of each step waiting on one core. These loops split every matrix into bands of rows that the cores stream in
/// parallel, one contiguous band at a time: 40 to 55 GB/s here, close to what a libtorch sum over the same weights reads.
/// The sums come in a fixed order whatever the thread count, so the results are the same from run to run; they
/// differ from libtorch's in the last bits only, as any two summation orders do.
/// </remarks>
internal static unsafe class SingleRowProducts
{
    /// <summary>Bands of rows in <see cref="RowTimesMatrix"/>: each sums its part on its own, then the bands are added in order.</summary>
    private const int Bands = 8;

    /// <summary>Below this many weights the threads cost more than they save; libtorch does it.</summary>
    private const long MinimumWeights = 1 << 16;

    /// <summary>
    /// Whether <paramref name="x"/> is a single float32 row on the CPU and <paramref name="matrix"/> a float32 CPU
    /// matrix big enough to be worth it. Anything else (batches, prompts, other dtypes or devices) goes to libtorch.
    /// </summary>
    public static bool Applies(Tensor x, Tensor matrix) =>
        x.NumberOfElements == x.shape[^1] && x.dtype == ScalarType.Float32 && matrix.dtype == ScalarType.Float32 &&
        x.device_type == DeviceType.CPU && matrix.device_type == DeviceType.CPU && matrix.NumberOfElements >= MinimumWeights &&
        matrix.is_contiguous();

    /// <summary>
    /// <c>x · W + b</c> for one row: <paramref name="row"/> [..., in] with a single row, <paramref name="matrix"/>
    /// [in, out], <paramref name="bias"/> [out] → [..., out]. <paramref name="threads"/> defaults to
    /// <see cref="SingleRowThreads.KernelThreads"/>.
    /// </summary>
    public static Tensor RowTimesMatrix(Tensor row, Tensor matrix, Tensor bias, int? threads = null)
    {
        int inputs = (int)matrix.shape[0], outputs = (int)matrix.shape[1];
        using var x = Contiguous(row);
        using var b = Contiguous(bias);
        var y = torch.empty([.. row.shape[..^1], outputs]);
        float[] partials = Partials(outputs); // [band, out]: each band's share of x · W
        fixed (float* partialsStart = partials)
        {
            float* xs = Start(x), w = Start(matrix), ps = partialsStart, ys = Start(y), bs = Start(b);
            int bandRows = (inputs + Bands - 1) / Bands;
            KernelWorkers.Run(Bands, threads ?? SingleRowThreads.KernelThreads, band =>
            {
                // partial[band] = Σ over the band's rows i of x[i] · W[i, :], one contiguous row of W after another.
                float* partial = ps + (long)band * outputs;
                new Span<float>(partial, outputs).Clear();
                int first = band * bandRows, end = Math.Min(inputs, first + bandRows);
                for (int i = first; i < end; i++) AddScaled(partial, w + (long)i * outputs, xs[i], outputs);
            });

            // y = b + partial[0] + partial[1] + ..., always in this order.
            new Span<float>(bs, outputs).CopyTo(new Span<float>(ys, outputs));
            for (int band = 0; band < Bands; band++) AddScaled(ys, ps + (long)band * outputs, 1f, outputs);
        }
        return y;
    }

    /// <summary>
    /// <c>W · x</c> for one row, as <c>linear(x, W)</c> computes it: <paramref name="row"/> [..., in] with a single
    /// row, <paramref name="matrix"/> [out, in] → [..., out]. Each output is one dot product with a contiguous row of W.
    /// </summary>
    public static Tensor MatrixTimesRow(Tensor matrix, Tensor row, int? threads = null)
    {
        int outputs = (int)matrix.shape[0], inputs = (int)matrix.shape[1];
        using var x = Contiguous(row);
        var y = torch.empty([.. row.shape[..^1], outputs]);
        float* xs = Start(x), w = Start(matrix), ys = Start(y);
        const int parts = 4 * Bands; // small enough parts that a core that finishes early takes another
        int partRows = (outputs + parts - 1) / parts;

        KernelWorkers.Run(parts, threads ?? SingleRowThreads.KernelThreads, part =>
        {
            int first = part * partRows, end = Math.Min(outputs, first + partRows);
            for (int o = first; o < end; o++) ys[o] = Dot(w + (long)o * inputs, xs, inputs);
        });
        return y;
    }

    /// <summary>target[j] += scale · source[j] for j in 0 .. length-1.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first generation step: no slow first tiers
    private static void AddScaled(float* target, float* source, float scale, int length)
    {
        int j = 0;
        if (Vector.IsHardwareAccelerated)
        {
            var s = new Vector<float>(scale);
            for (; j + Vector<float>.Count <= length; j += Vector<float>.Count)
                Vector.MultiplyAddEstimate(Load(source + j), s, Load(target + j)).Store(target + j);
        }
        for (; j < length; j++) target[j] += scale * source[j];
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

    /// <summary>The band sums' scratch space, reused by this thread's next call: [Bands, outputs].</summary>
    private static float[] Partials(int outputs)
    {
        if (t_partials is null || t_partials.Length < Bands * outputs) t_partials = new float[Bands * outputs];
        return t_partials;
    }

    [ThreadStatic] private static float[]? t_partials;

    /// <summary>The tensor itself when it is contiguous (a new handle to it, the caller disposes it), else a contiguous copy.</summary>
    private static Tensor Contiguous(Tensor tensor) => tensor.is_contiguous() ? tensor.alias() : tensor.contiguous();

    /// <summary>The first element of a contiguous float32 CPU tensor (its memory stays where it is while the tensor lives).</summary>
    private static float* Start(Tensor tensor) => (float*)Unsafe.AsPointer(ref MemoryMarshal.GetReference(tensor.bytes));
}
