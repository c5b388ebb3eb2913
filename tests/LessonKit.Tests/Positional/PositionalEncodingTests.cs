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

    [Fact]
    public void TheSimilarityMatrixRefusesToOutgrowTheMachine()
    {
        // QA: CosineSimilarity(torch.ones(50000, 4)) built a 10 GB [pos, pos] result (and a 20 GB float64 one before it)
        // and got the process OOM-killed. Pick a size that is over the limit on this machine, whatever its memory.
        long limit = PositionalEncoding.SimilarityMemoryLimit;
        Assert.Equal(GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4, limit);
        int positions = (int)Math.Sqrt(limit / 4.0) + 1000;   // its float32 [pos, pos] result alone is over the limit
        using var tall = torch.zeros(positions, 1);
        var refused = Assert.Throws<InsufficientMemoryException>(() => PositionalEncoding.CosineSimilarity(tall));
        Assert.Contains($"{positions:N0} positions", refused.Message);
        Assert.Contains(" GB", refused.Message);
        Assert.Contains("this machine has", refused.Message);
        Assert.Contains("CosineSimilarity(encoding, a, b)", refused.Message);
        Assert.Contains("encoding[..", refused.Message);

        // The limit is a parameter inside the library, so the refusal can be checked on a small input too.
        using var pe = PositionalEncoding.Sinusoidal(1000, 8);
        Assert.Throws<InsufficientMemoryException>(() => PositionalEncoding.CosineSimilarity(pe, memoryLimit: 1_000_000));
        using var fits = PositionalEncoding.CosineSimilarity(pe, memoryLimit: 20_000_000);
        Assert.Equal(new long[] { 1000, 1000 }, fits.shape);
    }

    [Fact]
    public void TheSimilarityMatrixIsFloat32RoundedFromDoublePrecision()
    {
        // Built block by block in float64 (no float64 [pos, pos] copy), each value rounded once to float32: it equals the
        // pairwise value computed in double precision to within one float32 step, and the diagonal is exactly 1.
        using var scope = torch.NewDisposeScope();
        Tensor encoding = torch.randn([300, 48], generator: new torch.Generator(5)) * 3;
        Tensor matrix = PositionalEncoding.CosineSimilarity(encoding);
        Assert.Equal(ScalarType.Float32, matrix.dtype);
        float[] m = matrix.data<float>().ToArray();
        for (int a = 0; a < 300; a += 7)
            for (int b = 0; b < 300; b += 3)
            {
                float expected = PositionalEncoding.CosineSimilarity(encoding, a, b);
                Assert.True(Math.Abs(m[a * 300 + b] - expected) <= 1.2e-7f, $"[{a}, {b}]: {m[a * 300 + b]} vs {expected}");
            }
        for (int p = 0; p < 300; p++) Assert.Equal(1f, m[p * 300 + p]);

        // Rows are blocks in memory of at most SimilarityBlockBytes: a block boundary changes nothing.
        Tensor small = PositionalEncoding.CosineSimilarity(encoding, memoryLimit: long.MaxValue, blockBytes: 300 * 8 * 7);   // 7 rows a block
        Assert.Equal(m, small.data<float>().ToArray());
    }

    [Fact]
    public void ThePairAndTheMatrixBothSayNaNForNaNOrInfiniteInput()
    {
        // QA: the pair version returned 0 for a row with NaN while the matrix said NaN.
        using var encoding = torch.tensor(new float[] { 1, 0, float.NaN, 1, 0, 1, float.PositiveInfinity, 0, 0, 0 }, [5, 2]);
        using var matrix = PositionalEncoding.CosineSimilarity(encoding);
        float[] m = matrix.data<float>().ToArray();
        foreach (int odd in new[] { 1, 3 })   // position 1 has a NaN, position 3 an infinity
            for (int other = 0; other < 5; other++)
            {
                Assert.True(float.IsNaN(PositionalEncoding.CosineSimilarity(encoding, odd, other)), $"pair ({odd}, {other})");
                Assert.True(float.IsNaN(PositionalEncoding.CosineSimilarity(encoding, other, odd)), $"pair ({other}, {odd})");
                Assert.True(float.IsNaN(m[odd * 5 + other]) && float.IsNaN(m[other * 5 + odd]), $"matrix [{odd}, {other}]");
            }
        Assert.Equal(0f, PositionalEncoding.CosineSimilarity(encoding, 0, 2), 6);   // finite rows are unaffected
        Assert.Equal(0f, PositionalEncoding.CosineSimilarity(encoding, 0, 4));       // an all-zero row is still 0
        Assert.Equal(0f, m[0 * 5 + 4]);
    }

    [Fact]
    public void ADisposedEncodingIsNamedInsteadOfAnEmptyHandle()
    {
        var encoding = PositionalEncoding.Sinusoidal(4, 4);
        encoding.Dispose();
        foreach (var call in new Action[] { () => PositionalEncoding.CosineSimilarity(encoding), () => PositionalEncoding.CosineSimilarity(encoding, 0, 1) })
        {
            var e = Assert.Throws<ObjectDisposedException>(call);
            Assert.Contains("'encoding'", e.Message);
            Assert.Contains("disposed", e.Message);
            Assert.DoesNotContain("empty handle", e.Message);
        }
    }
}
