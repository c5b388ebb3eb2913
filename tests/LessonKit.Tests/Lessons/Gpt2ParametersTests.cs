using LessonKit.Hub;
using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

public class Gpt2ParametersTests
{
    [Theory]
    [InlineData("gpt2", 124_439_808L)]
    [InlineData("gpt2-medium", 354_823_168L)]
    [InlineData("gpt2-large", 774_030_080L)]
    [InlineData("gpt2-xl", 1_557_611_200L)]
    [InlineData("distilgpt2", 81_912_576L)]
    public void The_formula_gives_the_published_counts(string name, long expected)
    {
        var checkpoint = Gpt2Family.Find(name)!;
        Assert.Equal(expected, Gpt2Parameters.Count(checkpoint.Config));
        Assert.Equal(expected, checkpoint.ParameterCount);
    }

    [Fact]
    public void The_groups_add_up_and_a_gpt2_layer_holds_12_d_squared_plus_13_d()
    {
        var config = Gpt2Family.Find("gpt2")!.Config;
        var groups = Gpt2Parameters.Breakdown(config);
        Assert.Equal(Gpt2Parameters.Count(config), groups.Sum(g => g.Count));
        long d = config.DModel;
        long perLayer = (groups[2].Count + groups[3].Count + (groups[4].Count - 2 * d)) / config.NLayers;
        Assert.Equal(12 * d * d + 13 * d, perLayer);
        Assert.Equal(50257L * 768, groups[0].Count);
    }

    [Theory]
    [InlineData(2, 4, 32, 128, 0)]
    [InlineData(3, 2, 16, 40, 24)]
    [InlineData(1, 1, 8, 8, 0)]
    public void The_formula_counts_what_a_built_model_holds(int layers, int heads, int dModel, int nCtx, int dMlp)
    {
        var config = new Gpt2Config { NLayers = layers, NHeads = heads, DModel = dModel, NCtx = nCtx };
        if (dMlp > 0) config = config with { DMlp = dMlp };
        using var model = HookedGpt2.FromConfig(config, seed: 1);
        Assert.Equal(model.ParameterCount, Gpt2Parameters.Count(config));
    }

    [Fact]
    public void Checkpoint_sizes_match_the_hub_downloads()
    {
        // Hugging Face lists model.safetensors as 548 MB (gpt2), 1.52 GB, 3.25 GB, 6.43 GB and 353 MB (distilgpt2).
        foreach (var (name, listed) in new[] { ("gpt2", 548e6), ("gpt2-medium", 1.52e9), ("gpt2-large", 3.25e9), ("gpt2-xl", 6.43e9), ("distilgpt2", 353e6) })
        {
            long bytes = Gpt2Family.Find(name)!.DownloadBytes;
            Assert.True(Math.Abs(bytes - listed) <= 0.005 * listed, $"{name}: {bytes:N0} bytes, but the hub lists {listed:N0}");
        }
        Assert.Equal("548.1 MB", Format.Bytes(Gpt2Family.Find("gpt2")!.DownloadBytes));
        Assert.Equal("6.4 GB", Format.Bytes(Gpt2Family.Find("gpt2-xl")!.DownloadBytes));
    }

    [Fact]
    public void An_invalid_config_is_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => Gpt2Parameters.Count(new Gpt2Config { NHeads = 5, DModel = 32 }));
    }
}
