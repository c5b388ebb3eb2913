using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class SplitHeadsCheckTests
{
    private static Tensor Solution(Tensor x, int heads) =>
        x.reshape(x.shape[0], x.shape[1], heads, x.shape[2] / heads).transpose(1, 2);

    [Fact]
    public void The_solution_passes_and_matches_hook_q()
    {
        var result = Exercises.CheckSplitHeads(Solution);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("hook_q", result.Message);
    }

    [Fact]
    public void The_solution_passes_on_the_tiny_gpt2_checkpoint()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckSplitHeads(Solution, model);
        Assert.True(result.Passed, result.ToString());
    }

    [Fact]
    public void Reshaping_straight_to_batch_head_pos_mixes_positions()
    {
        var result = Exercises.CheckSplitHeads((x, h) => x.reshape(x.shape[0], h, x.shape[1], x.shape[2] / h));
        Assert.False(result.Passed);
        Assert.Contains("positions and heads got mixed", result.Message);
        Assert.Contains("transpose(1, 2)", result.Hint);
    }

    [Fact]
    public void Interleaved_heads_are_caught()
    {
        var result = Exercises.CheckSplitHeads((x, h) => x.reshape(x.shape[0], x.shape[1], x.shape[2] / h, h).permute(0, 3, 1, 2));
        Assert.False(result.Passed);
        Assert.Contains("interleaved", result.Message);
    }

    [Fact]
    public void A_missing_transpose_is_a_shape_error_with_the_fix()
    {
        var result = Exercises.CheckSplitHeads((x, h) => x.reshape(x.shape[0], x.shape[1], h, x.shape[2] / h));
        Assert.False(result.Passed);
        Assert.Contains("returned [2, 5, 4, 3], expected [2, 4, 5, 3]", result.Message);
        Assert.Contains("transpose(1, 2)", result.Hint);
    }

    [Fact]
    public void Hard_coded_sizes_fail_on_the_model()
    {
        var result = Exercises.CheckSplitHeads((x, h) => x.reshape(x.shape[0], x.shape[1], 4, 3).transpose(1, 2));
        Assert.False(result.Passed);
        Assert.Contains("SplitHeads on layer 0", result.Message);
    }

    [Fact]
    public void The_starting_code_is_not_done_yet()
    {
        Assert.Equal(CheckOutcome.NotDone, Exercises.CheckSplitHeads((_, _) => throw new NotImplementedException()).Outcome);
    }
}
