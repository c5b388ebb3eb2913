using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The LayerNorm check of Lesson 2.1: each usual mistake is written as a learner would write it in TorchSharp, and the
/// check must name it; the folded solution passes on the tiny checkpoint (see also <see cref="LayerNormGpt2SmallTests"/>).
/// </summary>
public sealed class LayerNormCheckTests : IDisposable
{
    private readonly HookedGpt2 _tiny = TinyGpt2.Load();

    public void Dispose() => _tiny.Dispose();

    /// <summary>The folded solution of the lesson.</summary>
    internal static Tensor Solution(Tensor x, Tensor weight, Tensor bias)
    {
        var mean = x.mean([-1], keepdim: true);                       // μ: [batch, pos, 1]
        var variance = (x - mean).pow(2).mean([-1], keepdim: true);   // σ², divided by d_model
        return (x - mean) / (variance + 1e-5).sqrt() * weight + bias;
    }

    /// <summary>The usual code with one part swapped out: the mean, the variance, the division and the scale and shift.</summary>
    private static Func<Tensor, Tensor, Tensor, Tensor> Learner(
        Func<Tensor, Tensor>? mean = null, Func<Tensor, Tensor, Tensor>? variance = null,
        Func<Tensor, Tensor, Tensor, Tensor>? divide = null, Func<Tensor, Tensor, Tensor, Tensor>? affine = null) =>
        (x, weight, bias) =>
        {
            var mu = (mean ?? (t => t.mean([-1], keepdim: true)))(x);
            var sigma2 = (variance ?? ((t, m) => (t - m).pow(2).mean([-1], keepdim: true)))(x, mu);
            var normalized = (divide ?? ((t, m, v) => (t - m) / (v + 1e-5).sqrt()))(x, mu, sigma2);
            return (affine ?? ((n, w, b) => n * w + b))(normalized, weight, bias);
        };

    private CheckResult Check(Func<Tensor, Tensor, Tensor, Tensor> layerNorm) => Exercises.CheckLayerNorm(layerNorm, _tiny);

    private static void AssertNamed(CheckResult result, string inMessage, string? inHint = null)
    {
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(inMessage, result.Message, StringComparison.OrdinalIgnoreCase);
        if (inHint is not null) Assert.Contains(inHint, result.Hint, StringComparison.Ordinal);
    }

    [Fact]
    public void The_folded_solution_passes_on_the_tiny_checkpoint()
    {
        var result = Check(Solution);
        Assert.True(result.Passed, result.ToString());
        Assert.Equal("✔ GPT-2's LayerNorm: correct on the test input (one row with a variance below ε) and equal to every LayerNorm of " +
                     "tiny-gpt2 (2 layers × 4 heads): ln1 and ln2 of its 2 blocks and ln_final.", result.ToString());
    }

    [Fact]
    public void Other_right_answers_pass_too()
    {
        // The biased variance asked of torch, and torch's own layer_norm.
        Assert.True(Check(Learner(variance: (x, _) => x.var([-1], unbiased: false, keepdim: true))).Passed);
        Assert.True(Check((x, w, b) => nn.functional.layer_norm(x, [x.shape[^1]], w, b, 1e-5)).Passed);
        // Computed in float64, and without a model (the shared small one).
        Assert.True(Check((x, w, b) => Solution(x.to_type(ScalarType.Float64), w.to_type(ScalarType.Float64), b.to_type(ScalarType.Float64)).to_type(ScalarType.Float32)).Passed);
        Assert.True(Exercises.CheckLayerNorm(Solution).Passed);
    }

    [Fact]
    public void The_reference_is_torch_s_layer_norm()
    {
        var (x, weight, bias) = Exercises.LayerNormProbe();
        var reference = LayerNormReference.Compute(x, weight, bias, 1e-5);
        var torchs = nn.functional.layer_norm(x, [8], weight, bias, 1e-5).to_type(ScalarType.Float64);
        Assert.True((reference - torchs).abs().max().ToDouble() < 1e-5);
    }

    [Fact]
    public void The_unbiased_variance_is_named()
    {
        // TorchSharp's var divides by N − 1 by default.
        AssertNamed(Check(Learner(variance: (x, _) => x.var([-1], keepdim: true))), "divided by d_model − 1 (the unbiased variance)", "unbiased: false");
    }

    [Fact]
    public void Eps_outside_the_root_is_named()
    {
        AssertNamed(Check(Learner(divide: (x, m, v) => (x - m) / (v.sqrt() + 1e-5))), "ε is added outside the square root", "(variance + 1e-5).sqrt()");
    }

    [Fact]
    public void A_missing_eps_is_named()
    {
        AssertNamed(Check(Learner(divide: (x, m, v) => (x - m) / v.sqrt())), "ε is missing");
    }

    [Fact]
    public void A_missing_square_root_is_named()
    {
        AssertNamed(Check(Learner(divide: (x, m, v) => (x - m) / (v + 1e-5))), "the square root is missing");
    }

    [Fact]
    public void A_mean_not_subtracted_is_named()
    {
        AssertNamed(Check(Learner(divide: (x, _, v) => x / (v + 1e-5).sqrt())), "the mean is not subtracted", "keepdim: true");
    }

    [Fact]
    public void RMSNorm_is_named()
    {
        AssertNamed(Check(Learner(variance: (x, _) => x.pow(2).mean([-1], keepdim: true), divide: (x, _, v) => x / (v + 1e-5).sqrt())),
            "RMSNorm (Llama's), not GPT-2's LayerNorm");
    }

    [Theory]
    [InlineData(1, "over the positions (dim 1)")]
    [InlineData(0, "over the batch (dim 0)")]
    public void Normalizing_over_the_wrong_axis_is_named(long axis, string named)
    {
        AssertNamed(Check(Learner(mean: x => x.mean([axis], keepdim: true), variance: (x, m) => (x - m).pow(2).mean([axis], keepdim: true))), named, "dim -1");
    }

    [Fact]
    public void One_mean_for_the_whole_tensor_is_named()
    {
        AssertNamed(Check(Learner(mean: x => x.mean(), variance: (x, m) => (x - m).pow(2).mean())), "one mean and one variance for the whole tensor");
    }

    [Fact]
    public void The_scale_and_shift_missing_swapped_or_out_of_order_are_named()
    {
        AssertNamed(Check(Learner(affine: (n, _, b) => n + b)), "the scale γ (weight) is missing");
        AssertNamed(Check(Learner(affine: (n, w, _) => n * w)), "the shift β (bias) is missing");
        AssertNamed(Check(Learner(affine: (n, w, b) => n * b + w)), "the scale and the shift are swapped", "x̂ · weight + bias");
        AssertNamed(Check(Learner(affine: (n, w, b) => (n + b) * w)), "the shift is added before the scale");
        var neither = Check(Learner(affine: (n, _, _) => n));
        AssertNamed(neither, "2 things are off");
        Assert.Contains("the scale γ (weight) is missing", neither.Message);
        Assert.Contains("the shift β (bias) is missing", neither.Message);
    }

    [Fact]
    public void Two_mistakes_at_once_are_both_named()
    {
        // x.std is unbiased by default, and ε is then outside the root.
        var result = Check(Learner(divide: (x, m, _) => (x - m) / (x.std([-1], keepdim: true) + 1e-5)));
        AssertNamed(result, "2 things are off");
        Assert.Contains("the unbiased variance", result.Message);
        Assert.Contains("ε is added outside the square root", result.Message);
        Assert.Contains("unbiased: false", result.Hint);
    }

    [Fact]
    public void Every_listed_mistake_computes_something_of_its_own_on_the_test_input()
    {
        // Otherwise two mistakes would be indistinguishable and the check could name the wrong one.
        var (x, weight, bias) = Exercises.LayerNormProbe();
        var seen = new List<(LayerNormMistake Mistake, Tensor Values)>();
        foreach (var mistake in LayerNormReference.Mistakes.Prepend(LayerNormMistake.None))
        {
            var values = LayerNormReference.Compute(x, weight, bias, 1e-5, mistake);
            foreach (var (other, otherValues) in seen)
                Assert.False((values - otherValues).abs().max().ToDouble() < 0.01, $"{mistake} computes the same as {other}");
            seen.Add((mistake, values));
        }
        Assert.True(seen.Count > 60, $"{seen.Count} variants");
    }

    [Fact]
    public void A_mean_without_keepdim_gets_a_hint_about_keepdim()
    {
        var result = Check(Learner(mean: x => x.mean([-1])));
        AssertNamed(result, "threw");
        Assert.Contains("keepdim: true", result.Hint);
    }

    [Fact]
    public void Wrong_shapes_and_types_are_named()
    {
        AssertNamed(Check((x, _, _) => x.mean([-1])), "has shape [2, 3], expected [2, 3, 8]", "one number per position");
        AssertNamed(Check((x, _, _) => x.mean([-1], keepdim: true)), "has shape [2, 3, 1]", "one number per position");
        AssertNamed(Check((x, w, b) => Solution(x, w, b)[0, 0]), "has shape [8]", "keep x's shape");
        AssertNamed(Check((x, _, _) => torch.zeros(x.shape, dtype: ScalarType.Int64)), "holds Int64 values");
        AssertNamed(Check((x, _, _) => x / 0), "infinite values");
        AssertNamed(Check(Learner(divide: (x, m, v) => (x - m) / (v - 1).sqrt())), "NaN");
    }

    [Fact]
    public void Sizes_fixed_to_the_test_input_fail_on_the_model()
    {
        // Right for d_model 8 only: the variance divided by a fixed 8.
        var result = Check(Learner(variance: (x, m) => (x - m).pow(2).sum([-1], keepdim: true) / 8));
        AssertNamed(result, "right on the test input, but on ln1 of block 0 of tiny-gpt2", "Use only what your function is given");
        Assert.Contains("out[0, 0, :]", string.Join("\n", result.Details));
    }

    [Fact]
    public void Starting_code_is_not_done_and_exceptions_and_null_are_reported()
    {
        var notDone = Check((_, _, _) => throw new NotImplementedException("Write LayerNorm, then run the check below."));
        Assert.Equal(CheckOutcome.NotDone, notDone.Outcome);
        Assert.StartsWith("○ GPT-2's LayerNorm: not done yet", notDone.ToString());
        AssertNamed(Check((_, _, _) => throw new InvalidOperationException("boom")), "threw InvalidOperationException: boom");
        AssertNamed(Check((_, _, _) => null!), "returned null");
        Assert.Throws<ArgumentNullException>(() => Exercises.CheckLayerNorm(null!));
    }

    [Fact]
    public void Changing_the_inputs_in_place_does_not_change_what_is_compared()
    {
        var result = Check((x, w, b) =>
        {
            var mean = x.mean([-1], keepdim: true);
            var variance = (x - mean).pow(2).mean([-1], keepdim: true);
            x.sub_(mean).div_((variance + 1e-5).sqrt());    // x̂, in place
            return x.mul_(w).add_(b);
        });
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Another_formula_altogether_gets_the_steps_as_a_hint()
    {
        AssertNamed(Check((x, w, b) => x.tanh() * w + b), "the values differ from GPT-2's LayerNorm", "x̂ = (x − μ) / (σ² + 1e-5).sqrt()");
    }
}
