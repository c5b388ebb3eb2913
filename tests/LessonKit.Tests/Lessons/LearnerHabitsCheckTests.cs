using LessonKit.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// Habits of learners' code that are not mistakes in the exercise but used to confuse the checkers: changing the
/// inputs in place, and returning a tensor that a <c>using</c> or a dispose scope has already freed.
/// </summary>
public class LearnerHabitsCheckTests
{
    private const string DisposedMessage = "your function returned a tensor that was already disposed";

    /// <summary>Right, but scales q and inverts the mask in place, as <c>q.div_</c> and <c>mask.logical_not_()</c> do.</summary>
    private static Tensor AttentionChangingItsInputs(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        q.div_(Math.Sqrt(q.shape[^1]));                                                // the caller's q is now scaled
        var scores = torch.einsum("bhqd,bhkd->bhqk", q, k);
        if (mask is not null) scores.masked_fill_(mask.logical_not_(), double.NegativeInfinity);   // the caller's mask is now inverted
        return torch.einsum("bhqk,bhkd->bhqd", scores.softmax(-1), v);
    }

    [Fact]
    public void Attention_that_changes_its_inputs_in_place_but_returns_the_right_values_passes()
    {
        var result = Exercises.CheckScaledDotProductAttention(AttentionChangingItsInputs);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Attention_that_changes_its_inputs_in_place_is_still_judged_on_its_mistakes()
    {
        // Unscaled, and it inverts the mask it is given in place before using it the right way round.
        var result = Exercises.CheckScaledDotProductAttention((q, k, v, mask) =>
        {
            var scores = torch.einsum("bhqd,bhkd->bhqk", q, k);
            if (mask is not null) scores.masked_fill_(mask.logical_not_(), double.NegativeInfinity);
            return torch.einsum("bhqk,bhkd->bhqd", scores.softmax(-1), v);
        });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("the scores were not scaled", result.Message);
        Assert.DoesNotContain("things are off", result.Message);     // only the scale: the mask it inverted was a copy
        Assert.DoesNotContain("inverted", result.Message);
    }

    [Fact]
    public void Head_splitting_that_scribbles_on_its_input_after_copying_passes()
    {
        var result = Exercises.CheckSplitHeads((x, heads) =>
        {
            var split = x.reshape(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2).contiguous();
            x.fill_(float.NaN);                                          // uses its input as scratch space afterwards
            return split;
        });
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Head_splitting_that_changes_its_input_is_still_judged_on_its_mistakes()
    {
        var result = Exercises.CheckSplitHeads((x, heads) =>
        {
            var split = x.reshape(x.shape[0], heads, x.shape[1], x.shape[2] / heads).clone();
            x.zero_();
            return split;
        });
        Assert.False(result.Passed);
        Assert.Contains("positions and heads got mixed", result.Message);
    }

    [Fact]
    public void An_attention_result_freed_by_its_own_dispose_scope_is_named()
    {
        var result = Exercises.CheckScaledDotProductAttention((q, k, v, mask) =>
        {
            using var scope = torch.NewDisposeScope();                 // frees everything made inside, the result included
            var scores = torch.einsum("bhqd,bhkd->bhqk", q, k) / Math.Sqrt(q.shape[^1]);
            if (mask is not null) scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
            return torch.einsum("bhqk,bhkd->bhqd", scores.softmax(-1), v);
        });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(DisposedMessage, result.Message);
        Assert.Contains("MoveToOuterDisposeScope", result.Hint);
        Assert.DoesNotContain("empty handle", result.ToString());
    }

    [Fact]
    public void A_mask_returned_from_a_using_declaration_is_named()
    {
        var result = Exercises.CheckCausalMask(n =>
        {
            using var mask = torch.ones(n, n, dtype: ScalarType.Bool).tril();
            return mask;                                                 // disposed as the function returns
        });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(DisposedMessage, result.Message);
        Assert.Contains("CausalMask(4)", result.Message);
        Assert.Contains("`using`", result.Hint);
    }

    [Fact]
    public void A_disposed_split_is_named()
    {
        var result = Exercises.CheckSplitHeads((x, heads) =>
        {
            var split = x.reshape(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);
            split.Dispose();
            return split;
        });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(DisposedMessage, result.Message);
    }
}
