using LessonKit.Tests.Support;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Training;

public sealed class RepeatedTokensTests
{
    [Fact]
    public void Each_sequence_is_random_tokens_then_the_same_tokens_again()
    {
        using var data = new RepeatedTokens(vocabulary: 50, repeatLength: 7, seed: 1);
        using var batch = data.Next(5);

        Assert.Equal([5L, 14L], batch.shape);
        Assert.Equal(ScalarType.Int64, batch.dtype);
        Assert.True(TensorAssert.Identical(batch.narrow(1, 0, 7), batch.narrow(1, 7, 7)));
        Assert.True(batch.min().ToInt64() >= 0 && batch.max().ToInt64() < 50);
        Assert.False(TensorAssert.Identical(batch[0].narrow(0, 0, 7), batch[1].narrow(0, 0, 7)));   // sequences differ
        Assert.Equal(0, data.FirstCopyStart);
        Assert.Equal(14, data.MaxSequenceLength);
    }

    [Fact]
    public void A_start_token_comes_first_and_shifts_the_copies_by_one()
    {
        using var data = new RepeatedTokens(vocabulary: 50256, repeatLength: 4, seed: 2, startToken: 50256);
        using var batch = data.Next(3);

        Assert.Equal([3L, 9L], batch.shape);
        Assert.True(batch.select(1, 0).eq(50256).all().ToBoolean());
        Assert.True(TensorAssert.Identical(batch.narrow(1, 1, 4), batch.narrow(1, 5, 4)));
        Assert.True(batch.narrow(1, 1, 8).max().ToInt64() < 50256);   // the start token is never drawn at random
        Assert.Equal(1, data.FirstCopyStart);
    }

    [Fact]
    public void The_same_seed_gives_the_same_batches_and_another_seed_others()
    {
        using var a = new RepeatedTokens(100, (3, 9), seed: 7);
        using var b = new RepeatedTokens(100, (3, 9), seed: 7);
        using var c = new RepeatedTokens(100, (3, 9), seed: 8);
        for (int i = 0; i < 5; i++)
        {
            using var x = a.Next(4);
            using var y = b.Next(4);
            using var z = c.Next(4);
            Assert.True(TensorAssert.Identical(x, y), $"batch {i}");
            Assert.False(TensorAssert.Identical(x, z), $"batch {i} of another seed");
        }
    }

    [Fact]
    public void With_a_range_each_batch_draws_its_own_repeat_length_within_it()
    {
        using var data = new RepeatedTokens(30, (3, 6), seed: 0);
        var lengths = new HashSet<long>();
        for (int i = 0; i < 60; i++)
        {
            using var batch = data.Next(2);
            long L = batch.size(1) / 2;
            Assert.Equal(2 * L, batch.size(1));
            Assert.True(TensorAssert.Identical(batch.narrow(1, 0, L), batch.narrow(1, L, L)));
            lengths.Add(L);
        }
        Assert.Equal([3L, 4L, 5L, 6L], lengths.Order());
        Assert.Equal(12, data.MaxSequenceLength);
    }

    [Theory]
    [InlineData(1, 5, 5, "vocabulary")]
    [InlineData(10, 1, 1, "at least 2 tokens")]
    [InlineData(10, 6, 5, "shorter than the shortest")]
    public void Settings_that_make_no_repeated_sequence_are_an_error_that_says_why(int vocabulary, int min, int max, string message)
    {
        var error = Assert.ThrowsAny<ArgumentException>(() => new RepeatedTokens(vocabulary, (min, max)));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void An_empty_batch_is_an_error()
    {
        using var data = new RepeatedTokens(10, 3);
        Assert.Throws<ArgumentOutOfRangeException>(() => data.Next(0));
    }
}
