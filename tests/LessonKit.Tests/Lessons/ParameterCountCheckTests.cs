using System.Globalization;
using LessonKit.Lessons;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Lessons;

public class ParameterCountCheckTests
{
    /// <summary>The lesson's folded solution, part by part.</summary>
    private static long Solution(Gpt2Config config)
    {
        long d = config.DModel, mlp = config.DMlp;
        long embeddings = (long)config.DVocab * d + (long)config.NCtx * d;
        long attention = d * 3 * d + 3 * d + d * d + d;
        long feedForward = d * mlp + mlp + mlp * d + d;
        long layerNorms = 2 * 2 * d;
        return embeddings + config.NLayers * (attention + feedForward + layerNorms) + 2 * d;
    }

    /// <summary>
    /// The compact form learners write: W_E + W_pos + n_layers · (12·d² + 13·d) + ln_f, here with parts to leave out or
    /// add, one per usual mistake. Per block: 12·d² weights, 9·d linear biases (3d + d + 4d + d) and 4·d in two LayerNorms.
    /// </summary>
    private static Func<Gpt2Config, long> Compact(bool linearBiases = true, long layerNormVectors = 2, bool finalLayerNorm = true,
        bool positions = true, bool unembeddingAgain = false, bool perLayer = true, bool maskBuffers = false) => c =>
    {
        long d = c.DModel;
        long block = 12 * d * d + (linearBiases ? 9 * d : 0) + 2 * layerNormVectors * d;
        return (long)c.DVocab * d + (positions ? (long)c.NCtx * d : 0) + (perLayer ? c.NLayers : 1) * block
               + (finalLayerNorm ? layerNormVectors * d : 0) + (unembeddingAgain ? (long)c.DVocab * d : 0)
               + (maskBuffers ? (long)c.NLayers * c.NCtx * c.NCtx : 0);
    };

    [Fact]
    public void The_solution_passes_on_the_checkpoints_and_made_up_configs()
    {
        var result = Exercises.CheckParameterCount(Solution);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains("gpt2 124,439,808", result.Message);
        Assert.Contains("gpt2-xl 1,557,611,200", result.Message);
        Assert.Contains("2 made-up ones", result.Message);
    }

    [Fact]
    public void The_solution_passes_against_what_the_tiny_checkpoint_holds()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckParameterCount(Solution, model);
        Assert.True(result.Passed, result.ToString());
        Assert.Contains($"the loaded model ({model.Config.ModelName}) {model.ParameterCount.ToString("N0", CultureInfo.InvariantCulture)} (model.ParameterCount", result.Message);
    }

    [Fact]
    public void A_mistake_is_reported_first_on_the_loaded_model()
    {
        using var model = TinyGpt2.Load();
        var result = Exercises.CheckParameterCount(Compact(finalLayerNorm: false), model);
        Assert.False(result.Passed);
        long expected = model.ParameterCount, yours = expected - 2 * model.Config.DModel;
        Assert.Contains($"(for the loaded model ({model.Config.ModelName}) you count {yours.ToString("N0", CultureInfo.InvariantCulture)}; " +
                        $"it holds {expected.ToString("N0", CultureInfo.InvariantCulture)})", result.Message);
    }

    [Fact]
    public void The_compact_formula_with_12_d_squared_plus_13_d_passes()
    {
        Assert.True(Exercises.CheckParameterCount(Compact()).Passed);
    }

    [Fact]
    public void Missing_biases_are_named()
    {
        var result = Exercises.CheckParameterCount(Compact(linearBiases: false));
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.StartsWith("The biases of the linear layers are missing (for gpt2 you count 124,356,864; it holds 124,439,808)", result.Message);
        Assert.Contains("bias vector", result.Hint);
        Assert.Contains("gpt2: yours 124,356,864, expected 124,439,808 (82,944 too few = 108 × d_model)", result.Details);
    }

    [Fact]
    public void Missing_layer_norms_are_named()
    {
        var result = Exercises.CheckParameterCount(Compact(layerNormVectors: 0));
        Assert.False(result.Passed);
        Assert.StartsWith("The LayerNorms are missing", result.Message);
    }

    [Fact]
    public void LayerNorms_without_their_shift_are_named()
    {
        var result = Exercises.CheckParameterCount(Compact(layerNormVectors: 1));
        Assert.False(result.Passed);
        Assert.StartsWith("Each LayerNorm is counted with its scale only", result.Message);
    }

    [Fact]
    public void A_missing_final_layer_norm_is_named()
    {
        var result = Exercises.CheckParameterCount(Compact(finalLayerNorm: false));
        Assert.False(result.Passed);
        Assert.StartsWith("The final LayerNorm (ln_f, after the last block) is missing", result.Message);
    }

    [Fact]
    public void Missing_position_embeddings_are_named()
    {
        var result = Exercises.CheckParameterCount(Compact(positions: false));
        Assert.False(result.Passed);
        Assert.StartsWith("The position embedding W_pos is missing", result.Message);
        Assert.Contains("[n_ctx, d_model]", result.Hint);
    }

    [Fact]
    public void The_tied_unembedding_counted_twice_is_named()
    {
        var result = Exercises.CheckParameterCount(Compact(unembeddingAgain: true));
        Assert.False(result.Passed);
        Assert.StartsWith("The unembedding is counted as well as the token embedding, but GPT-2 ties them", result.Message);
        Assert.Contains("38,597,376 too many", string.Join("\n", result.Details));
    }

    [Fact]
    public void One_block_instead_of_all_is_named()
    {
        var result = Exercises.CheckParameterCount(Compact(perLayer: false));
        Assert.False(result.Passed);
        Assert.StartsWith("Only one block is counted", result.Message);
    }

    [Fact]
    public void Counting_the_causal_mask_buffers_is_named()
    {
        var result = Exercises.CheckParameterCount(Compact(maskBuffers: true));
        Assert.False(result.Passed);
        Assert.StartsWith("The causal mask is counted, but it is not a parameter", result.Message);
    }

    [Fact]
    public void Two_mistakes_at_once_are_both_named()
    {
        var result = Exercises.CheckParameterCount(Compact(linearBiases: false, positions: false));
        Assert.False(result.Passed);
        Assert.StartsWith("2 things are off: the biases of the linear layers are missing; and the position embedding W_pos is missing", result.Message);
        Assert.Contains("bias vector", result.Hint);
        Assert.Contains("W_pos is [n_ctx, d_model]", result.Hint);
    }

    [Fact]
    public void Every_mistake_the_checker_knows_gives_its_own_counts_so_none_is_confused_with_another()
    {
        var probes = Exercises.ParameterCountProbes(null);
        long[] Counts(CountMistake mistakes) => probes.Select(p => ParameterCountReference.Count(p.Config, mistakes)).ToArray();
        var right = Counts(CountMistake.None);
        var all = ParameterCountReference.Mistakes.Select(m => (Mistakes: m, Counts: Counts(m))).ToArray();

        Assert.Equal(13 + 13 * 12 / 2 - 3, all.Length);
        Assert.All(all, a => Assert.False(a.Counts.SequenceEqual(right), $"{a.Mistakes} gives the right counts"));
        var collisions = all.GroupBy(a => string.Join(",", a.Counts)).Where(g => g.Count() > 1).Select(g => string.Join(" = ", g.Select(a => a.Mistakes)));
        Assert.Empty(collisions);
        Assert.All(ParameterCountReference.Mistakes, m => Assert.NotEmpty(ParameterCountReference.Explain(m)));
    }

    [Fact]
    public void The_reference_without_mistakes_is_what_a_built_model_holds()
    {
        foreach (var probe in Exercises.ParameterCountProbes(null))
            Assert.Equal(Gpt2Parameters.Count(probe.Config), ParameterCountReference.Count(probe.Config));
        foreach (var probe in Exercises.ParameterCountProbes(null).Where(p => p.Source == "made up"))
        {
            using var model = HookedGpt2.FromConfig(probe.Config, seed: 1);
            Assert.Equal(model.ParameterCount, probe.Expected);
        }
    }

    [Fact]
    public void Numbers_copied_from_gpt2_are_told_to_come_from_the_config()
    {
        var result = Exercises.CheckParameterCount(_ => 124_439_808);
        Assert.False(result.Passed);
        Assert.Equal("CountParameters returns 124,439,808 whatever the config.", result.Message);
        Assert.Contains("config.NLayers", result.Hint);
    }

    [Fact]
    public void Sizes_fixed_to_gpt2_small_are_right_for_it_only()
    {
        var result = Exercises.CheckParameterCount(c => 50257L * 768 + 1024 * 768 + c.NLayers * (12L * 768 * 768 + 13 * 768) + 2 * 768);
        Assert.False(result.Passed);
        Assert.StartsWith("right for gpt2, distilgpt2, but not for the others (for gpt2-medium you count", result.Message);
        Assert.Contains("read every size from config", result.Hint);
    }

    [Fact]
    public void A_mistake_the_checker_does_not_know_gets_the_difference()
    {
        var result = Exercises.CheckParameterCount(c => Solution(c) + 1);
        Assert.False(result.Passed);
        Assert.Equal("For gpt2 you count 124,439,809; it holds 124,439,808 (1 too many).", result.Message);
        Assert.Contains("section 4", result.Hint);
    }

    [Fact]
    public void The_starting_code_is_not_done_and_an_exception_is_reported()
    {
        Assert.Equal(CheckOutcome.NotDone, Exercises.CheckParameterCount(_ => throw new NotImplementedException()).Outcome);
        var thrown = Exercises.CheckParameterCount(_ => throw new DivideByZeroException());
        Assert.Equal(CheckOutcome.Failed, thrown.Outcome);
        Assert.Contains("CountParameters for gpt2 threw DivideByZeroException", thrown.Message);
        Assert.Throws<ArgumentNullException>(() => Exercises.CheckParameterCount(null!));
    }
}
