using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

public class AttentionLayerCheckTests
{
    private static CheckResult Check(LearnerAttentionLayer learner, HookedGpt2? model = null) => Exercises.CheckAttentionLayer(learner.Run, model);

    [Fact]
    public void The_solution_passes_on_a_random_layer_and_every_layer_of_the_default_model()
    {
        var result = Check(new LearnerAttentionLayer());
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("hook_attn_out in all 2 layers", result.Message);
    }

    [Fact]
    public void The_solution_passes_against_the_tiny_gpt2_checkpoint()
    {
        using var model = TinyGpt2.Load();
        var result = Check(new LearnerAttentionLayer(), model);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains($"all {model.Config.NLayers} layers", result.Message);
    }

    [Fact]
    public void The_reference_layer_is_what_the_model_computes()
    {
        using var model = TinyGpt2.Load();
        using var scope = torch.NewDisposeScope();
        var (_, cache) = model.RunWithCache(TinyGpt2.ReferenceTokens());
        using (cache)
        {
            for (int layer = 0; layer < model.Config.NLayers; layer++)
            {
                var mine = AttentionReference.AttentionLayer(cache["normalized", layer, "ln1"], AttentionWeights.FromModel(model, layer));
                Assert.True(mine.allclose(cache["attn_out", layer], rtol: 1e-4, atol: 1e-5), $"layer {layer}");
            }
        }
    }

    [Theory]
    [InlineData(nameof(LearnerAttentionLayer.SwapQueriesAndKeys), "the queries and the keys are swapped")]
    [InlineData(nameof(LearnerAttentionLayer.ThreePerHead), "each head's three sat side by side")]
    [InlineData(nameof(LearnerAttentionLayer.NoQkvBias), "c_attn's bias is missing")]
    [InlineData(nameof(LearnerAttentionLayer.InterleaveHeads), "the heads are interleaved")]
    [InlineData(nameof(LearnerAttentionLayer.MixPositionsAndHeads), "positions and heads got mixed")]
    [InlineData(nameof(LearnerAttentionLayer.NoMask), "the mask was not applied")]
    [InlineData(nameof(LearnerAttentionLayer.MaskWithZero), "set to 0 instead of -∞")]
    [InlineData(nameof(LearnerAttentionLayer.MaskAfterSoftmax), "the mask was applied after the softmax")]
    [InlineData(nameof(LearnerAttentionLayer.InvertMask), "the mask is inverted")]
    [InlineData(nameof(LearnerAttentionLayer.NoSoftmax), "there is no softmax")]
    [InlineData(nameof(LearnerAttentionLayer.MergeWithoutTranspose), "merged without moving the head axis back")]
    [InlineData(nameof(LearnerAttentionLayer.NoProjection), "the output projection is missing")]
    [InlineData(nameof(LearnerAttentionLayer.NoProjectionBias), "c_proj's bias is missing")]
    [InlineData(nameof(LearnerAttentionLayer.TransposeProjection), "c_proj's weight was used transposed")]
    public void Each_usual_mistake_is_named(string mistake, string diagnosis)
    {
        var learner = mistake switch
        {
            nameof(LearnerAttentionLayer.SwapQueriesAndKeys) => new LearnerAttentionLayer { SwapQueriesAndKeys = true },
            nameof(LearnerAttentionLayer.ThreePerHead) => new LearnerAttentionLayer { ThreePerHead = true },
            nameof(LearnerAttentionLayer.NoQkvBias) => new LearnerAttentionLayer { NoQkvBias = true },
            nameof(LearnerAttentionLayer.InterleaveHeads) => new LearnerAttentionLayer { InterleaveHeads = true },
            nameof(LearnerAttentionLayer.MixPositionsAndHeads) => new LearnerAttentionLayer { MixPositionsAndHeads = true },
            nameof(LearnerAttentionLayer.NoMask) => new LearnerAttentionLayer { NoMask = true },
            nameof(LearnerAttentionLayer.MaskWithZero) => new LearnerAttentionLayer { MaskWithZero = true },
            nameof(LearnerAttentionLayer.MaskAfterSoftmax) => new LearnerAttentionLayer { MaskAfterSoftmax = true },
            nameof(LearnerAttentionLayer.InvertMask) => new LearnerAttentionLayer { InvertMask = true },
            nameof(LearnerAttentionLayer.NoSoftmax) => new LearnerAttentionLayer { NoSoftmax = true },
            nameof(LearnerAttentionLayer.MergeWithoutTranspose) => new LearnerAttentionLayer { MergeWithoutTranspose = true },
            nameof(LearnerAttentionLayer.NoProjection) => new LearnerAttentionLayer { NoProjection = true },
            nameof(LearnerAttentionLayer.NoProjectionBias) => new LearnerAttentionLayer { NoProjectionBias = true },
            nameof(LearnerAttentionLayer.TransposeProjection) => new LearnerAttentionLayer { TransposeProjection = true },
            _ => throw new ArgumentException(mistake),
        };
        var result = Check(learner);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("on a random layer", result.Message);
        Assert.Contains(diagnosis, result.Message);
        Assert.DoesNotContain("things are off", result.Message);
        Assert.NotNull(result.Hint);
        Assert.Contains("out[", string.Join("\n", result.Details));
    }

    [Theory]
    [InlineData("none", "the scores were not scaled")]
    [InlineData("d_head", "divided by d_head, not by its square root")]
    [InlineData("d_model", "divided by √d_model")]
    [InlineData("multiply", "multiplied by √d_head")]
    public void Each_scaling_mistake_is_named(string scale, string diagnosis)
    {
        Func<Tensor, long, long, Tensor> scaled = scale switch
        {
            "none" => (s, _, _) => s,
            "d_head" => (s, dHead, _) => s / dHead,
            "d_model" => (s, _, dModel) => s / Math.Sqrt(dModel),
            _ => (s, dHead, _) => s * Math.Sqrt(dHead),
        };
        var result = Check(new LearnerAttentionLayer { Scale = scaled });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(diagnosis, result.Message);
        Assert.Contains("√d_head = √4", result.Hint);
    }

    [Theory]
    [InlineData(-2, "the softmax ran over the queries")]
    [InlineData(1, "the softmax ran over the heads axis")]
    public void A_softmax_over_the_wrong_axis_is_named(int dim, string diagnosis)
    {
        var result = Check(new LearnerAttentionLayer { SoftmaxDim = dim });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(diagnosis, result.Message);
    }

    [Fact]
    public void Two_mistakes_at_once_are_both_named()
    {
        var result = Check(new LearnerAttentionLayer { MergeWithoutTranspose = true, NoProjectionBias = true });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("2 things are off", result.Message);
        Assert.Contains("merged without moving the head axis back", result.Message);
        Assert.Contains("c_proj's bias is missing", result.Message);
    }

    [Fact]
    public void A_hard_coded_number_of_heads_is_named()
    {
        var result = Check(new LearnerAttentionLayer { HardCodedHeads = 4 });   // the random layer has 3
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("splits into 4 heads, but these weights have 3", result.Message);
        Assert.Contains("weights.NHeads", result.Hint);
    }

    [Fact]
    public void Using_one_layer_of_the_model_for_every_layer_is_named()
    {
        using var model = TinyGpt2.Load();
        var layer0 = AttentionWeights.FromModel(model, 0);   // as a notebook variable from another cell would be
        var result = Exercises.CheckAttentionLayer((x, w) => new LearnerAttentionLayer().Run(x, x.shape[2] == layer0.DModel ? layer0 : w), model);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("on layer 1 of", result.Message);
        Assert.Contains("computes with layer 0's weights, not the ones it is given", result.Message);
    }

    [Fact]
    public void Returning_the_heads_output_gets_a_shape_hint()
    {
        var result = Exercises.CheckAttentionLayer((x, w) =>
        {
            var full = new LearnerAttentionLayer { NoProjection = true }.Run(x, w);          // [batch, pos, d_model]
            return full.reshape(x.shape[0], x.shape[1], w.NHeads, w.DHead).transpose(1, 2);  // [batch, head, pos, d_head]
        });
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("returned [2, 3, 5, 4], expected [2, 5, 12]", result.Message);
        Assert.Contains("heads' output z", result.Hint);
    }

    [Fact]
    public void The_starting_code_is_not_done_and_an_unfinished_helper_is_named()
    {
        var untouched = Exercises.CheckAttentionLayer((_, _) => throw new NotImplementedException());
        Assert.Equal(CheckOutcome.NotDone, untouched.Outcome);
        Assert.Empty(untouched.Details);

        var helperNotDone = Exercises.CheckAttentionLayer((_, _) => throw new NotImplementedException("Write CausalMask, then run the check below."));
        Assert.Equal(CheckOutcome.NotDone, helperNotDone.Outcome);
        Assert.Contains("Write CausalMask", Assert.Single(helperNotDone.Details));
    }

    [Fact]
    public void A_shape_error_inside_the_function_is_explained_without_a_crash()
    {
        using var model = TinyGpt2.Load();
        var fromAnotherCell = AttentionWeights.FromModel(model, 0).CAttnWeight;   // d_model 32 against the random layer's 12
        var result = Exercises.CheckAttentionLayer((x, w) => torch.einsum("bpd,de->bpe", x, fromAnotherCell));
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains("threw", result.Message);
        Assert.Contains("a variable of another cell", result.Hint);
    }

    [Fact]
    public void A_function_that_changes_its_inputs_in_place_is_judged_on_its_result_only()
    {
        var result = Exercises.CheckAttentionLayer((x, w) =>
        {
            var output = new LearnerAttentionLayer().Run(x, w);
            w.CAttnWeight.zero_();                       // scribbles on the weights it was given, after using them
            x.fill_(float.NaN);
            return output;
        });
        Assert.True(result.Passed, result.ToString());
    }
}
