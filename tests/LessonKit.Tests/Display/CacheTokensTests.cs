using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>A cache keeps the tokens it was made from, so every view of it works from the cache alone.</summary>
public class CacheTokensTests : IClassFixture<TinyModelFixture>
{
    private const string Text = "The cat sat on the mat because it was tired.";
    private readonly HookedGpt2 _model;

    public CacheTokensTests(TinyModelFixture tiny) => _model = tiny.Model;

    [Fact]
    public void A_cache_made_from_a_tensor_knows_its_ids_and_their_text()
    {
        using var tokens = _model.ToTokens(Text);
        var (logits, cache) = _model.RunWithCache(tokens);
        using var _ = logits;
        using var __ = cache;
        Assert.True(cache.HasTokens);
        Assert.Equal(1, cache.BatchSize);
        Assert.Equal(tokens[0].data<long>().Select(id => (int)id).ToArray(), cache.TokenIds);
        Assert.Equal(_model.ToStrTokens(Text), cache.StrTokens);
        Assert.Equal("<|endoftext|>", cache.StrTokens[0]);
        Assert.Equal(" cat", cache.StrTokens[2]);
    }

    [Fact]
    public void A_cache_made_from_a_string_or_a_one_dimensional_tensor_knows_them_too()
    {
        var (logits, cache) = _model.RunWithCache(Text);
        using var _ = logits;
        using var __ = cache;
        Assert.Equal(_model.ToStrTokens(Text), cache.StrTokens);
        using var expected = _model.Forward(Text);
        Assert.True(TensorAssert.Identical(expected, logits));

        using var flat = torch.tensor(new long[] { 464, 3797, 3332 });   // [pos]: "The cat sat" without <|endoftext|>
        var (flatLogits, flatCache) = _model.RunWithCache(flat, name => name.EndsWith("hook_pattern"));
        using var ___ = flatLogits;
        using var ____ = flatCache;
        Assert.Equal([464, 3797, 3332], flatCache.TokenIds);
        Assert.Equal(["The", " cat", " sat"], flatCache.StrTokens);
    }

    [Fact]
    public void Every_attention_view_takes_the_cache_alone_and_shows_what_it_shows_with_the_tokens()
    {
        var (logits, cache) = _model.RunWithCache(Text);
        using var _ = logits;
        using var __ = cache;
        string[] tokens = _model.ToStrTokens(Text);

        Assert.Equal(Plots.HeadView(cache, tokens, 1).ToString(), Plots.HeadView(cache, 1).ToString());
        Assert.Equal(tokens, Plots.HeadView(cache).Tokens);
        Assert.Equal(Plots.ModelView(cache, tokens).ToString(), Plots.ModelView(cache).ToString());
        Assert.Equal(Plots.AttentionPatterns(cache, 1, tokens).ToString(), Plots.AttentionPatterns(cache, 1).ToString());
        var pattern = Plots.AttentionPattern(cache, 0, 2);
        Assert.Equal(tokens, pattern.Tokens);
        Assert.Equal(Plots.AttentionPattern(cache, 0, 2, tokens).Weight(8, 2), pattern.Weight(8, 2));

        var found = Plots.HeadFinder(cache, "it", "cat");
        Assert.Equal((8, 2), (found.FromPosition, found.ToPosition));   // " it" at 8 looks back at " cat" at 2
        Assert.Equal(Plots.HeadFinder(cache, tokens, "it", "cat").Ranking, found.Ranking);
        Assert.Equal(Plots.HeadFinder(cache, tokens, 8, 2).Ranking, Plots.HeadFinder(cache, 8, 2).Ranking);
    }

    [Fact]
    public void The_pipeline_takes_the_cache_and_the_logits_alone()
    {
        var (logits, cache) = _model.RunWithCache(Text);
        using var _ = logits;
        using var __ = cache;
        var alone = Plots.Pipeline(cache, logits);
        var given = Plots.Pipeline(cache, _model.ToStrTokens(Text), cache.TokenIds, logits, id => _model.Tokenizer.Decode([id]));
        Assert.Equal(given.Candidates, alone.Candidates);
        Assert.Equal(given.Predictions, alone.Predictions);
        Assert.Equal(given.ToString(), alone.ToString());
        Assert.Equal(" cat", alone.Predictions[1].Actual!.Text);   // the token after "The", named by the model's tokenizer
    }

    [Fact]
    public void A_batch_cache_names_each_sequence_and_its_views_show_the_first()
    {
        using var batch = torch.tensor(new long[] { 464, 3797, 3332, 464, 3290, 1650 }, [2, 3]);   // two sequences of three tokens
        var (logits, cache) = _model.RunWithCache(batch);
        using var _ = logits;
        using var __ = cache;
        Assert.Equal(2, cache.BatchSize);
        Assert.Equal(["The", " cat", " sat"], cache.StrTokensOf(0));
        Assert.Equal([464, 3290, 1650], cache.TokenIdsOf(1));
        Assert.Equal(_model.ToStrTokens(batch[1]), cache.StrTokensOf(1));

        var one = Assert.Throws<InvalidOperationException>(() => cache.StrTokens);
        Assert.Contains("a batch of 2 sequences", one.Message);
        Assert.Contains("cache.StrTokensOf(i)", one.Message);
        Assert.Contains("cache.TokenIdsOf(i)", Assert.Throws<InvalidOperationException>(() => cache.TokenIds).Message);
        var outside = Assert.Throws<ArgumentOutOfRangeException>(() => cache.StrTokensOf(2));
        Assert.Contains("a batch of 2, numbered 0 to 1", outside.Message);

        var view = Plots.AttentionPattern(cache, 0, 0);
        Assert.Equal(cache.StrTokensOf(0), view.Tokens);
        Assert.Contains("a batch of 2 prompts; showing the first", view.Notes.Single());
        using var first = cache["pattern", 0][0, 0, 2, 1];
        Assert.Equal(first.item<float>(), view.Weight(2, 1));
    }

    [Fact]
    public void Tokens_that_disagree_in_length_with_the_cache_are_an_error_naming_both_lengths()
    {
        var (logits, cache) = _model.RunWithCache(Text);
        using var _ = logits;
        using var __ = cache;
        string[] shorter = _model.ToStrTokens(Text, prependBos: false);   // 11: the <|endoftext|> left out
        foreach (Action call in new Action[]
                 {
                     () => Plots.HeadView(cache, shorter), () => Plots.ModelView(cache, shorter), () => Plots.AttentionPatterns(cache, 0, shorter),
                     () => Plots.AttentionPattern(cache, 0, 0, shorter), () => Plots.HeadFinder(cache, shorter, 5, 1),
                     () => Plots.Pipeline(cache, shorter, new int[shorter.Length], logits, id => ""),
                 })
        {
            var error = Assert.Throws<ArgumentException>(call);
            Assert.Contains("11 tokens were given, but this cache was made from 12 tokens", error.Message);
            Assert.Contains("leave them out", error.Message);
            Assert.Equal("tokens", error.ParamName);
        }
    }

    [Fact]
    public void A_cache_that_does_not_know_its_tokens_says_to_pass_them()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 4, seed: 5);
        Assert.False(cache.HasTokens);
        Assert.Equal(0, cache.BatchSize);
        Assert.Contains("does not know the tokens", Assert.Throws<InvalidOperationException>(() => cache.StrTokens).Message);
        var error = Assert.Throws<InvalidOperationException>(() => Plots.HeadView(cache));
        Assert.Contains("pass them: Plots.HeadView(cache, model.ToStrTokens(text))", error.Message);
        Assert.Contains("Plots.AttentionPattern(cache, layer, head, model.ToStrTokens(text))",
            Assert.Throws<InvalidOperationException>(() => Plots.AttentionPattern(cache, 0, 0)).Message);
        Assert.Equal(4, Plots.HeadView(cache, TestCaches.Tokens(4)).Tokens.Count);   // the overloads with tokens still work
    }

    [Fact]
    public void A_disposed_cache_says_so_when_asked_for_its_tokens()
    {
        var (logits, cache) = _model.RunWithCache(Text);
        logits.Dispose();
        cache.Dispose();
        Assert.Throws<ObjectDisposedException>(() => cache.StrTokens);
        Assert.Throws<ObjectDisposedException>(() => Plots.HeadView(cache));
    }
}
