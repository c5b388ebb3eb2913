using LessonKit.Display;
using LessonKit.Display.Data;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>What the views take out of the cache, and how they pack it for the page.</summary>
public class AttentionDataTests
{
    [Theory]
    [InlineData(8, false)]
    [InlineData(16, false)]
    [InlineData(8, true)]
    [InlineData(16, true)]
    public void QuantizedMatricesRoundTripWithinOneStep(int bits, bool triangular)
    {
        const int n = 9;
        var random = new Random(3);
        var values = new float[n * n];
        for (int r = 0; r < n; r++)
            for (int c = 0; c < n; c++)
                values[r * n + c] = triangular && c > r ? 0 : (float)random.NextDouble() * 2 - 0.5f;
        var packed = QuantizedMatrix.Encode(values, n, n, -0.5f, 1.5f, bits, triangular);
        Assert.Equal(QuantizedMatrix.StoredCount(n, n, triangular) * bits / 8, Convert.FromBase64String(packed.Base64).Length);
        float step = 2f / (bits == 8 ? 255 : 65535);
        float[] back = packed.Decode();
        for (int i = 0; i < values.Length; i++) Assert.True(Math.Abs(values[i] - back[i]) <= step / 2 + 1e-6f, $"value {i}: {values[i]} came back as {back[i]}");
    }

    [Fact]
    public void CausalPatternsArePackedAsTriangles()
    {
        float[] causal = [1, 0, 0.25f, 0.75f];
        float[] full = [0.5f, 0.5f, 0.25f, 0.75f];
        Assert.True(AttentionPacking.Pack(causal, 0, 2, 8).Triangular);
        Assert.False(AttentionPacking.Pack(full, 0, 2, 8).Triangular);
        Assert.Equal(new[] { 1f, 0, 0.25f, 0.75f }, AttentionPacking.Pack(causal, 0, 2, 16).Decode().Select(v => MathF.Round(v, 4)));
    }

    [Fact]
    public void TheSourceReadsTheCachedPatternsExactly()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 3, length: 6, seed: 21);
        var source = new AttentionSource(cache, TestCaches.Tokens(6));
        float[] layer = source.Layer(1);   // [head, query, key]
        float[] expected = cache["pattern", 1][0].data<float>().ToArray();
        Assert.Equal(expected, layer);
        Assert.Equal(expected.Skip(2 * 36).Take(36), source.Head(1, 2));
        Assert.Equal(new[] { expected[0 * 36 + 4 * 6 + 1], expected[1 * 36 + 4 * 6 + 1], expected[2 * 36 + 4 * 6 + 1] }, source.FromTo(1, 4, 1));
        Assert.Equal(1, source.CheckLayer(-1));
    }

    [Fact]
    public void LongTextsKeepTheLastTokensAndSaySo()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 300, seed: 22, mlp: false, embed: false);
        string[] tokens = TestCaches.Tokens(300);
        var source = new AttentionSource(cache, tokens);
        Assert.Equal(new TokenWindow(44, 256, 300), source.Window);
        Assert.Equal(tokens[44..], source.Tokens);
        Assert.Contains("Showing 256 of 300 tokens (positions 44-299)", string.Join(" ", source.Notes()));
        float[] layer = source.Layer(0);
        using var expected = cache["pattern", 0][0, 1, 44 + 10, 44 + 3];
        Assert.Equal(expected.item<float>(), layer[(1 * 256 + 10) * 256 + 3]);
    }

    [Fact]
    public void ABatchShowsItsFirstPromptAndSaysSo()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 4, seed: 30, batch: 3);
        var view = Plots.AttentionPattern(cache, 0, 1, TestCaches.Tokens(4));
        Assert.Contains("a batch of 3 prompts; showing the first", view.Notes.Single());
        using var first = cache["pattern", 0][0, 1, 3, 2];
        Assert.Equal(first.item<float>(), view.Weight(3, 2));
    }

    [Fact]
    public void SummariesNameTheStrongestAttention()
    {
        // Head 0 looks at the first token; head 1 at the previous token.
        var first = new float[3, 3] { { 1, 0, 0 }, { 1, 0, 0 }, { 1, 0, 0 } };
        var previous = new float[3, 3] { { 1, 0, 0 }, { 0.9f, 0.1f, 0 }, { 0, 0.8f, 0.2f } };
        using var cache = TestCaches.FromPatterns([[first, previous]]);
        string[] tokens = ["<|endoftext|>", "The", " cat"];
        string head = Plots.HeadView(cache, tokens).ToString();
        Assert.Contains("head 0: 'The' (1) -> '<|endoftext|>' (0) 1.00", head);
        Assert.Contains("head 1: 'The' (1) -> '<|endoftext|>' (0) 0.90", head);
        string single = Plots.AttentionPattern(cache, 0, 1, tokens).ToString();
        Assert.Contains("The last token ' cat' attends most to 'The' (1): 0.800.", single);
        Assert.Contains("head 1: strongest 'The' (1) -> '<|endoftext|>' (0) 0.90", Plots.AttentionPatterns(cache, 0, tokens).ToString());
        Assert.Contains("Most self-attending head: L0H1", Plots.ModelView(cache, tokens).ToString());
    }

    [Fact]
    public void ShrinkingKeepsEachRowsTotalAttention()
    {
        // 4 positions into 2 blocks: queries averaged, keys summed.
        using var pattern = torch.tensor(new float[]
        {
            1, 0, 0, 0,
            0.5f, 0.5f, 0, 0,
            0.2f, 0.2f, 0.6f, 0,
            0.1f, 0.2f, 0.3f, 0.4f,
        }, [1, 4, 4]);
        using var shrunk = AttentionSource.Shrink(pattern, 2);
        float[] v = shrunk.data<float>().ToArray();
        Assert.Equal(1f, v[0], 5);            // queries 0-1 → keys 0-1: (1 + 1) / 2
        Assert.Equal(0f, v[1], 5);
        Assert.Equal(0.35f, v[2], 5);         // queries 2-3 → keys 0-1: (0.4 + 0.3) / 2
        Assert.Equal(0.65f, v[3], 5);         // queries 2-3 → keys 2-3: (0.6 + 0.7) / 2

        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 100, seed: 23, mlp: false, embed: false);
        float[] pooled = new AttentionSource(cache, TestCaches.Tokens(100)).LayerPooled(0, 7);   // [2, 7, 7], uneven blocks
        for (int row = 0; row < 14; row++)
            Assert.Equal(1f, pooled.Skip(row * 7).Take(7).Sum(), 4);
    }

    [Fact]
    public void ViewsCheckTheirInputsAndSayWhatIsWrong()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 3, length: 5, seed: 24);
        var mismatch = Assert.Throws<ArgumentException>(() => Plots.HeadView(cache, TestCaches.Tokens(4)));
        Assert.Contains("4 tokens were given but the cached attention covers 5 positions", mismatch.Message);
        var layer = Assert.Throws<ArgumentOutOfRangeException>(() => Plots.AttentionPatterns(cache, 2, TestCaches.Tokens(5)));
        Assert.Contains("this model has 2 layers, numbered 0 to 1", layer.Message);
        var head = Assert.Throws<ArgumentOutOfRangeException>(() => Plots.AttentionPattern(cache, 0, 3, TestCaches.Tokens(5)));
        Assert.Contains("each layer has 3 heads", head.Message);

        Assert.Contains("tokens[2] is null", Assert.Throws<ArgumentException>(() => Plots.HeadView(cache, ["a", "b", null!, "d", "e"])).Message);
        Assert.Contains("tokens[0] is null", Assert.Throws<ArgumentException>(() => Plots.ColoredTokens([null!], [1f])).Message);

        using var partial = new ActivationCache(cache.Config);
        var missing = Assert.Throws<KeyNotFoundException>(() => Plots.ModelView(partial, TestCaches.Tokens(5)));
        Assert.Contains("blocks.0.attn.hook_pattern", missing.Message);
    }

    [Fact]
    public void AttentionPatternsEmbedEveryHeadAtSixteenBitsForShortTexts()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 3, length: 7, seed: 25);
        var view = Plots.AttentionPatterns(cache, 1, TestCaches.Tokens(7));
        var data = ViewHtml.Data(view);
        Assert.Equal(3, data.GetProperty("m").GetArrayLength());
        Assert.Equal(3, data.GetProperty("digits").GetInt32());
        float[] expected = cache["pattern", 1][0].data<float>().ToArray();
        for (int h = 0; h < 3; h++)
        {
            var m = data.GetProperty("m")[h];
            Assert.True(m.GetProperty("tri").GetBoolean());
            Assert.Equal(16, m.GetProperty("bits").GetInt32());
            float[] back = ViewHtml.Decode(m);
            for (int i = 0; i < 49; i++) Assert.True(Math.Abs(expected[h * 49 + i] - back[i]) <= 1e-5f, $"head {h} value {i}: {expected[h * 49 + i]} vs {back[i]}");
            Assert.Equal(expected[h * 49 + 5 * 7 + 2], view.Weight(h, 5, 2));
        }
        Assert.Equal(TestCaches.Tokens(7).Select(t => "'" + LessonKit.Display.Html.TokenLabels.Visible(t) + "'"),
            data.GetProperty("fullTokens").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public void ModelViewShrinksBigModelsToFitThePage()
    {
        using var small = TestCaches.Random(layers: 2, heads: 2, length: 10, seed: 26);
        var full = Plots.ModelView(small, TestCaches.Tokens(10));
        Assert.True(full.IsFullResolution);
        Assert.Equal(10, full.Side);
        Assert.Empty(full.Notes);
        Assert.Equal(56, full.ThumbnailPixels);

        using var big = TestCaches.Random(layers: 24, heads: 16, length: 128, seed: 27, mlp: false, embed: false);
        var shrunk = Plots.ModelView(big, TestCaches.Tokens(128));
        Assert.False(shrunk.IsFullResolution);
        Assert.True(24L * 16 * shrunk.Side * shrunk.Side <= ViewLimits.MaxEmbeddedValues);
        Assert.True(24L * 16 * (shrunk.Side + 1) * (shrunk.Side + 1) > ViewLimits.MaxEmbeddedValues);
        Assert.Contains($"shrunk to {shrunk.Side}×{shrunk.Side} blocks", shrunk.Notes.Single());
        Assert.Equal(40, shrunk.ThumbnailPixels);
        var data = ViewHtml.Data(shrunk);
        Assert.Equal(24 * 16, data.GetProperty("data").GetArrayLength());
        Assert.Equal(shrunk.Side, data.GetProperty("data")[0].GetProperty("r").GetInt32());
    }

    [Fact]
    public void HeadViewEmbedsTheLayersThatFitAroundTheChosenOne()
    {
        using var cache = TestCaches.Random(layers: 12, heads: 12, length: 256, seed: 28, mlp: false, embed: false);
        var view = Plots.HeadView(cache, TestCaches.Tokens(256), layer: 11);
        long perLayer = 12 * QuantizedMatrix.StoredCount(256, 256, true);
        int fit = (int)(ViewLimits.MaxEmbeddedValues / perLayer);
        Assert.Equal(Enumerable.Range(12 - fit, fit), view.EmbeddedLayers);
        Assert.Contains($"Layers {12 - fit}-11 of 12 are embedded", string.Join(" ", view.Notes));
        Assert.True(view.ToHtml().Length < 2_200_000, $"{view.ToHtml().Length:N0} characters");

        using var small = TestCaches.Random(layers: 12, heads: 12, length: 20, seed: 29, mlp: false, embed: false);
        Assert.Equal(Enumerable.Range(0, 12), Plots.HeadView(small, TestCaches.Tokens(20), layer: 3).EmbeddedLayers);
    }
}
