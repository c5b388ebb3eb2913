using LessonKit.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class CheckMatchesTests
{
    private static Tensor Sample() => torch.arange(1, 13, dtype: ScalarType.Float32).reshape(3, 4) / 7;

    [Fact]
    public void Equal_tensors_pass_with_the_largest_difference()
    {
        var result = Exercises.CheckMatches("Q", Sample() + 1e-6f, Sample());
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("shape [3, 4]", result.Message);
    }

    [Fact]
    public void A_wrong_shape_is_reported_with_a_hint()
    {
        var result = Exercises.CheckMatches("Q", Sample().unsqueeze(0), Sample());
        Assert.False(result.Passed);
        Assert.Contains("[1, 3, 4]", result.Message);
        Assert.Contains("size 1", result.Hint);
    }

    [Fact]
    public void Reversed_axes_are_spotted()
    {
        var result = Exercises.CheckMatches("Q", Sample().t(), Sample());
        Assert.False(result.Passed);
        Assert.Contains("reverse order", result.Hint);
    }

    [Fact]
    public void A_constant_factor_is_named()
    {
        var result = Exercises.CheckMatches("scores", Sample() * 2.8284f, Sample());
        Assert.False(result.Passed);
        Assert.Contains("2.8284 times the model's", result.Message);
    }

    [Fact]
    public void A_square_transposed_tensor_is_spotted()
    {
        var square = torch.arange(16, dtype: ScalarType.Float32).reshape(4, 4);
        var result = Exercises.CheckMatches("pattern", square.t(), square);
        Assert.False(result.Passed);
        Assert.Contains("transposed", result.Message);
    }

    [Fact]
    public void Minus_infinity_in_other_places_is_a_mask_problem()
    {
        var mask = torch.ones(4, 4, dtype: ScalarType.Bool).tril();
        var scores = torch.arange(16, dtype: ScalarType.Float32).reshape(4, 4);
        var model = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
        var learner = scores.masked_fill(mask.triu(1), double.NegativeInfinity);
        var result = Exercises.CheckMatches("scores", learner, model);
        Assert.False(result.Passed);
        Assert.Contains("-∞ (masked) values are not in the same places", result.Message);

        Assert.True(Exercises.CheckMatches("scores", model.clone(), model).Passed);
    }

    [Fact]
    public void The_first_difference_is_located()
    {
        var learner = Sample().clone();
        learner[2, 1] = torch.tensor(9f);
        var result = Exercises.CheckMatches("Q", learner, Sample());
        Assert.False(result.Passed);
        Assert.Contains("yours[2, :]", string.Join("\n", result.Details));
        Assert.Contains("9.0000", result.ToString());
    }

    [Fact]
    public void A_difference_without_a_known_cause_gets_the_cell_s_own_hint()
    {
        var learner = Sample().clone();
        learner[2, 1] = torch.tensor(9f);
        Assert.Contains("which columns belong to this head", Exercises.CheckMatches("Q", learner, Sample()).Hint);
        var result = Exercises.CheckMatches("z", learner, Sample(), hint: "Run the check of Exercise 2.");
        Assert.Equal("Run the check of Exercise 2.", result.Hint);
        // Causes the check can name keep their own hint.
        Assert.Contains("reverse order", Exercises.CheckMatches("Q", Sample().t(), Sample(), hint: "Run the check of Exercise 2.").Hint);
    }

    [Fact]
    public void Nan_is_reported()
    {
        var learner = Sample().clone();
        learner[0, 0] = torch.tensor(float.NaN);
        Assert.Contains("NaN", Exercises.CheckMatches("Q", learner, Sample()).Message);
    }

    [Fact]
    public void Null_is_a_failed_check_but_a_missing_model_tensor_is_misuse()
    {
        Assert.Contains("null", Exercises.CheckMatches("Q", null!, Sample()).Message);
        Assert.Throws<ArgumentNullException>(() => Exercises.CheckMatches("Q", Sample(), null!));
    }
}
