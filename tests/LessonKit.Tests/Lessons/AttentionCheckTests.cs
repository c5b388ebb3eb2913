using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class AttentionCheckTests
{
    /// <summary>A learner's attention built from its parts, so each test can break exactly one.</summary>
    private static Func<Tensor, Tensor, Tensor, Tensor?, Tensor> Attention(
        Func<Tensor, Tensor, Tensor>? scores = null,
        Func<Tensor, Tensor?, Tensor>? mask = null,
        Func<Tensor, Tensor>? softmax = null) =>
        (q, k, v, m) =>
        {
            var s = (scores ?? ((a, b) => a.matmul(b.transpose(-2, -1)) / Math.Sqrt(a.shape[^1])))(q, k);
            s = (mask ?? ((x, mm) => mm is null ? x : x.masked_fill(mm.logical_not(), double.NegativeInfinity)))(s, m);
            return (softmax ?? (x => x.softmax(-1)))(s).matmul(v);
        };

    [Fact]
    public void The_solution_passes_on_random_inputs_and_on_the_default_model()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention());
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("hook_z in all 2 layers", result.Message);
    }

    [Fact]
    public void The_solution_passes_against_the_tiny_gpt2_checkpoint()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckScaledDotProductAttention(Attention(), model);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains($"all {model.Config.NLayers} layers", result.Message);
    }

    [Fact]
    public void Torch_built_in_attention_passes_too()
    {
        var result = Exercises.CheckScaledDotProductAttention((q, k, v, m) =>
            torch.nn.functional.scaled_dot_product_attention(q, k, v, m));
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void No_scaling_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => q.matmul(k.transpose(-2, -1))));
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("not scaled", result.Message);
        Assert.Contains("√8", result.Hint);
        Assert.Contains("out[", string.Join("\n", result.Details));
    }

    [Fact]
    public void Dividing_by_d_head_instead_of_its_root_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => q.matmul(k.transpose(-2, -1)) / q.shape[^1]));
        Assert.False(result.Passed);
        Assert.Contains("divided by d_head, not by its square root", result.Message);
    }

    [Fact]
    public void Multiplying_by_the_root_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => q.matmul(k.transpose(-2, -1)) * Math.Sqrt(q.shape[^1])));
        Assert.False(result.Passed);
        Assert.Contains("multiplied by √d_head", result.Message);
    }

    [Fact]
    public void Two_mistakes_at_once_are_both_named()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => q.matmul(k.transpose(-2, -1)), mask: (s, _) => s));
        Assert.False(result.Passed);
        Assert.Contains("2 things are off", result.Message);
        Assert.Contains("not scaled", result.Message);
        Assert.Contains("mask was not applied", result.Message);
    }

    [Fact]
    public void A_missing_mask_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(mask: (s, _) => s));
        Assert.False(result.Passed);
        Assert.Contains("mask was not applied", result.Message);
        Assert.Contains("masked_fill", result.Hint);
    }

    [Fact]
    public void An_inverted_mask_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(mask: (s, m) => m is null ? s : s.masked_fill(m, double.NegativeInfinity)));
        Assert.False(result.Passed);
        Assert.Contains("mask is inverted", result.Message);
    }

    [Fact]
    public void Masking_with_zero_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(mask: (s, m) => m is null ? s : s.masked_fill(m.logical_not(), 0)));
        Assert.False(result.Passed);
        Assert.Contains("set to 0 instead of -∞", result.Message);
    }

    [Fact]
    public void Masking_after_the_softmax_is_caught()
    {
        Func<Tensor, Tensor, Tensor, Tensor?, Tensor> learner = (q, k, v, m) =>
        {
            var pattern = (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1])).softmax(-1);
            return (m is null ? pattern : pattern.masked_fill(m.logical_not(), 0)).matmul(v);
        };
        var result = Exercises.CheckScaledDotProductAttention(learner);
        Assert.False(result.Passed);
        Assert.Contains("after the softmax", result.Message);
    }

    [Fact]
    public void Softmax_over_the_queries_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(softmax: s => s.softmax(-2)));
        Assert.False(result.Passed);
        Assert.Contains("softmax ran over the queries", result.Message);
        Assert.Contains("softmax(-1)", result.Hint);
    }

    [Fact]
    public void Softmax_over_the_heads_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(softmax: s => s.softmax(1)));
        Assert.False(result.Passed);
        Assert.Contains("over the heads axis", result.Message);
    }

    [Fact]
    public void No_softmax_is_caught()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(
            mask: (s, m) => m is null ? s : s.masked_fill(m.logical_not(), 0), softmax: s => s));
        Assert.False(result.Passed);
        Assert.Contains("no softmax", result.Message);
    }

    [Fact]
    public void Returning_the_pattern_is_a_shape_error_with_a_hint()
    {
        Func<Tensor, Tensor, Tensor, Tensor?, Tensor> learner = (q, k, v, m) =>
            (q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1])).masked_fill(m!.logical_not(), double.NegativeInfinity).softmax(-1);
        var result = Exercises.CheckScaledDotProductAttention(learner);
        Assert.False(result.Passed);
        Assert.Contains("returned shape [2, 3, 5, 5], expected [2, 3, 5, 8]", result.Message);
        Assert.Contains("attention pattern", result.Hint);
    }

    [Fact]
    public void Einsum_letters_that_do_not_fit_are_explained()
    {
        // k's axes named as if it were already transposed: d (8 in q) meets 5 in k. (TorchSharp 0.107's matmul ends the
        // process on such a mismatch instead of throwing, so the lessons write products with einsum.)
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => torch.einsum("bhqd,bhdk->bhqk", q, k)));
        Assert.False(result.Passed);
        Assert.Contains("threw", result.Message);
        Assert.Contains("bhqd,bhkd->bhqk", result.Hint);
    }

    [Fact]
    public void A_batched_product_with_k_not_transposed_is_explained()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) =>
            q.reshape(-1, q.shape[^2], q.shape[^1]).bmm(k.reshape(-1, k.shape[^2], k.shape[^1])).reshape(q.shape[0], q.shape[1], q.shape[2], k.shape[2])));
        Assert.False(result.Passed);
        Assert.Contains("k.transpose(-2, -1)", result.Hint);
    }

    [Fact]
    public void A_function_that_cannot_take_a_null_mask_is_told_so()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(mask: (s, m) => s.masked_fill(m!.logical_not(), double.NegativeInfinity)));
        Assert.False(result.Passed);
        Assert.Contains("(q, k, v, null) threw NullReferenceException", result.Message);
        Assert.Contains("mask may be null", result.Hint);
    }

    [Fact]
    public void A_function_that_always_masks_is_told_to_use_the_mask_it_gets()
    {
        var result = Exercises.CheckScaledDotProductAttention(Attention(mask: (s, _) =>
            s.masked_fill(torch.ones(s.shape[^2], s.shape[^1], dtype: ScalarType.Bool).tril().logical_not(), double.NegativeInfinity)));
        Assert.False(result.Passed);
        Assert.Contains("with mask = null", result.Message);
    }

    [Fact]
    public void A_hard_coded_d_head_passes_the_random_inputs_but_not_the_model()
    {
        // Right for the random inputs (d_head 8) only: a model with d_head 16 shows the model stage catching it.
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 32, NCtx = 32 }, seed: 3);
        var result = Exercises.CheckScaledDotProductAttention(Attention(scores: (q, k) => q.matmul(k.transpose(-2, -1)) / Math.Sqrt(8)), model);
        Assert.False(result.Passed);
        Assert.Contains("correct on the random inputs, but on layer 0", result.Message);
    }

    [Fact]
    public void The_starting_code_is_not_done_yet()
    {
        var result = Exercises.CheckScaledDotProductAttention((_, _, _, _) => throw new NotImplementedException("Write it"));
        Assert.Equal(CheckOutcome.NotDone, result.Outcome);
    }
}

public class AttentionVariantTests
{
    [Fact]
    public void The_variant_without_mistakes_is_the_reference()
    {
        var (q, k, v, mask) = Exercises.AttentionInputs();
        var right = new AttentionVariant(default, default, default);
        Assert.Equal(0, right.MistakeCount);
        Assert.True(TensorComparison.Close(right.Compute(q, k, v, mask), AttentionReference.Attention(q, k, v, mask)));
        Assert.DoesNotContain(AttentionReference.AttentionMistakes(), m => m.MistakeCount == 0);
    }

    [Fact]
    public void Every_mistake_changes_the_output_on_the_checker_inputs_so_none_can_pass()
    {
        var (q, k, v, mask) = Exercises.AttentionInputs();
        var reference = AttentionReference.Attention(q, k, v, mask);
        var variants = AttentionReference.AttentionMistakes().ToArray();
        Assert.Equal(4 * 5 * 4 - 1, variants.Length);
        Assert.All(variants, variant => Assert.False(TensorComparison.Close(variant.Compute(q, k, v, mask), reference), variant.ToString()));
    }

    [Fact]
    public void Single_mistakes_come_before_combinations()
    {
        var counts = AttentionReference.AttentionMistakes().Select(m => m.MistakeCount).ToArray();
        Assert.Equal(counts.Order(), counts);
    }
}
