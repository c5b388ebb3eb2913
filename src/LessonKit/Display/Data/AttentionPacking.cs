namespace LessonKit.Display.Data;

/// <summary>Packs attention patterns (weights in [0, 1]) for the page and finds what stands out in them.</summary>
internal static class AttentionPacking
{
    /// <summary>16 bits (3 decimals on hover) when the view embeds few enough numbers, 8 bits (2 decimals) otherwise.</summary>
    public static int BitsFor(long storedValues) => storedValues <= ViewLimits.MaxValuesAt16Bits ? 16 : 8;

    /// <summary>How many decimals a tooltip can honestly show at this precision.</summary>
    public static int DigitsFor(int bits) => bits == 16 ? 3 : 2;

    /// <summary>
    /// The n × n pattern at <paramref name="offset"/> in <paramref name="values"/>, packed on [0, 1]; only the lower
    /// triangle when the pattern is causal (zero above the diagonal), the full square otherwise.
    /// </summary>
    public static QuantizedMatrix Pack(float[] values, int offset, int n, int bits)
    {
        bool triangular = QuantizedMatrix.IsLowerTriangular(values, offset, n);
        return QuantizedMatrix.Encode(values.AsSpan(offset, n * n), n, n, 0f, 1f, bits, triangular);
    }

    /// <summary>
    /// The strongest weight of the pattern at <paramref name="offset"/>, skipping the first query (which can only
    /// attend to itself) when there is more than one position: (query, key, weight). NaN weights are skipped; the
    /// weight is NaN only if every one is.
    /// </summary>
    public static (int Query, int Key, float Weight) Strongest(float[] values, int offset, int n)
    {
        int first = n > 1 ? 1 : 0;
        (int, int, float) best = (first, 0, float.NaN);
        for (int q = first; q < n; q++)
            for (int k = 0; k < n; k++)
            {
                float w = values[offset + q * n + k];
                if (w > best.Item3 || (float.IsNaN(best.Item3) && !float.IsNaN(w))) best = (q, k, w);
            }
        return best;
    }
}
