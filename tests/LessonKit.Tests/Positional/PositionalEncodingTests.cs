using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Positional;

public class PositionalEncodingTests
{
    private static float At(Tensor t, int p, int c) { using var v = t[p, c]; return v.item<float>(); }

    [Fact]
    public void SinusoidalValuesMatchTheFormulaWorkedByHand()
    {
        using var pe = PositionalEncoding.Sinusoidal(seqLen: 4, dModel: 4);
        Assert.Equal(new long[] { 4, 4 }, pe.shape);
        Assert.Equal(ScalarType.Float32, pe.dtype);
        // Position 0: sin(0) = 0 and cos(0) = 1 in every pair.
        Assert.Equal(new[] { 0f, 1f, 0f, 1f }, pe[0].data<float>().ToArray());
        // Pair 0 turns one radian per position: PE[1,0] = sin(1), PE[1,1] = cos(1).
        Assert.Equal(0.8414710f, At(pe, 1, 0), 6);
        Assert.Equal(0.5403023f, At(pe, 1, 1), 6);
        // Pair 1 (columns 2, 3) with d = 4: angle = p / 10000^(2/4) = p / 100. At p = 2: sin(0.02), cos(0.02).
        Assert.Equal(0.0199987f, At(pe, 2, 2), 6);
        Assert.Equal(0.9998000f, At(pe, 2, 3), 6);
        // p = 3, pair 0: sin(3) = 0.14112, cos(3) = -0.98999.
        Assert.Equal(0.1411200f, At(pe, 3, 0), 6);
        Assert.Equal(-0.9899925f, At(pe, 3, 1), 6);
    }

    [Fact]
    public void OddWidthsEndWithASineColumnAndTheBaseCanChange()
    {
        using var pe = PositionalEncoding.Sinusoidal(3, 5);
        Assert.Equal(new long[] { 3, 5 }, pe.shape);
        // Column 4 is the sine of pair 2: angle = p / 10000^(4/5).
        Assert.Equal((float)Math.Sin(2 / Math.Pow(10000, 0.8)), At(pe, 2, 4), 6);
        Assert.Equal((float)Math.Cos(2 / Math.Pow(10000, 0.4)), At(pe, 2, 3), 6);

        using var small = PositionalEncoding.Sinusoidal(3, 4, @base: 100);
        Assert.Equal((float)Math.Sin(2 / 10.0), At(small, 2, 2), 6);   // 100^(2/4) = 10
    }

    [Fact]
    public void SimilarityOfSinusoidalPositionsDependsOnlyOnTheirDistance()
    {
        // PE[p]·PE[p+k] = Σ_i sin(ω_i p) sin(ω_i (p+k)) + cos(ω_i p) cos(ω_i (p+k)) = Σ_i cos(ω_i k), and |PE[p]|² = d/2.
        const int d = 64;
        using var pe = PositionalEncoding.Sinusoidal(120, d);
        foreach (int k in new[] { 1, 5, 10, 50 })
        {
            double expected = Enumerable.Range(0, d / 2).Sum(i => Math.Cos(k / Math.Pow(10000, 2.0 * i / d))) / (d / 2.0);
            Assert.Equal(expected, PositionalEncoding.CosineSimilarity(pe, 0, k), 4);
            Assert.Equal(expected, PositionalEncoding.CosineSimilarity(pe, 60, 60 + k), 4);
        }
        Assert.True(PositionalEncoding.CosineSimilarity(pe, 0, 1) > PositionalEncoding.CosineSimilarity(pe, 0, 10));
    }

    [Fact]
    public void TheSimilarityMatrixAgreesWithThePairwiseValue()
    {
        using var encoding = torch.tensor(new float[] { 1, 0, 0, 1, 1, 1, 0, 0, -2, 0 }, [5, 2]);
        using var matrix = PositionalEncoding.CosineSimilarity(encoding);
        Assert.Equal(new long[] { 5, 5 }, matrix.shape);
        float[] m = matrix.data<float>().ToArray();
        Assert.Equal(1f, m[0], 6);
        Assert.Equal(0f, m[0 * 5 + 1], 6);
        Assert.Equal((float)(1 / Math.Sqrt(2)), m[0 * 5 + 2], 6);
        Assert.Equal(-1f, m[0 * 5 + 4], 6);
        Assert.Equal(0f, m[3 * 5 + 3], 6);   // an all-zero position is similar to nothing, itself included
        for (int a = 0; a < 5; a++)
            for (int b = 0; b < 5; b++)
            {
                Assert.Equal(m[a * 5 + b], m[b * 5 + a], 6);
                Assert.Equal(m[a * 5 + b], PositionalEncoding.CosineSimilarity(encoding, a, b), 6);
            }

        using var batched = encoding.unsqueeze(0);   // [1, pos, d_model], like cache["hook_pos_embed"]
        using var again = PositionalEncoding.CosineSimilarity(batched);
        Assert.Equal(m, again.data<float>().ToArray());
    }

    [Fact]
    public void BadArgumentsSayWhatIsWrong()
    {
        Assert.Contains("seqLen", Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(0, 4)).Message);
        Assert.Contains("dModel", Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(4, 0)).Message);
        Assert.Contains("10000", Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.Sinusoidal(4, 4, 1)).Message);
        using var pe = PositionalEncoding.Sinusoidal(4, 4);
        Assert.Contains("4 positions, 0 to 3", Assert.Throws<ArgumentOutOfRangeException>(() => PositionalEncoding.CosineSimilarity(pe, 0, 4)).Message);
        using var flat = torch.ones(8);
        Assert.Contains("[position, d_model]", Assert.Throws<ArgumentException>(() => PositionalEncoding.CosineSimilarity(flat)).Message);
    }
}
