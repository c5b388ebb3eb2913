using LessonKit.Lessons;
using LessonKit.Model;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

/// <summary>One meaning of the causal mask everywhere: true where the query may attend to the key.</summary>
public sealed class CausalMaskTests(TinyModelFixture tiny) : IClassFixture<TinyModelFixture>
{
    [Fact]
    public void The_mask_is_true_where_the_key_is_the_query_or_comes_before_it()
    {
        using var mask = CausalMask.Make(4);
        Assert.Equal(ScalarType.Bool, mask.dtype);
        for (int query = 0; query < 4; query++)
            for (int key = 0; key < 4; key++)
                Assert.Equal(key <= query, mask[query, key].ToBoolean());
    }

    [Fact]
    public void The_exercises_judge_by_the_model_s_mask()
    {
        using var model = CausalMask.Make(7);
        using var reference = AttentionReference.CausalMask(7);
        Assert.True(model.eq(reference).all().ToBoolean());
        Assert.True(Exercises.CheckCausalMask(n => CausalMask.Make(n)).Passed);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_model_hides_exactly_the_keys_the_mask_forbids(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        using var tokens = TinyGpt2.ReferenceTokens();
        var (logits, cache) = tiny.Model.RunWithCache(tokens, ["blocks.0.attn.hook_attn_scores", "blocks.1.attn.hook_attn_scores"]);
        using (logits) using (cache)
        using (var forbidden = CausalMask.Make(tokens.shape[1]).logical_not())
        {
            foreach (var scores in cache.Values) // [batch, head, query, key]
                Assert.True(scores.isneginf().eq(forbidden).all().ToBoolean(), "-∞ scores are not exactly where the mask is false");
        }
    }
}
