using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>The kit's one byte formatter: decimal units with one decimal, as download pages show sizes.</summary>
public class ByteFormatTests
{
    [Theory]
    [InlineData(548_105_171L, "548.1 MB")]
    [InlineData(6_431_000_000L, "6.4 GB")]
    [InlineData(1_500L, "1.5 kB")]
    [InlineData(12L, "12 B")]
    [InlineData(999L, "999 B")]
    [InlineData(1_000L, "1.0 kB")]
    [InlineData(999_949L, "999.9 kB")]
    [InlineData(999_950L, "1.0 MB")]     // not "1000.0 kB"
    [InlineData(999_960_000L, "1.0 GB")]
    [InlineData(2_500_000_000_000L, "2.5 TB")]
    public void Sizes_are_written_in_decimal_units_with_one_decimal(long bytes, string expected) => Assert.Equal(expected, Format.Bytes(bytes));

    [Fact]
    public void Memory_messages_use_the_same_formatter_as_downloads()
    {
        var check = LessonKit.Lessons.Gpt2Family.CheckMemory("gpt2-xl", availableBytes: 548_105_171L, modelOverride: null);
        Assert.Contains("only 548.1 MB is free", check.Message);
    }
}
