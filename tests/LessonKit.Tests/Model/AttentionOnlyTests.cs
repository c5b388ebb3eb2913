using LessonKit.Tests.Support;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

public sealed class AttentionOnlyTests
{
    private static readonly Gpt2Config WithMlp = new() { NLayers = 2, NHeads = 2, DModel = 32, NCtx = 16, DVocab = 40 };
    private static readonly Gpt2Config AttentionOnly = WithMlp with { AttentionOnly = true };

    private static Tensor Tokens()
    {
        using var generator = new torch.Generator(4);
        return torch.randint(0, 40, [3, 12], ScalarType.Int64, generator: generator);
    }

    [Fact]
    public void An_attention_only_model_computes_what_the_same_weights_compute_with_every_mlp_writing_zero()
    {
        using var tokens = Tokens();
        using var attentionOnly = HookedGpt2.FromConfig(AttentionOnly, seed: 3);
        using var silenced = HookedGpt2.FromConfig(WithMlp, seed: 3);   // the same weights, MLPs included
        using (torch.no_grad())
            for (int layer = 0; layer < 2; layer++)
            {
                silenced.Weights[$"h.{layer}.mlp.c_proj.weight"].zero_();
                silenced.Weights[$"h.{layer}.mlp.c_proj.bias"].zero_();
            }
        using var untouched = HookedGpt2.FromConfig(WithMlp, seed: 3);

        using var logits = attentionOnly.Forward(tokens);
        using var expected = silenced.Forward(tokens);
        using var withMlp = untouched.Forward(tokens);
        Assert.True(TensorAssert.Identical(logits, expected));
        Assert.False(logits.allclose(withMlp, rtol: 1e-3, atol: 1e-4));   // the MLPs do change a normal model's logits

        var (_, cache) = attentionOnly.RunWithCache(tokens);
        using (cache)
        {
            Assert.DoesNotContain("blocks.0.mlp.hook_post", cache.Keys);
            Assert.True(TensorAssert.Identical(cache["blocks.1.hook_resid_mid"], cache["blocks.1.hook_resid_post"]));
        }
    }

    [Fact]
    public void Training_leaves_the_unused_mlp_weights_as_they_were()
    {
        using var model = HookedGpt2.FromConfig(AttentionOnly, seed: 1);
        using var before = model.Weights["h.0.mlp.c_fc.weight"].clone();
        using var attentionBefore = model.Weights["h.0.attn.c_attn.weight"].clone();
        using var tokens = Tokens();
        using (var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0 }))
        {
            trainer.Step(tokens);
            trainer.Step(tokens);
        }
        Assert.True(TensorAssert.Identical(before, model.Weights["h.0.mlp.c_fc.weight"]));
        Assert.False(TensorAssert.Identical(attentionBefore, model.Weights["h.0.attn.c_attn.weight"]));
    }

    [Fact]
    public void The_setting_survives_config_json_and_takes_part_in_equality()
    {
        string json = AttentionOnly.ToJson();
        Assert.Contains("\"lessonkit_attention_only\": true", json);
        Assert.DoesNotContain("lessonkit_attention_only", WithMlp.ToJson());
        Assert.Equal(AttentionOnly with { ModelName = "custom" }, Gpt2Config.FromJson(json));
        Assert.NotEqual(WithMlp, AttentionOnly);
        Assert.False(Gpt2Config.FromJson(WithMlp.ToJson()).AttentionOnly);
        var error = Assert.Throws<InvalidDataException>(() => Gpt2Config.FromJson(json.Replace("\"lessonkit_attention_only\": true", "\"lessonkit_attention_only\": 1")));
        Assert.Contains("lessonkit_attention_only", error.Message);
    }

    [Fact]
    public void The_parameter_count_leaves_out_the_unused_mlp_and_second_layernorm_and_the_description_says_attention_only()
    {
        using var attentionOnly = HookedGpt2.FromConfig(AttentionOnly, seed: 0);
        using var withMlp = HookedGpt2.FromConfig(WithMlp, seed: 0);
        // Per block: ln_2 (2·d) and the MLP (d·4d + 4d + 4d·d + d), with d = 32.
        const long d = 32, mlpSidePerBlock = 2 * d + (d * 4 * d + 4 * d) + (4 * d * d + d);
        Assert.Equal(withMlp.ParameterCount - 2 * mlpSidePerBlock, attentionOnly.ParameterCount);
        Assert.Contains("attention-only", attentionOnly.ToString());
        Assert.DoesNotContain("attention-only", withMlp.ToString());
    }
}
