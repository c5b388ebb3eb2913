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
    [InlineData(Minimal + ", \"layer_norm_epsilon\": \"tiny\"}", "'layer_norm_epsilon' = \"tiny\"")]
    [InlineData(Minimal + ", \"activation_function\": 5}", "'activation_function' = 5")]
    [InlineData(Minimal + ", \"scale_attn_by_inverse_layer_idx\": true}", "scale_attn_by_inverse_layer_idx")]
    [InlineData(Minimal + ", \"scale_attn_weights\": false}", "scale_attn_weights = false")]
    [InlineData(Minimal + ", \"scale_attn_weights\": \"yes\"}", "true or false")]
    [InlineData(Minimal + ", \"n_layer\": 3}", "appear once")]
    [InlineData(Minimal + ", \"model_type\": 7}", "'model_type' = 7")]
    public void BadConfigsSayWhatIsWrong(string json, string expected)
    {
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Config.FromJson(json));
        Assert.Contains(expected, error.Message);
    }

    private const string Minimal = "{\"n_layer\": 2, \"n_head\": 4, \"n_embd\": 32, \"n_positions\": 8, \"vocab_size\": 10";

    [Fact]
    public void HuggingFaceDefaultsAndNullsAreAccepted()
    {
        // Hugging Face writes "n_inner": null and the attention switches at their defaults in every GPT-2 config.
        var config = Gpt2Config.FromJson(Minimal + ", \"n_inner\": null, \"scale_attn_weights\": true, \"scale_attn_by_inverse_layer_idx\": false, " +
                                          "\"reorder_and_upcast_attn\": false, \"layer_norm_epsilon\": 1e-05, \"activation_function\": \"gelu_new\"}");
        Assert.Equal(128, config.DMlp);
    }

    [Fact]
    public void ShapesTooLargeToBuildAreRefusedBeforeAnythingIsAllocated()
    {
        Assert.Contains("ModelName", Assert.Throws<ArgumentException>(() => new Gpt2Config { ModelName = null! }.Validate()).Message);
        var overflow = Assert.Throws<ArgumentException>(() => new Gpt2Config { DModel = 1_000_000_000, NHeads = 1 }.Validate());
        Assert.Contains("4 × DModel", overflow.Message);

        // About 10 TB of weights: refused up front, never handed to libtorch's allocator.
        var huge = Assert.Throws<InsufficientMemoryException>(() =>
            HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1000, NHeads = 16, DModel = 16384, NCtx = 64, DVocab = 100 }));
        Assert.Contains("TB", huge.Message);
        Assert.Contains("smaller", huge.Message);

        using var tiny = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 100 });
        var cache = Assert.Throws<InsufficientMemoryException>(() => tiny.NewKeyValueCache(batch: int.MaxValue));
        Assert.Contains("smaller batch", cache.Message);
    }
}
