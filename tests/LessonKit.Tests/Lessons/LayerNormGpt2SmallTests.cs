using LessonKit.Lessons;
using TorchSharp;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The LayerNorm check at GPT-2 small's shape (12 blocks, d_model 768), its LayerNorms given random scales and shifts
/// (a fresh model has 1 and 0, which would hide a missing γ or β): the folded solution passes in all 25 LayerNorms.
/// </summary>
[Trait("Category", "Slow")] // allocates GPT-2 small (500 MB)
public sealed class LayerNormGpt2SmallTests : IDisposable
{
    private readonly HookedGpt2 _model = HookedGpt2.FromConfig(new Gpt2Config(), seed: 5);

    public LayerNormGpt2SmallTests()
    {
        var generator = new torch.Generator(5);
        using var noGrad = torch.no_grad();
        foreach (var (name, weight) in _model.Weights.Where(w => w.Key.Contains("ln_", StringComparison.Ordinal)))
        {
            if (name.EndsWith(".weight", StringComparison.Ordinal)) weight.normal_(1, 0.3, generator);
            else weight.normal_(0, 0.3, generator);
        }
    }

    public void Dispose() => _model.Dispose();

    [Fact]
    public void The_folded_solution_passes_in_every_layer_norm()
    {
        var result = Exercises.CheckLayerNorm(LayerNormCheckTests.Solution, _model);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("ln1 and ln2 of its 12 blocks and ln_final", result.Message);
    }

    [Fact]
    public void A_size_fixed_to_the_test_input_is_found_in_the_first_layer_norm()
    {
        // The variance divided by a fixed 8, the test input's d_model: right there, wrong for 768 numbers a position.
        var result = Exercises.CheckLayerNorm((x, w, b) =>
        {
            var mean = x.mean([-1], keepdim: true);
            return (x - mean) / ((x - mean).pow(2).sum([-1], keepdim: true) / 8 + 1e-5).sqrt() * w + b;
        }, _model);
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("right on the test input, but on ln1 of block 0 of custom (12 layers × 12 heads)", result.Message);
    }
}
