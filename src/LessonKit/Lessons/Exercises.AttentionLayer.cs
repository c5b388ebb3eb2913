using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string AttentionLayerExercise = "Whole attention layer";

    /// <summary>Absolute and relative tolerance for a layer's output compared with the model's, in float32 through d_model-long sums.</summary>
    private const double LayerTolerance = 1e-3;

    /// <summary>
    /// Checks a whole attention layer: <c>layer(x, weights)</c> with x [batch, pos, d_model] (the first LayerNorm's
    /// output) must return what GPT-2's attention adds to the residual stream, [batch, pos, d_model]: q, k, v from
    /// <c>c_attn</c>, split into <see cref="AttentionWeights.NHeads"/> heads, causal scaled dot-product attention, the
    /// heads side by side again, then <c>c_proj</c>.
    /// </summary>
    /// <remarks>
    /// First on a random layer (batch 2, 5 positions, d_model 12, 3 heads of d_head 4: every size different, numbers
    /// large enough that each usual mistake shows), where a wrong output is compared with what each usual mistake
    /// (one or two at a time: q/k/v read wrongly, heads split wrongly, scale, mask, softmax axis, heads merged without
    /// the transpose, projection missing or transposed, the wrong number of heads) computes, to name it; then on
    /// <paramref name="model"/>'s own first-LayerNorm outputs and weights in every layer, against its <c>hook_attn_out</c>.
    /// Without a model, a small random-weight GPT-2 is used.
    /// </remarks>
    public static CheckResult CheckAttentionLayer(Func<Tensor, AttentionWeights, Tensor> layer, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(layer);
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var (x, weights) = AttentionLayerInputs();
        var (output, problem) = Attempt(AttentionLayerExercise, "AttentionLayer(x, weights)", () => layer(Copy(x), CopyOf(weights)));
        if (problem is not null) return WithLayerHint(problem);
        var expected = AttentionReference.AttentionLayer(x, weights);
        if (!output!.shape.SequenceEqual(expected.shape))
            return CheckResult.Fail(AttentionLayerExercise,
                $"AttentionLayer(x, weights) of x {TensorComparison.Shape(x.shape)} returned {TensorComparison.Shape(output.shape)}, expected {TensorComparison.Shape(expected.shape)} = [batch, pos, d_model].",
                LayerShapeHint(output.shape, x.shape, weights));
        if (!output.is_floating_point())
            return CheckResult.Fail(AttentionLayerExercise, $"AttentionLayer returned {output.dtype} values.", "The layer's output is float32, like x.");
        if (TensorComparison.FirstMismatch(output, expected) is long flat)
        {
            string evidence = TensorComparison.DescribeMismatch("out", output, expected, flat);
            return DiagnoseLayer(output, x, weights, $"on a random layer ({weights.NHeads} heads, d_model {weights.DModel})", evidence, TensorComparison.DefaultAbsolute)
                ?? CheckResult.Fail(AttentionLayerExercise, "on a random layer the output differs from GPT-2's attention.",
                    "Go step by step and print each shape: qkv = x · c_attn + b [batch, pos, 3·d_model]; q, k, v split into heads [batch, head, pos, d_head]; " +
                    "softmax(q·kᵀ / √d_head with the causal mask) · v; transpose back and reshape to [batch, pos, d_model]; · c_proj + b.", evidence);
        }

        var tokens = gpt.ToTokens(ExerciseModel.Sentence, truncate: true);
        var (_, cache) = gpt.RunWithCache(tokens, name => name.EndsWith("ln1.hook_normalized") || name.EndsWith("hook_attn_out"));
        using (cache)
        {
            for (int l = 0; l < gpt.Config.NLayers; l++)
            {
                var layerInput = cache["normalized", l, "ln1"];                  // [batch, pos, d_model]
                var layerWeights = AttentionWeights.FromModel(gpt, l);
                var (mine, failure) = Attempt(AttentionLayerExercise, $"AttentionLayer on layer {l} of {ExerciseModel.Describe(gpt)}",
                    () => layer(Copy(layerInput), CopyOf(layerWeights)));
                if (failure is not null) return WithLayerHint(failure);
                var reference = cache["attn_out", l];
                if (!mine!.shape.SequenceEqual(reference.shape))
                    return CheckResult.Fail(AttentionLayerExercise,
                        $"on layer {l} of {ExerciseModel.Describe(gpt)} the output is {TensorComparison.Shape(mine.shape)}, expected {TensorComparison.Shape(reference.shape)}.",
                        "Read every size from x.shape and weights (weights.NHeads, weights.DHead); never hard-code one.");
                if (TensorComparison.FirstMismatch(mine, reference, LayerTolerance, LayerTolerance) is long modelFlat)
                {
                    string evidence = TensorComparison.DescribeMismatch("out", mine, reference, modelFlat);
                    return DiagnoseLayer(mine, layerInput, layerWeights, $"on layer {l} of {ExerciseModel.Describe(gpt)}", evidence, LayerTolerance, gpt)
                        ?? CheckResult.Fail(AttentionLayerExercise, $"correct on the random layer, but on layer {l} of {ExerciseModel.Describe(gpt)} it differs from the model's hook_attn_out.",
                            "Read every size from x.shape and weights, and use only the weights your function is given.", evidence);
                }
            }
        }
        return CheckResult.Pass(AttentionLayerExercise,
            $"correct on a random layer and equal to hook_attn_out in all {gpt.Config.NLayers} layers of {ExerciseModel.Describe(gpt)}.");
    }

    /// <summary>
    /// The random layer of the first stage: x [2, 5, 12] standard normal, 3 heads of d_head 4, weights scaled so the
    /// scores are around unit size, and biases large enough that leaving one out shows.
    /// </summary>
    internal static (Tensor X, AttentionWeights Weights) AttentionLayerInputs()
    {
        const int dModel = 12, heads = 3;
        using var generator = new torch.Generator(20241203);
        var x = torch.randn([2, 5, dModel], generator: generator);
        var cAttnWeight = torch.randn([dModel, 3 * dModel], generator: generator) / Math.Sqrt(dModel) * 1.5;
        var cAttnBias = torch.randn([3 * dModel], generator: generator) * 0.5;
        var cProjWeight = torch.randn([dModel, dModel], generator: generator) / Math.Sqrt(dModel);
        var cProjBias = torch.randn([dModel], generator: generator) * 0.5;
        return (x, new AttentionWeights(cAttnWeight, cAttnBias, cProjWeight, cProjBias, heads));
    }

    /// <summary>Fresh copies of the weights for learner code, which may change them in place.</summary>
    private static AttentionWeights CopyOf(AttentionWeights weights) =>
        new(weights.CAttnWeight.clone(), weights.CAttnBias.clone(), weights.CProjWeight.clone(), weights.CProjBias.clone(), weights.NHeads, weights.Layer);

    /// <summary>
    /// Names what a wrong layer output <paramref name="output"/> computed on <paramref name="x"/>: a usual mistake (one
    /// or two at a time), the wrong number of heads, or (with <paramref name="model"/>) another layer's weights. Null
    /// when it matches none of them.
    /// </summary>
    private static CheckResult? DiagnoseLayer(Tensor output, Tensor x, AttentionWeights weights, string where, string evidence, double tolerance, HookedGpt2? model = null)
    {
        bool Matches(Tensor other, bool nanEqual = false) => TensorComparison.Close(output, other, tolerance, tolerance, nanEqual);

        foreach (int heads in Divisors(weights.DModel).Where(h => h != weights.NHeads))
            if (Matches(new AttentionLayerVariant().Compute(x, weights, heads)))
                return CheckResult.Fail(AttentionLayerExercise, $"{where} your layer splits into {heads} heads, but these weights have {weights.NHeads}.",
                    "Read the number of heads from weights.NHeads (and d_head = d_model / weights.NHeads), not from a number or a variable of another cell.", evidence);

        foreach (var variant in AttentionLayerVariant.Mistakes())
        {
            if (!Matches(variant.Compute(x, weights), variant.MayHaveNaN)) continue;
            return CheckResult.Mistakes(AttentionLayerExercise, variant.Mistakes(weights).ToArray(), where, aside: null, evidence);
        }

        if (model is not null)
        {
            for (int other = 0; other < model.Config.NLayers; other++)
            {
                if (other == weights.Layer) continue;
                if (Matches(AttentionReference.AttentionLayer(x, AttentionWeights.FromModel(model, other))))
                    return CheckResult.Fail(AttentionLayerExercise, $"{where} your layer computes with layer {other}'s weights, not the ones it is given.",
                        "Use the weights passed to your function (weights.CAttnWeight, ...), not a variable from another cell such as cAttnW, which holds one layer's.", evidence);
            }
        }
        if (TensorComparison.HasNaN(output))
            return CheckResult.Fail(AttentionLayerExercise, $"{where} your layer returned NaN (not a number) values.",
                "NaN comes from a softmax over a row that is all -∞: check which entries you mask, and the softmax axis.", evidence);
        return null;
    }

    private static IEnumerable<int> Divisors(int n) => Enumerable.Range(1, n).Where(d => n % d == 0);

    /// <summary>Adds to a failure from learner code the reminder that every size and weight comes from the arguments.</summary>
    private static CheckResult WithLayerHint(CheckResult problem) =>
        problem.Outcome != CheckOutcome.Failed ? problem : CheckResult.Fail(problem.Exercise, problem.Message,
            problem.Hint + " In AttentionLayer, read every size from x.shape and weights (weights.NHeads, weights.DHead), and every weight from weights: " +
            "a variable of another cell (cAttnW, dModel) belongs to one layer of one model.", [.. problem.Details]);

    private static string LayerShapeHint(long[] actual, long[] x, AttentionWeights weights)
    {
        long batch = x[0], positions = x[1], dModel = x[2];
        if (actual.SequenceEqual(new[] { batch, weights.NHeads, positions, (long)weights.DHead }))
            return "That is the heads' output z [batch, head, pos, d_head]: put the heads side by side again ([batch, pos, d_model]) and multiply by c_proj.";
        if (actual.SequenceEqual(new[] { batch, positions, 3 * dModel }))
            return "That is x · c_attn [batch, pos, 3·d_model], the queries, keys and values of every head; the layer goes on from there.";
        if (actual.SequenceEqual(new[] { batch, positions, (long)weights.NHeads, (long)weights.DHead }))
            return "That is [batch, pos, head, d_head]: reshape to [batch, pos, d_model] and multiply by c_proj.";
        return "The layer returns one d_model-wide vector per position: [batch, pos, d_model], the shape of x.";
    }

    private static string Number(double value) => value.ToString("0.###", CultureInfo.InvariantCulture);
}
