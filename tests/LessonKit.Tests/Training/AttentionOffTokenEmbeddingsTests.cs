using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Training;

public sealed class AttentionOffTokenEmbeddingsTests
{
    private static readonly Gpt2Config Toy = new() { NLayers = 2, NHeads = 2, DModel = 32, NCtx = 16, DVocab = 20, AttentionOnly = true };

    /// <summary>The largest |entry| of what a layer's W_O and b_O write along the token embeddings: [d_model, d_vocab] and [d_vocab].</summary>
    private static double AlongTokens(HookedGpt2 model, int layer)
    {
        using var scope = torch.NewDisposeScope();
        var embeddings = model.EmbeddingWeights;                           // W_E [d_vocab, d_model]
        var weight = model.Weights[$"h.{layer}.attn.c_proj.weight"].mm(embeddings.t());
        var bias = model.Weights[$"h.{layer}.attn.c_proj.bias"].unsqueeze(0).mm(embeddings.t());
        return Math.Max(weight.abs().max().ToDouble(), bias.abs().max().ToDouble());
    }

    [Fact]
    public void The_listed_layers_write_nothing_along_the_token_embeddings_from_the_start_and_after_every_step()
    {
        using var model = HookedGpt2.FromConfig(Toy, seed: 0);
        Assert.True(AlongTokens(model, 0) > 1e-3, "a fresh model's layer 0 writes along the token embeddings");
        using var generator = new torch.Generator(7);
        using var tokens = torch.randint(0, 20, [4, 12], ScalarType.Int64, generator: generator);
        using var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0, LearningRate = 1e-2, AttentionOffTokenEmbeddings = [0] });
        Assert.True(AlongTokens(model, 0) < 1e-6, $"after the trainer was made: {AlongTokens(model, 0)}");
        for (int step = 0; step < 3; step++)
        {
            trainer.Step(tokens);
            Assert.True(AlongTokens(model, 0) < 1e-6, $"after step {step + 1}: {AlongTokens(model, 0)}");
        }
        Assert.True(AlongTokens(model, 1) > 1e-3, "layer 1, not listed, is left alone");
        Assert.True(AlongTokens(model, 0) < 1e-6);
    }

    [Fact]
    public void Layer_0_then_moves_no_logit_on_its_own()
    {
        using var model = HookedGpt2.FromConfig(Toy with { NLayers = 1 }, seed: 2);
        using (new Trainer(model, new TrainingOptions { ProgressEvery = 0, AttentionOffTokenEmbeddings = [0] })) { }
        using var generator = new torch.Generator(3);
        using var tokens = torch.randint(0, 20, [2, 10], ScalarType.Int64, generator: generator);
        var (_, cache) = model.RunWithCache(tokens);
        using (cache)
        {
            // The attention output's logit contribution through the unembedding, W_E · attn_out: 0 up to rounding.
            using var alongTokens = torch.einsum("bpd,vd->bpv", cache["blocks.0.hook_attn_out"], model.EmbeddingWeights); // [batch, pos, d_vocab]
            Assert.True(alongTokens.abs().max().ToDouble() < 1e-5);
            Assert.True(cache["blocks.0.hook_attn_out"].abs().max().ToDouble() > 1e-3);   // it does write, elsewhere
        }
    }

    [Theory]
    [InlineData(new[] { 2 }, "layers 0 to 1")]
    [InlineData(new[] { -1 }, "at most once")]
    [InlineData(new[] { 0, 0 }, "at most once")]
    public void Layers_that_do_not_exist_or_repeat_are_an_error_that_names_the_setting(int[] layers, string expected)
    {
        using var model = HookedGpt2.FromConfig(Toy, seed: 0);
        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions { AttentionOffTokenEmbeddings = layers }));
        Assert.Contains("TrainingOptions.AttentionOffTokenEmbeddings", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void A_vocabulary_as_wide_as_the_model_is_an_error_that_says_what_to_change()
    {
        using var model = HookedGpt2.FromConfig(Toy with { DVocab = 32 }, seed: 0);
        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions { AttentionOffTokenEmbeddings = [0] }));
        Assert.Contains("DModel larger than DVocab", error.Message);
    }
}
