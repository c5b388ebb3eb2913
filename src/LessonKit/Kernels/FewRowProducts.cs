using System.Numerics;
using System.Runtime.CompilerServices;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// Matrix products for a few rows of activations, <c>y = x · Wᵀ + b</c> with W laid out [out, in]: what every layer
/// does at each step of generation with a KV cache (one row) and for a short prompt (a sentence in a lesson).
/// </summary>
/// <remarks>
/// <para>
/// With a few rows, a product is mostly reading the weights: each weight is used once per row. libtorch hands one
/// row to a single-threaded BLAS <c>gemv</c>, which reads memory at a fraction of what all the cores together can, and
/// a few rows to a GEMM that first repacks the whole weight matrix. Here each output is a
/// dot product of one contiguous row of W with each activation row; each core takes a contiguous run of outputs, so
/// it streams one long stretch of memory, and reads every weight once, however many rows there are.
/// </para>
/// <para>
/// One row (a generation step): one output at a time, a dot product with four running sums, so each core reads one
/// stream of weights. Two rows or more: four outputs by two rows at a time, eight running sums fed by four weight
/// vectors and two activation vectors per step, so each weight loaded from memory is used twice; an odd last row
/// takes the four outputs alone. Up to <see cref="MaxRows"/> rows this beats libtorch at GPT-2's shapes; beyond it,
/// libtorch's GEMM catches up (<c>bench/README.md</c> has the figures).
/// </para>
/// <para>
/// Every output is summed in one order whatever the thread count, so results are the same from run to run; they
/// differ from libtorch's in the last bits only, as any two summation orders do.
/// </para>
/// </remarks>
internal static unsafe class FewRowProducts
{
    /// <summary>The most rows these loops take; above it, libtorch's GEMM is as fast or faster.</summary>
    public const int MaxRows = 64;

    /// <summary>Below this many weights the threads cost more than they save; libtorch does it.</summary>
    private const long MinimumWeights = 1 << 16;

    /// <summary>Runs of outputs a call is cut into: small enough that a core that finishes early takes another.</summary>
    private const int Parts = 32;

    /// <summary>
    /// Whether <paramref name="x"/> is at most <see cref="MaxRows"/> float32 rows on the CPU and
    /// <paramref name="matrix"/> a contiguous float32 CPU matrix [out, in] big enough to be worth it. Anything else
    /// (long prompts, other dtypes, devices or layouts) goes to libtorch.
    /// </summary>
    public static bool Applies(Tensor x, Tensor matrix) =>
        x.NumberOfElements <= MaxRows * x.size(-1) && x.NumberOfElements > 0 && x.dtype == ScalarType.Float32 &&
        matrix.dtype == ScalarType.Float32 && x.device_type == DeviceType.CPU && matrix.device_type == DeviceType.CPU &&
        matrix.NumberOfElements >= MinimumWeights && matrix.is_contiguous();

    /// <summary>
    /// <c>x · Wᵀ + b</c>, as <c>linear(x, W, b)</c> computes it: <paramref name="rows"/> [..., in] with at most
    /// <see cref="MaxRows"/> rows, <paramref name="matrix"/> [out, in] contiguous, <paramref name="bias"/> [out] or
    /// null → [..., out]. <paramref name="threads"/> defaults to <see cref="KernelThreads.Count"/>.
    /// </summary>
    public static Tensor MatrixTimesRows(Tensor matrix, Tensor rows, Tensor? bias = null, int? threads = null)
    {
        int outputs = (int)matrix.size(0), inputs = (int)matrix.size(1);
        if (rows.size(-1) != inputs || (bias is not null && bias.NumberOfElements != outputs))
            throw new ArgumentException($"Rows of length {rows.shape[^1]} and a bias of {bias?.NumberOfElements} do not fit a [{outputs}, {inputs}] matrix.");
        using var x = VectorMath.Contiguous(rows);
        using var b = bias is null ? null : VectorMath.Contiguous(bias);
        int count = (int)(x.NumberOfElements / inputs);
        var y = torch.empty(VectorMath.ShapeWithLast(rows, outputs), ScalarType.Float32);
        float* xs = VectorMath.Start(x), w = VectorMath.Start(matrix), ys = VectorMath.Start(y), bs = b is null ? null : VectorMath.Start(b);
        int partOutputs = ((outputs + Parts - 1) / Parts + 3) & ~3; // a multiple of 4, so a group of outputs never spans two parts

        KernelWorkers.Run(Parts, threads ?? KernelThreads.Count, part =>
        {
            int first = Math.Min(outputs, part * partOutputs), end = Math.Min(outputs, first + partOutputs);
            if (count == 1)
            {
                // One row (a generation step): one output at a time, so each core reads a single stream of weights.
                for (int o = first; o < end; o++) ys[o] = VectorMath.Dot(w + (long)o * inputs, xs, inputs);
            }
            else
            {
                for (int o = first; o < end; o += 4)
                {
                    // Outputs o .. o + 3; past the part's end, the last output is repeated (computed again, written again).
                    var group = new OutputGroup(w, ys, inputs, o, end);
                    int r = 0;
                    for (; r + 2 <= count; r += 2) FourByTwo(group, xs + (long)r * inputs, r, outputs);
                    if (r < count) FourByOne(group, xs + (long)r * inputs, r, outputs);
                }
            }
            if (bs is not null)
                for (int r = 0; r < count; r++)
                    for (int o = first; o < end; o++) ys[(long)r * outputs + o] += bs[o];
        });
        return y;
    }

    /// <summary>Four outputs: their weight rows, and where their values go in row 0 of the result (add r · outputs for row r).</summary>
    private readonly struct OutputGroup
    {
        public readonly float* W0, W1, W2, W3;
        public readonly float* Y0, Y1, Y2, Y3;
        public readonly int Inputs;

        public OutputGroup(float* w, float* y, int inputs, int first, int end)
        {
            int o1 = Math.Min(first + 1, end - 1), o2 = Math.Min(first + 2, end - 1), o3 = Math.Min(first + 3, end - 1);
            W0 = w + (long)first * inputs; W1 = w + (long)o1 * inputs; W2 = w + (long)o2 * inputs; W3 = w + (long)o3 * inputs;
            Y0 = y + first; Y1 = y + o1; Y2 = y + o2; Y3 = y + o3;
            Inputs = inputs;
        }
    }

    /// <summary>
    /// The eight dot products of the group's four weight rows with activation rows <paramref name="x"/> and the one
    /// after it (rows <paramref name="r"/> and r + 1 of the result): eight running sums, fed by four weight vectors
    /// and two activation vectors per step.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)] // hot from the first generation step: no slow first tiers
    private static void FourByTwo(in OutputGroup g, float* x, int r, int outputs)
    {
        int inputs = g.Inputs, i = 0, width = Vector<float>.Count;
        float* w0 = g.W0, w1 = g.W1, w2 = g.W2, w3 = g.W3, x1 = x + inputs; // locals, so they stay in registers
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default; // weight rows 0 .. 3 · x
        Vector<float> b0 = default, b1 = default, b2 = default, b3 = default; // weight rows 0 .. 3 · x1
        for (; i + width <= inputs; i += width)
        {
            var c = Vector.Load(x + i);
            var d = Vector.Load(x1 + i);
            var u = Vector.Load(w0 + i);
            a0 = Vector.MultiplyAddEstimate(u, c, a0);
            b0 = Vector.MultiplyAddEstimate(u, d, b0);
            u = Vector.Load(w1 + i);
            a1 = Vector.MultiplyAddEstimate(u, c, a1);
            b1 = Vector.MultiplyAddEstimate(u, d, b1);
            u = Vector.Load(w2 + i);
            a2 = Vector.MultiplyAddEstimate(u, c, a2);
            b2 = Vector.MultiplyAddEstimate(u, d, b2);
            u = Vector.Load(w3 + i);
            a3 = Vector.MultiplyAddEstimate(u, c, a3);
            b3 = Vector.MultiplyAddEstimate(u, d, b3);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        float t0 = Vector.Sum(b0), t1 = Vector.Sum(b1), t2 = Vector.Sum(b2), t3 = Vector.Sum(b3);
        for (; i < inputs; i++)
        {
            s0 += w0[i] * x[i]; s1 += w1[i] * x[i]; s2 += w2[i] * x[i]; s3 += w3[i] * x[i];
            t0 += w0[i] * x1[i]; t1 += w1[i] * x1[i]; t2 += w2[i] * x1[i]; t3 += w3[i] * x1[i];
        }
        long row = (long)r * outputs, next = row + outputs;
        g.Y0[row] = s0; g.Y1[row] = s1; g.Y2[row] = s2; g.Y3[row] = s3;
        g.Y0[next] = t0; g.Y1[next] = t1; g.Y2[next] = t2; g.Y3[next] = t3;
    }

    /// <summary>
    /// The four dot products of the group's weight rows with activation row <paramref name="x"/> (row
    /// <paramref name="r"/> of the result), summed exactly as <see cref="FourByTwo"/> sums each of its rows.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FourByOne(in OutputGroup g, float* x, int r, int outputs)
    {
        int inputs = g.Inputs, i = 0, width = Vector<float>.Count;
        float* w0 = g.W0, w1 = g.W1, w2 = g.W2, w3 = g.W3;
        Vector<float> a0 = default, a1 = default, a2 = default, a3 = default;
        for (; i + width <= inputs; i += width)
        {
            var c = Vector.Load(x + i);
            a0 = Vector.MultiplyAddEstimate(Vector.Load(w0 + i), c, a0);
            a1 = Vector.MultiplyAddEstimate(Vector.Load(w1 + i), c, a1);
            a2 = Vector.MultiplyAddEstimate(Vector.Load(w2 + i), c, a2);
            a3 = Vector.MultiplyAddEstimate(Vector.Load(w3 + i), c, a3);
        }
        float s0 = Vector.Sum(a0), s1 = Vector.Sum(a1), s2 = Vector.Sum(a2), s3 = Vector.Sum(a3);
        for (; i < inputs; i++)
        {
            s0 += w0[i] * x[i]; s1 += w1[i] * x[i]; s2 += w2[i] * x[i]; s3 += w3[i] * x[i];
        }
        long row = (long)r * outputs;
        g.Y0[row] = s0; g.Y1[row] = s1; g.Y2[row] = s2; g.Y3[row] = s3;
    }
}
