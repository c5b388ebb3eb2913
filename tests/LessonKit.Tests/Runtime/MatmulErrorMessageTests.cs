using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

public sealed class MatmulErrorMessageTests
{
    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 5, 6 }, "the last dimension of the first (4) must equal the second-to-last dimension of the second (5)")]
    [InlineData(new long[] { 4 }, new long[] { 5, 6 }, "the length of the first (4) must equal the second-to-last dimension of the second (5)")]
    [InlineData(new long[] { 3, 4 }, new long[] { 5 }, "the last dimension of the first (4) must equal the length of the second (5)")]
    [InlineData(new long[] { 3 }, new long[] { 4 }, "two 1-D tensors make a dot product, so their lengths must be equal (3 ≠ 4)")]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 2, 5, 6 }, "the last dimension of the first (4) must equal the second-to-last dimension of the second (5)")]
    [InlineData(new long[] { 2, 3, 4 }, new long[] { 3, 4, 5 }, "the batch dimensions (all but the last two) [2] and [3] must broadcast: compared from the right, each pair must be equal or contain a 1, but 2 and 3 are neither")]
    [InlineData(new long[] { 7, 2, 3, 4 }, new long[] { 5, 4, 5 }, "the batch dimensions (all but the last two) [7, 2] and [5] must broadcast: compared from the right, each pair must be equal or contain a 1, but 2 and 5 are neither")]
    [InlineData(new long[] { }, new long[] { 4 }, "matmul needs at least one dimension on each side; for a number times a tensor use mul or *")]
    public void Each_broken_rule_is_named(long[] left, long[] right, string rule)
    {
        Assert.Equal(rule, MatmulErrorMessage.Rule(left, right));
    }

    [Theory]
    [InlineData(new long[] { 3, 4 }, new long[] { 4, 6 })]
    [InlineData(new long[] { 2, 1, 3, 4 }, new long[] { 5, 4, 6 })]   // batch [2, 1] and [5] broadcast to [2, 5]
    [InlineData(new long[] { 4 }, new long[] { 4 })]
    [InlineData(new long[] { 4 }, new long[] { 2, 4, 6 })]
    public void Shapes_that_fit_break_no_rule(long[] left, long[] right)
    {
        Assert.Null(MatmulErrorMessage.Rule(left, right));
    }

    [Fact]
    public void The_message_names_both_shapes_the_rule_and_libtorchs_first_lines_without_the_stack_trace()
    {
        string libtorch = "mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)\nException raised from meta at /pytorch/aten/src/ATen/native/LinearAlgebra.cpp:204 (most recent call first):\nframe #0: c10::Error::Error(...)";

        string message = MatmulErrorMessage.Format([2, 3, 4], [5, 6], libtorch);

        Assert.Equal(
            "torch.matmul: shapes [2, 3, 4] and [5, 6] do not fit: the last dimension of the first (4) must equal the second-to-last dimension of the second (5).\n" +
            "libtorch says: mat1 and mat2 shapes cannot be multiplied (6x4 and 5x6)",
            message);
    }

    [Fact]
    public void An_error_that_is_not_about_shapes_still_names_the_shapes_and_keeps_libtorchs_words()
    {
        string message = MatmulErrorMessage.Format([3, 4], [4, 5], "expected m1 and m2 to have the same dtype, but got: float != long int");

        Assert.Equal("torch.matmul of shapes [3, 4] and [4, 5] failed.\nlibtorch says: expected m1 and m2 to have the same dtype, but got: float != long int", message);
    }
}
