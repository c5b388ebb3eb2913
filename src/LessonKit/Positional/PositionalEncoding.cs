using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// Positional encodings: the sinusoidal one of "Attention Is All You Need", and cosine similarity between positions
/// (for it or for any [position, d_model] tensor, such as GPT-2's learned position embeddings).
/// </summary>
public static class PositionalEncoding
{
    /// <summary>
    /// The sinusoidal encoding, float32 [<paramref name="seqLen"/>, <paramref name="dModel"/>]:
    /// <c>PE[p, 2i] = sin(p / base^(2i / dModel))</c> and <c>PE[p, 2i + 1] = cos(p / base^(2i / dModel))</c>.
    /// Pair i turns at its own frequency, from one radian per position (i = 0) down to one turn every
    /// ~2π·base positions, so every position gets a distinct pattern and nearby positions similar ones.
    /// An odd <paramref name="dModel"/> ends with a lone sine column.
    /// </summary>
    public static Tensor Sinusoidal(int seqLen, int dModel, double @base = 10000)
    {
        if (seqLen <= 0) throw new ArgumentOutOfRangeException(nameof(seqLen), seqLen, "seqLen (how many positions) must be at least 1.");
        if (dModel <= 0) throw new ArgumentOutOfRangeException(nameof(dModel), dModel, "dModel (the width of each position's vector) must be at least 1.");
        if (!(@base > 1) || double.IsInfinity(@base)) throw new ArgumentOutOfRangeException(nameof(@base), @base, "base must be a finite number above 1 (the paper uses 10000).");
        if ((long)seqLen * dModel > 100_000_000) throw new ArgumentException($"{seqLen} × {dModel} is too large an encoding to build ({(long)seqLen * dModel:N0} values).");

        var values = new float[seqLen * dModel];
        // Column c belongs to pair i = c / 2: even columns hold the sine, odd columns the cosine, of the same angle.
        var inverseFrequency = new double[(dModel + 1) / 2];
        for (int i = 0; i < inverseFrequency.Length; i++) inverseFrequency[i] = Math.Pow(@base, 2.0 * i / dModel);
        for (int p = 0; p < seqLen; p++)
        {
            for (int c = 0; c < dModel; c++)
            {
                double angle = p / inverseFrequency[c / 2];
                values[p * dModel + c] = (float)(c % 2 == 0 ? Math.Sin(angle) : Math.Cos(angle));
            }
        }
        return torch.tensor(values, [seqLen, dModel]);
    }

    /// <summary>
    /// The cosine similarity of every position with every other: [pos, pos], float32, 1 on the diagonal.
    /// <paramref name="encoding"/> is [pos, d_model] (or [1, pos, d_model]). A position whose vector is all zeros
    /// has similarity 0 with every position; one with a NaN or infinite value has NaN with every position.
    /// </summary>
    /// <remarks>
    /// The result has pos² values (4 bytes each: 10 GB for 50,000 positions), so it is refused, before anything is
    /// allocated, when it would need more than <see cref="SimilarityMemoryLimit"/>. For one pair of positions use
    /// <see cref="CosineSimilarity(Tensor, int, int)"/>, which needs no matrix.
    /// </remarks>
    /// <exception cref="InsufficientMemoryException">The matrix would not fit comfortably in this machine's memory.</exception>
    public static Tensor CosineSimilarity(Tensor encoding) => CosineSimilarity(encoding, SimilarityMemoryLimit);

    /// <summary>
    /// The most memory <see cref="CosineSimilarity(Tensor)"/> may use: a quarter of what this machine (or its container)
    /// gives the process, so the model, the notebook and the learner's other tensors keep the rest.
    /// </summary>
    public static long SimilarityMemoryLimit => GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4;

    /// <summary>The float64 rows worked on at once are about this large (64 MB).</summary>
    private const long SimilarityBlockBytes = 64L << 20;

    /// <summary><see cref="CosineSimilarity(Tensor)"/> with an explicit memory limit and block size (for tests).</summary>
    internal static Tensor CosineSimilarity(Tensor encoding, long memoryLimit, long blockBytes = SimilarityBlockBytes)
    {
        using var scope = torch.NewDisposeScope();
        Tensor matrix = AsMatrix(encoding);
        long positions = matrix.shape[0], width = matrix.shape[1];
        // Rows are done a block at a time: a block's similarities are computed in float64 and rounded once into the
        // float32 result, so no float64 [pos, pos] copy is ever made and every value is as accurate as float32 allows.
        long blockRows = Math.Clamp(blockBytes / (8 * Math.Max(1, positions)), 1, Math.Max(1, positions));
        long needed = 4 * positions * positions      // the float32 result
                    + 2 * 8 * positions * width       // the encoding in float64, and its unit rows
                    + 8 * blockRows * positions;      // one float64 block of rows
        if (needed > memoryLimit)
            throw new InsufficientMemoryException(
                $"The cosine similarity of {positions:N0} positions with each other is a [{positions:N0}, {positions:N0}] matrix: it would need " +
                $"{Hub.Format.Bytes(needed)}, and this machine has {Hub.Format.Bytes(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes)} of memory, of which this may use " +
                $"{Hub.Format.Bytes(memoryLimit)} (a quarter, so the model and the notebook keep the rest). Use fewer positions, e.g. CosineSimilarity(encoding[..1000]), or compare " +
                "single pairs with CosineSimilarity(encoding, a, b), which builds no matrix.");

        Tensor x = matrix.to_type(ScalarType.Float64);
        // Each row divided by its length (the L2 norm along the last dimension): zero rows stay zero, and a row with a
        // NaN or an infinity gets a NaN (NaN/NaN or ∞/∞), so all its similarities are NaN.
        Tensor unit = x / x.norm(dim: -1, keepdim: true).clamp_min(1e-300);
        Tensor similarity = torch.empty(positions, positions, ScalarType.Float32);
        for (long start = 0; start < positions; start += blockRows)
        {
            long rows = Math.Min(blockRows, positions - start);
            using var block = unit.narrow(0, start, rows).mm(unit.t());   // [rows, pos], float64: dot products of unit rows
            using var target = similarity.narrow(0, start, rows);
            target.copy_(block);                                          // rounded to float32
        }
        return similarity.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cosine similarity between positions <paramref name="a"/> and <paramref name="b"/>:
    /// <c>PE[a]·PE[b] / (|PE[a]| |PE[b]|)</c>, between -1 and 1 (0 if either vector is all zeros, NaN if either has
    /// a NaN or infinite value, as in the matrix of <see cref="CosineSimilarity(Tensor)"/>).
    /// </summary>
    public static float CosineSimilarity(Tensor encoding, int a, int b)
    {
        var (values, rows, cols) = Display.Data.TensorReader.Matrix(encoding, "encoding");
        CheckPosition(a, rows, nameof(a));
        CheckPosition(b, rows, nameof(b));
        return (float)Cosine(values, cols, a, b);
    }

    /// <summary>
    /// Cosine similarity of rows <paramref name="a"/> and <paramref name="b"/> of a row-major matrix, in double
    /// precision: 0 if either row is all zeros, NaN if either has a NaN or infinite value (it has no direction).
    /// </summary>
    internal static double Cosine(float[] values, int cols, int a, int b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < cols; c++)
        {
            double x = values[a * cols + c], y = values[b * cols + c];
            dot += x * y; na += x * x; nb += y * y;
        }
        // A float squared never overflows a double, so na and nb are finite exactly when every value is.
        if (!double.IsFinite(na) || !double.IsFinite(nb)) return double.NaN;
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : 0;
    }

    internal static void CheckPosition(int position, int count, string name)
    {
        if (position < 0 || position >= count)
            throw new ArgumentOutOfRangeException(name, position, $"Position {position} does not exist: the encoding has {count} positions, 0 to {count - 1}.");
    }

    private static Tensor AsMatrix(Tensor encoding)
    {
        Display.Data.TensorReader.CheckAlive(encoding, nameof(encoding));
        if (encoding.dim() == 2) return encoding;
        if (encoding.dim() == 3 && encoding.shape[0] == 1) return encoding[0];
        throw new ArgumentException($"The encoding must be [position, d_model] (or [1, position, d_model]), but its shape is [{string.Join(", ", encoding.shape)}].", nameof(encoding));
    }
}
