using LessonKit.Lessons;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The capstone at GPT-2 small's shape (12 layers of 12 heads, d_model 768): the model's own pass of a short prompt goes
/// through the few-row kernels, the learner's attention through libtorch, and the check's tolerances still hold.
/// </summary>
[Trait("Category", "Slow")] // allocates GPT-2 small (500 MB)
public sealed class AttentionInsideGpt2SmallTests : IDisposable
{
    private readonly HookedGpt2 _model = HookedGpt2.FromConfig(new Gpt2Config(), seed: 3);

    public void Dispose() => _model.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a learner who switched the kernels off
    public void A_correct_attention_passes_in_all_12_layers(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer().Run, _model, "The cat sat on the mat because it was");
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("all 12 layers", result.Message);
    }

    [Fact]
    public void A_missing_mask_is_found_in_layer_0_and_named()
    {
        var result = Exercises.CheckAttentionInsideGpt2(new LearnerAttentionLayer { NoMask = true }.Run, _model, "The cat sat on the mat because it was");
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("layer 0 is the first", result.Message);
        Assert.Contains("the mask was not applied", result.Hint);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)] // a learner who switched the kernels off
    public void The_whole_layer_check_passes_on_every_layer(bool kernels)
    {
        using var fastPath = FastKernels.Use(kernels);
        var result = Exercises.CheckAttentionLayer(new LearnerAttentionLayer().Run, _model);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("all 12 layers", result.Message);
    }
}
