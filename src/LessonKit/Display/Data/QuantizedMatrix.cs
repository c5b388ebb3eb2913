using System.Text.Json.Serialization;

namespace LessonKit.Display.Data;

/// <summary>
/// A matrix of numbers packed small for a page: each value mapped linearly from [<see cref="Lo"/>, <see cref="Hi"/>]
/// to an 8- or 16-bit integer, the bytes (little-endian) in base64; NaN is stored as 0, anything outside the range
/// (±∞ included) as its nearer end. A causal attention pattern keeps only its lower triangle (row q holds keys
/// 0..q), which halves the size. <c>core.js</c> decodes it.
/// </summary>
internal sealed record QuantizedMatrix(
    [property: JsonPropertyName("r")] int Rows,
    [property: JsonPropertyName("c")] int Cols,
    [property: JsonPropertyName("tri")] bool Triangular,
    [property: JsonPropertyName("bits")] int Bits,
    [property: JsonPropertyName("lo")] float Lo,
    [property: JsonPropertyName("hi")] float Hi,
    [property: JsonPropertyName("b64")] string Base64)
{
    /// <summary>How many numbers a matrix of this shape stores (the lower triangle only when triangular).</summary>
    public static long StoredCount(int rows, int cols, bool triangular) =>
        triangular ? (long)rows * (rows + 1) / 2 : (long)rows * cols;

    /// <summary>Packs a row-major <paramref name="rows"/> × <paramref name="cols"/> block of <paramref name="values"/>.</summary>
    public static QuantizedMatrix Encode(ReadOnlySpan<float> values, int rows, int cols, float lo, float hi, int bits, bool triangular)
    {
        if (bits is not (8 or 16)) throw new ArgumentOutOfRangeException(nameof(bits), bits, "Quantization uses 8 or 16 bits.");
        if (values.Length != rows * cols) throw new ArgumentException($"Expected {rows}×{cols} = {rows * cols} values, got {values.Length}.", nameof(values));
        if (triangular && rows != cols) throw new ArgumentException("Only a square matrix can be packed as a triangle.", nameof(triangular));
        if (!(hi > lo)) hi = lo + 1;   // a constant matrix: every value maps to 0

        int max = bits == 8 ? 255 : 65535;
        long count = StoredCount(rows, cols, triangular);
        var bytes = new byte[count * (bits / 8)];
        long i = 0;
        for (int r = 0; r < rows; r++)
        {
            int end = triangular ? r + 1 : cols;
            for (int c = 0; c < end; c++)
            {
                // NaN is stored as 0 (white on both colour scales); values outside [lo, hi], ±∞ included, as the nearer end.
                float v = values[r * cols + c];
                double t = ((float.IsNaN(v) ? 0 : v) - (double)lo) / ((double)hi - lo) * max;
                int q = (int)Math.Round(Math.Clamp(t, 0, max));
                if (bits == 8) bytes[i++] = (byte)q;
                else { bytes[i++] = (byte)(q & 0xff); bytes[i++] = (byte)(q >> 8); }
            }
        }
        return new QuantizedMatrix(rows, cols, triangular, bits, lo, hi, Convert.ToBase64String(bytes));
    }

    /// <summary>Unpacks the matrix to row-major floats (the upper triangle of a triangular matrix is 0). Used by tests and tools.</summary>
    public float[] Decode()
    {
        byte[] bytes = Convert.FromBase64String(Base64);
        int max = Bits == 8 ? 255 : 65535;
        var values = new float[Rows * Cols];
        long i = 0;
        for (int r = 0; r < Rows; r++)
        {
            int end = Triangular ? r + 1 : Cols;
            for (int c = 0; c < end; c++)
            {
                int q = Bits == 8 ? bytes[i++] : bytes[i++] | (bytes[i++] << 8);
                values[r * Cols + c] = Lo + (float)q / max * (Hi - Lo);
            }
        }
        return values;
    }

    /// <summary>Whether every value above the diagonal of the square matrix at <paramref name="offset"/> is (about) zero.</summary>
    public static bool IsLowerTriangular(ReadOnlySpan<float> values, int offset, int n)
    {
        for (int r = 0; r < n; r++)
            for (int c = r + 1; c < n; c++)
                if (Math.Abs(values[offset + r * n + c]) > 1e-6f) return false;
        return true;
    }
}
