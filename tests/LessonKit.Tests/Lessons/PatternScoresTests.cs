using LessonKit.Lessons;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public sealed class PatternScoresTests
{
    private const int L = 3;   // each copy: 3 tokens

    /// <summary>
    /// A cache of one layer with three heads over a start token and two copies (positions 0 | 1 2 3 | 4 5 6) when
    /// <paramref name="start"/> is 1, or over the two copies alone (0 1 2 | 3 4 5) when it is 0. Every row is a
    /// one-hot or a split of 1, so the scores below are exact:
    /// head 0, a perfect induction head: each query of the second copy puts all its weight on key q − L + 1, every
    ///   other query on key 0;
    /// head 1, a partial one: the second copy's queries put 1, 1/2 and 0 on key q − L + 1 (the rest on key 0);
    ///   in the batch's second sequence, 0 everywhere;
    /// head 2, a previous-token head: every query from 1 on puts all its weight on q − 1.
    /// </summary>
    private static ActivationCache HandBuiltCache(int start)
    {
        int length = start + 2 * L, secondCopy = start + L;
        var pattern = new float[2, 3, length, length];   // [batch, head, query, key]
        for (int b = 0; b < 2; b++)
        {
            for (int q = 0; q < length; q++)
            {
                bool inSecondCopy = q >= secondCopy;
                if (inSecondCopy) pattern[b, 0, q, q - L + 1] = 1; else pattern[b, 0, q, 0] = 1;

                float onStripe = !inSecondCopy || b == 1 ? 0 : new[] { 1f, 0.5f, 0f }[q - secondCopy];
                if (inSecondCopy) pattern[b, 1, q, q - L + 1] += onStripe;
                pattern[b, 1, q, 0] += 1 - onStripe;

                pattern[b, 2, q, Math.Max(q - 1, 0)] = 1;
            }
        }
        var cache = new ActivationCache(new Gpt2Config { NLayers = 1, NHeads = 3, DModel = 12, NCtx = 16, DVocab = 16 });
        cache.Add("blocks.0.attn.hook_pattern", torch.tensor(pattern));
        return cache;
    }

    [Theory]
    [InlineData(1)]   // with <|endoftext|> first: the copies start at 1 and 4
    [InlineData(0)]   // without: at 0 and 3
    public void The_induction_score_averages_the_weight_on_the_token_after_the_earlier_occurrence(int start)
    {
        using var cache = HandBuiltCache(start);

        using var scores = PatternScores.Induction(cache, L);

        Assert.Equal([1L, 3L], scores.shape);
        Assert.Equal(1.0f, scores[0, 0].ToSingle());           // every query of the second copy, all on the stripe
        Assert.Equal(0.25f, scores[0, 1].ToSingle());          // (1 + 1/2 + 0) / 3 in one sequence, 0 in the other
        Assert.Equal(0.0f, scores[0, 2].ToSingle());           // a previous-token head is not an induction head
    }

    [Fact]
    public void The_previous_token_score_averages_the_weight_on_the_token_just_before()
    {
        using var cache = HandBuiltCache(start: 1);

        using var scores = PatternScores.PreviousToken(cache);

        Assert.Equal(1.0f, scores[0, 2].ToSingle());
        // Head 0: only query 1 looks at key 0 = q − 1 (queries 2 and 3 look at key 0 too, queries 4 … 6 at q − 2): 1 of 6.
        Assert.Equal(1.0 / 6, scores[0, 0].ToDouble(), 6);
    }

    [Fact]
    public void On_a_model_the_scores_are_the_mean_of_the_stripe_read_position_by_position()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 2, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 40 }, seed: 4);
        using var data = new RepeatedTokens(vocabulary: 39, repeatLength: 5, seed: 1, startToken: 39);
        using var tokens = data.Next(3);                                  // [3, 11]
        var (logits, cache) = model.RunWithCache(tokens);
        using var _ = logits;
        using (cache)
        {
            using var induction = PatternScores.Induction(cache, 5);
            using var previous = PatternScores.PreviousToken(cache);
            for (int l = 0; l < 2; l++)
            {
                for (int h = 0; h < 2; h++)
                {
                    var pattern = cache["pattern", l].to(ScalarType.Float64);   // [batch, head, query, key]
                    double stripe = 0, justBefore = 0;
                    for (int b = 0; b < 3; b++)
                    {
                        for (int q = 6; q <= 10; q++) stripe += pattern[b, h, q, q - 4].ToDouble();   // second copy: 6 … 10
                        for (int q = 1; q <= 10; q++) justBefore += pattern[b, h, q, q - 1].ToDouble();
                    }
                    Assert.Equal(stripe / 15, induction[l, h].ToDouble(), 6);
                    Assert.Equal(justBefore / 30, previous[l, h].ToDouble(), 6);
                }
            }
        }
    }

    [Theory]
    [InlineData(4, "fewer than two copies of 4")]
    [InlineData(1, "at least 2 tokens")]
    public void A_repeat_length_that_does_not_fit_the_text_is_an_error_that_says_so(int repeatLength, string message)
    {
        using var cache = HandBuiltCache(start: 1);   // 7 tokens
        var error = Assert.ThrowsAny<ArgumentException>(() => PatternScores.Induction(cache, repeatLength));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_cache_without_the_patterns_is_an_error_that_names_what_is_missing()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 16, DVocab = 20 }, seed: 0);
        var (logits, cache) = model.RunWithCache(torch.tensor(new long[] { 1, 2, 3, 1, 2, 3 }, [1, 6]), name => name.EndsWith("hook_q"));
        using var _ = logits;
        using (cache)
        {
            var error = Assert.Throws<KeyNotFoundException>(() => PatternScores.Induction(cache, 3));
            Assert.Contains("blocks.0.attn.hook_pattern", error.Message);
        }
    }
}
