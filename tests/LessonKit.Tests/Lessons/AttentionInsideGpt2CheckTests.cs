using LessonKit.Lessons;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>The capstone: the learner's attention runs inside GPT-2 and the checker compares with the untouched model.</summary>
public class AttentionInsideGpt2CheckTests
{
    private const string Prompt = "The cat sat on the mat because it was";

    [Fact]
    public void A_correct_attention_gives_identical_predictions_in_every_layer()
    {
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer().Run);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("all 2 layers", result.Message);
        Assert.Contains("next-token predictions are the same", result.Message);
        Assert.Contains("Your code now runs inside GPT-2", result.Message);
    }

    [Fact]
    public void A_correct_attention_passes_on_the_tiny_gpt2_checkpoint_with_a_prompt()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer().Run, model, Prompt);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains($"\"{Prompt}\" (10 tokens)", result.Message);
        Assert.Contains("all 10 next-token predictions are the same", result.Message);
    }

    [Fact]
    public void A_wrong_attention_names_the_first_layer_that_differs_by_how_much_and_the_mistake()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer { Scale = (s, _, _) => s }.Run, model, Prompt);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("layer 0 is the first whose attention output differs from the model's own, by up to ", result.Message);
        Assert.Matches(@"the logits differ by up to \d", result.Message);
        Assert.Contains("In layer 0: the scores were not scaled", result.Hint);
        Assert.Contains("largest difference of hook_attn_out, layer by layer: 0: ", Assert.Single(result.Details));
    }

    [Fact]
    public void A_missing_mask_is_named_and_its_effect_on_the_predictions_counted()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer { NoMask = true }.Run, model, Prompt);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("layer 0 is the first", result.Message);
        Assert.Matches(@"(\d+ of 10 next-token predictions change|every next-token prediction stays the same)", result.Message);
        Assert.Contains("the mask was not applied", result.Hint);
    }

    [Fact]
    public void One_layer_s_weights_used_in_every_layer_shows_up_in_the_second_layer()
    {
        using var model = TinyGpt2.Load();
        var layer0 = AttentionWeights.FromModel(model, 0);
        var result = Exercises.CheckAttentionInsideGpt2((x, _) => new LearnerAttentionLayer().Run(x, layer0), model, Prompt);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("layer 1 is the first", result.Message);
        Assert.Contains("layer 0 matches", result.Message);
        Assert.Contains("computes with layer 0's weights", result.Hint);
    }

    [Fact]
    public void The_starting_code_is_not_done()
    {
        var result = Exercises.CheckAttentionInsideGpt2((_, _) => throw new NotImplementedException("Write AttentionLayer, then run the check below."));
        Assert.Equal(CheckOutcome.NotDone, result.Outcome);
        Assert.Contains("AttentionLayer, Exercise 4", result.Message);
        Assert.Contains("Write AttentionLayer", Assert.Single(result.Details));
    }

    [Fact]
    public void A_function_that_throws_or_returns_the_wrong_shape_is_explained()
    {
        var throws = Exercises.CheckAttentionInsideGpt2((x, w) => torch.einsum("bpd,de->bpe", x, w.CProjWeight.narrow(0, 0, 3)));
        Assert.Equal(CheckOutcome.Failed, throws.Outcome);
        Assert.StartsWith("GPT-2 could not run with your attention: Your attention function threw", throws.Message);
        Assert.Contains("in layer 0", throws.Message);

        var wrongShape = Exercises.CheckAttentionInsideGpt2((x, w) => new LearnerAttentionLayer { NoProjection = true }.Run(x, w).narrow(1, 0, 1));
        Assert.Equal(CheckOutcome.Failed, wrongShape.Outcome);
        Assert.Contains("returned shape [1, 1, 32]", wrongShape.Message);
    }
}
