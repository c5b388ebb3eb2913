using LessonKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>Attention views of a cache that holds only some layers' patterns (a names filter on RunWithCache).</summary>
public class FilteredCacheTests
{
    private static readonly string[] Words = TestCaches.Words;

    [Fact]
    public void ViewsOfOneLayerNeedOnlyThatLayersPattern()
    {
        // QA: with only blocks.1's pattern cached, these threw KeyNotFoundException for blocks.0.
        using var model = TestCaches.TinyModel();
        using var tokens = TestCaches.TinyTokens();
        var (logits, cache) = model.RunWithCache(tokens, n => n == "blocks.1.attn.hook_pattern");
        using var _ = logits;
        using var __ = cache;

        var patterns = Plots.AttentionPatterns(cache, 1, Words);
        Assert.Equal(cache["pattern", 1][0, 1, 4, 2].item<float>(), patterns.Weight(1, 4, 2));
        Assert.Equal(1, Plots.AttentionPattern(cache, 1, 1, Words).Layer);
        Assert.Equal(1, Plots.AttentionPattern(cache, -2, 0, Words).Layer);

        var head = Plots.HeadView(cache, Words, layer: 1);
        Assert.Equal([1], head.EmbeddedLayers);
        Assert.Contains(head.Notes, n => n.Contains("no attention pattern for layers 0, 2") && n.Contains("EndsWith(\"hook_pattern\")"));
        Assert.Equal([0, 2], ViewHtml.Data(head).GetProperty("missing").EnumerateArray().Select(e => e.GetInt32()));

        // A layer that is not cached is named, with the filter that caches it.
        var other = Assert.Throws<KeyNotFoundException>(() => Plots.AttentionPatterns(cache, 2, Words));
        Assert.Contains("layer 2 (blocks.2.attn.hook_pattern) is not in the cache (it has layer 1)", other.Message);
        Assert.Contains("name => name == \"blocks.2.attn.hook_pattern\"", other.Message);
        Assert.Contains("not in the cache", Assert.Throws<KeyNotFoundException>(() => Plots.HeadView(cache, Words, layer: 0)).Message);

        // Views of every layer say which layers are missing and how to cache them.
        foreach (var (make, what) in new (Func<View>, string)[]
                 {
                     (() => Plots.ModelView(cache, Words), "The model view shows every layer"),
                     (() => Plots.HeadFinder(cache, Words, 5, 1), "The head finder ranks the heads of every layer"),
                 })
        {
            var e = Assert.Throws<KeyNotFoundException>(make);
            Assert.StartsWith(what + ", but the attention patterns of layers 0, 2 (blocks.0.attn.hook_pattern, ...) are not in the cache (it has layer 1).", e.Message);
            Assert.Contains("model.RunWithCache(tokens, name => name.EndsWith(\"hook_pattern\"))", e.Message);
        }
        string pipeline = Plots.Pipeline(cache, Words, [1, 5, 9, 2, 7, 3], logits, id => $"#{id}").ToHtml();
        Assert.Contains("Not available: The attention stage shows every layer, but the attention patterns of layers 0, 2", pipeline);

        using var empty = new ActivationCache(cache.Config);
        Assert.StartsWith("The attention pattern of layer 1 (blocks.1.attn.hook_pattern) is not in the cache (it has no layer's pattern).",
            Assert.Throws<KeyNotFoundException>(() => Plots.AttentionPatterns(empty, 1, Words)).Message);
        Assert.Contains("layers 0-2 (blocks.0.attn.hook_pattern, ...) are not in the cache (it has no layer's pattern)",
            Assert.Throws<KeyNotFoundException>(() => Plots.ModelView(empty, Words)).Message);
    }
}
