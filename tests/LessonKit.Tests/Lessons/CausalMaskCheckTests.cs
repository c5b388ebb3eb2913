using LessonKit.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class CausalMaskCheckTests
{
    private static Tensor Ones(int n) => torch.ones(n, n, dtype: ScalarType.Bool);

    [Fact]
    public void The_solution_passes_with_one_line()
    {
        var result = Exercises.CheckCausalMask(n => Ones(n).tril());
        Assert.True(result.Passed, result.ToString());
        Assert.StartsWith("✔ Causal mask:", result.ToString());
        Assert.DoesNotContain("\n", result.ToString());
    }

    [Fact]
    public void A_mask_built_by_comparing_positions_passes_too()
    {
        var result = Exercises.CheckCausalMask(n => torch.arange(n).unsqueeze(1).ge(torch.arange(n).unsqueeze(0)));
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void All_true_is_a_mask_that_lets_queries_see_the_future()
    {
        var result = Exercises.CheckCausalMask(Ones);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("the future", result.Message);
        Assert.Contains(".tril()", result.Hint);
    }

    [Fact]
    public void An_upper_triangle_is_reported_as_transposed()
    {
        var result = Exercises.CheckCausalMask(n => Ones(n).triu());
        Assert.False(result.Passed);
        Assert.Contains("transposed", result.Message);
    }

    [Fact]
    public void True_where_a_query_may_not_look_is_reported_as_inverted()
    {
        var result = Exercises.CheckCausalMask(n => Ones(n).triu(1));
        Assert.False(result.Passed);
        Assert.Contains("inverted", result.Message);
        Assert.Contains("'may attend'", result.Hint);
    }

    [Fact]
    public void A_missing_diagonal_is_named()
    {
        var result = Exercises.CheckCausalMask(n => Ones(n).tril(-1));
        Assert.False(result.Passed);
        Assert.Contains("diagonal is missing", result.Message);
    }

    [Fact]
    public void A_float_mask_with_the_right_pattern_is_told_to_be_bool()
    {
        var result = Exercises.CheckCausalMask(n => torch.ones(n, n).tril());
        Assert.False(result.Passed);
        Assert.Contains("Float32", result.Message);
        Assert.Contains("ScalarType.Bool", result.Hint);
    }

    [Fact]
    public void A_wrong_shape_is_reported_with_both_shapes()
    {
        var result = Exercises.CheckCausalMask(n => Ones(n).tril().unsqueeze(0));
        Assert.False(result.Passed);
        Assert.Contains("[1, 4, 4]", result.Message);
        Assert.Contains("expected [4, 4]", result.Message);
        Assert.Contains("squeeze", result.Hint);
    }

    [Fact]
    public void A_single_wrong_entry_is_located()
    {
        var result = Exercises.CheckCausalMask(n =>
        {
            var mask = Ones(n).tril();
            if (n > 3) mask[3, 1] = torch.tensor(false);
            return mask;
        });
        Assert.False(result.Passed);
        Assert.Contains("CausalMask(4)[3, 1] is false", result.Message);
        Assert.Contains("should be true", result.Message);
    }

    [Fact]
    public void The_starting_code_is_not_done_yet_rather_than_failed()
    {
        var result = Exercises.CheckCausalMask(_ => throw new NotImplementedException());
        Assert.Equal(CheckOutcome.NotDone, result.Outcome);
        Assert.StartsWith("○ Causal mask: not done yet", result.ToString());
    }

    [Fact]
    public void An_exception_is_reported_not_thrown()
    {
        var result = Exercises.CheckCausalMask(_ => throw new InvalidOperationException("boom"));
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("InvalidOperationException: boom", result.Message);
    }

    [Fact]
    public void Null_is_reported()
    {
        var result = Exercises.CheckCausalMask(_ => null!);
        Assert.False(result.Passed);
        Assert.Contains("returned null", result.Message);
    }

    [Fact]
    public void Passing_no_function_is_misuse()
    {
        Assert.Throws<ArgumentNullException>(() => Exercises.CheckCausalMask(null!));
    }
}
