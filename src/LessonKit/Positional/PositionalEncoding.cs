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
    /// has similarity 0 with every position.
    /// </summary>
    public static Tensor CosineSimilarity(Tensor encoding)
    {
        using var scope = torch.NewDisposeScope();
        Tensor x = AsMatrix(encoding).to_type(ScalarType.Float64);
        Tensor unit = x / x.norm(1, keepdim: true).clamp_min(1e-300);   // each row scaled to length 1 (zero rows stay zero)
        Tensor similarity = unit.matmul(unit.t()).to_type(ScalarType.Float32);
        return similarity.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The cosine similarity between positions <paramref name="a"/> and <paramref name="b"/>:
    /// <c>PE[a]·PE[b] / (|PE[a]| |PE[b]|)</c>, between -1 and 1 (0 if either vector is all zeros).
    /// </summary>
    public static float CosineSimilarity(Tensor encoding, int a, int b)
    {
        var (values, rows, cols) = Display.Data.TensorReader.Matrix(encoding, "encoding");
        CheckPosition(a, rows, nameof(a));
        CheckPosition(b, rows, nameof(b));
        return (float)Cosine(values, cols, a, b);
    }

    /// <summary>Cosine similarity of rows <paramref name="a"/> and <paramref name="b"/> of a row-major matrix, in double precision.</summary>
    internal static double Cosine(float[] values, int cols, int a, int b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int c = 0; c < cols; c++)
        {
            double x = values[a * cols + c], y = values[b * cols + c];
            dot += x * y; na += x * x; nb += y * y;
        }
        return na > 0 && nb > 0 ? dot / Math.Sqrt(na * nb) : 0;
    }

    internal static void CheckPosition(int position, int count, string name)
    {
        if (position < 0 || position >= count)
            throw new ArgumentOutOfRangeException(name, position, $"Position {position} does not exist: the encoding has {count} positions, 0 to {count - 1}.");
    }

    private static Tensor AsMatrix(Tensor encoding)
    {
        ArgumentNullException.ThrowIfNull(encoding);
        if (encoding.dim() == 2) return encoding;
        if (encoding.dim() == 3 && encoding.shape[0] == 1) return encoding[0];
        throw new ArgumentException($"The encoding must be [position, d_model] (or [1, position, d_model]), but its shape is [{string.Join(", ", encoding.shape)}].", nameof(encoding));
    }
}
