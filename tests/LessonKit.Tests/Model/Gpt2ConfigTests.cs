namespace LessonKit.Tests.Model;

public class Gpt2ConfigTests
{
    private static string FixtureConfig => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "config.json");

    [Fact]
    public void ReadsHuggingFaceConfig()
    {
        var config = Gpt2Config.FromFile(FixtureConfig);
        Assert.Equal(2, config.NLayers);
        Assert.Equal(4, config.NHeads);
        Assert.Equal(32, config.DModel);
        Assert.Equal(8, config.DHead);
        Assert.Equal(128, config.DMlp);
        Assert.Equal(128, config.NCtx);
        Assert.Equal(50257, config.DVocab);
        Assert.Equal(1e-5, config.LayerNormEpsilon);
        Assert.Equal("gelu_new", config.ActivationFunction);
        Assert.Equal("tiny-gpt2", config.ModelName);
    }

    [Fact]
    public void RoundTripsThroughJson()
    {
        var config = new Gpt2Config { NLayers = 3, NHeads = 2, DModel = 16, DMlp = 40, NCtx = 64, DVocab = 100 };
        var back = Gpt2Config.FromJson(config.ToJson(), "custom");
        Assert.Equal(config, back);
    }

    [Theory]
    [InlineData("{\"n_layer\": 2, \"n_head\": 3, \"n_embd\": 32, \"n_positions\": 8, \"vocab_size\": 10}", "multiple of NHeads")]
    [InlineData("{\"n_layer\": 2, \"n_head\": 4, \"n_embd\": 32, \"vocab_size\": 10}", "n_positions")]
    [InlineData("{\"n_layer\": -1, \"n_head\": 4, \"n_embd\": 32, \"n_positions\": 8, \"vocab_size\": 10}", "n_layer")]
    [InlineData("{\"model_type\": \"llama\", \"n_layer\": 1}", "model_type 'llama'")]
    [InlineData("not json", "not valid JSON")]
    [InlineData("{\"n_layer\": 2, \"n_head\": 4, \"n_embd\": 32, \"n_positions\": 8, \"vocab_size\": 10, \"activation_function\": \"swish\"}", "swish")]
    public void BadConfigsSayWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Config.FromJson(json));
        Assert.Contains(expected, error.Message);
    }
}
