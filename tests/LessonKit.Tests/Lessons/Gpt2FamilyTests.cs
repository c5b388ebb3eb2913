using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

public class Gpt2FamilyTests
{
    private const long GB = 1_000_000_000;

    [Fact]
    public void The_five_hub_checkpoints_are_known_by_short_and_full_names()
    {
        Assert.Equal(["gpt2", "gpt2-medium", "gpt2-large", "gpt2-xl", "distilgpt2"], Gpt2Family.All.Select(c => c.Name));
        Assert.Equal("gpt2", Gpt2Family.Find("openai-community/gpt2")!.Name);
        Assert.Equal("distilgpt2", Gpt2Family.Find("distilbert/distilgpt2")!.Name);
        Assert.Equal(48, Gpt2Family.Find("GPT2-XL")!.Config.NLayers);
        Assert.Null(Gpt2Family.Find("gpt3"));
    }

    [Fact]
    public void A_model_that_needs_more_than_is_free_is_skipped_with_both_numbers()
    {
        var check = Gpt2Family.CheckMemory("gpt2-xl", availableBytes: 4 * GB, modelOverride: null);
        Assert.False(check.Fits);
        Assert.StartsWith("skipped", check.Message);
        Assert.StartsWith("gpt2-xl: skipped", check.ToString());
        Assert.Contains("4.0 GB is free", check.Message);
        Assert.True(check.NeededBytes > 6 * GB);
    }

    [Fact]
    public void A_model_that_fits_is_loaded()
    {
        var check = Gpt2Family.CheckMemory("gpt2", availableBytes: 4 * GB, modelOverride: null);
        Assert.True(check.Fits);
        Assert.True(check.NeededBytes is > 500_000_000 and < 1_500_000_000);
    }

    [Fact]
    public void Unknown_sizes_and_unknown_free_memory_mean_try()
    {
        Assert.True(Gpt2Family.CheckMemory("someone/gpt2-finetuned", availableBytes: 1, modelOverride: null).Fits);
        var unknownFree = Gpt2Family.CheckMemory("gpt2-xl", availableBytes: null, modelOverride: null);
        Assert.True(unknownFree.Fits);
        Assert.Contains("could not be read", unknownFree.Message);
    }

    [Fact]
    public void With_the_override_set_the_real_size_does_not_matter()
    {
        var check = Gpt2Family.CheckMemory("gpt2-xl", availableBytes: 1, modelOverride: "/fixtures/tiny-gpt2");
        Assert.True(check.Fits);
        Assert.Contains("'/fixtures/tiny-gpt2' is loaded instead", check.Message);
    }

    [Fact]
    public void The_table_lists_every_checkpoint_with_computed_parameters()
    {
        var table = Gpt2Family.Table();
        Assert.Equal(5, table.Rows.Count);
        Assert.Equal("124,439,808", table.Rows[0][6]);
        Assert.Equal("1,557,611,200", table.Rows[3][6]);
        Assert.Contains("tied", string.Join(" ", table.Notes));
        Assert.Contains("124,439,808", table.ToString());
    }
}
