using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string AttentionExercise = "Scaled dot-product attention";

    /// <summary>
    /// Checks scaled dot-product attention: <c>attention(q, k, v, mask)</c> with q [batch, head, query, d_head],
    /// k and v [batch, head, key, d_head] and mask a bool [query, key] (true = may attend) or null (no mask) must
    /// return softmax(q·kᵀ / √d_head, masked with -∞) · v, [batch, head, query, d_head].
    /// </summary>
    /// <remarks>
    /// First on random inputs whose numbers are large enough that every usual mistake changes the output (no
    /// scaling, wrong scale, no mask, inverted mask, masking with 0 or after the softmax, softmax over the wrong axis,
    /// no softmax), with and without a mask; then on <paramref name="model"/>'s own queries, keys and values in every
    /// layer, against its <c>hook_z</c>. Without a model, a small random-weight GPT-2 is used.
    /// </remarks>
    public static CheckResult CheckScaledDotProductAttention(Func<Tensor, Tensor, Tensor, Tensor?, Tensor> attention, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(attention);
        // Made (once) outside the dispose scope below, which would otherwise free the shared model's weights.
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var (q, k, v, mask) = AttentionInputs();

        var masked = JudgeAttention(attention, q, k, v, mask, "ScaledDotProductAttention(q, k, v, mask)");
        if (masked is not null) return masked;
        var unmasked = JudgeAttention(attention, q, k, v, null, "ScaledDotProductAttention(q, k, v, null)");
        if (unmasked is not null) return unmasked;

        var tokens = gpt.ToTokens(ExerciseModel.Sentence, truncate: true);
        var (_, cache) = gpt.RunWithCache(tokens, name => name.EndsWith("attn.hook_q") || name.EndsWith("attn.hook_k") || name.EndsWith("attn.hook_v") || name.EndsWith("attn.hook_z"));
        using (cache)
        {
            var causal = AttentionReference.CausalMask(tokens.shape[1]);
            for (int layer = 0; layer < gpt.Config.NLayers; layer++)
            {
                // The hooks are [batch, pos, head, d_head]; attention works per head: [batch, head, pos, d_head].
                var (output, problem) = Attempt(AttentionExercise, $"ScaledDotProductAttention on layer {layer}'s q, k, v",
                    () => attention(Copy(cache["q", layer].transpose(1, 2)), Copy(cache["k", layer].transpose(1, 2)), Copy(cache["v", layer].transpose(1, 2)), Copy(causal)));
                if (problem is not null) return problem;
                var expected = cache["z", layer].transpose(1, 2);
                if (!output!.shape.SequenceEqual(expected.shape))
                    return CheckResult.Fail(AttentionExercise, $"on layer {layer} of {ExerciseModel.Describe(gpt)} the output is {TensorComparison.Shape(output.shape)}, expected {TensorComparison.Shape(expected.shape)}.",
                        "Read the sizes from the inputs (q.shape, k.shape), never hard-code them.");
                if (TensorComparison.FirstMismatch(output, expected) is long flat)
                    return CheckResult.Fail(AttentionExercise, $"correct on the random inputs, but on layer {layer} of {ExerciseModel.Describe(gpt)} it differs from the model's hook_z.",
                        "Read d_head from the inputs (q.shape[^1]) rather than assuming a number.",
                        TensorComparison.DescribeMismatch("out", output, expected, flat));
            }
        }
        return CheckResult.Pass(AttentionExercise,
            $"correct on random inputs (with and without a mask) and equal to hook_z in all {gpt.Config.NLayers} layers of {ExerciseModel.Describe(gpt)}.");
    }

    /// <summary>
    /// The random inputs of the first stage: batch 2, 3 heads, 5 positions, d_head 8 (every axis a different size, so
    /// a shape tells the axes apart), standard normal, so that every usual mistake changes the output; and the causal mask.
    /// </summary>
    internal static (Tensor Q, Tensor K, Tensor V, Tensor Mask) AttentionInputs()
    {
        using var generator = new torch.Generator(20240917);
        return (torch.randn([2, 3, 5, 8], generator: generator), torch.randn([2, 3, 5, 8], generator: generator),
                torch.randn([2, 3, 5, 8], generator: generator), AttentionReference.CausalMask(5));
    }

    private static CheckResult? JudgeAttention(Func<Tensor, Tensor, Tensor, Tensor?, Tensor> attention, Tensor q, Tensor k, Tensor v, Tensor? mask, string call)
    {
        var (output, problem) = Attempt(AttentionExercise, call, () => attention(Copy(q), Copy(k), Copy(v), Copy(mask)));
        if (problem is not null) return problem;

        var expected = AttentionReference.Attention(q, k, v, mask);
        if (!output!.shape.SequenceEqual(expected.shape))
            return CheckResult.Fail(AttentionExercise, $"{call} returned shape {TensorComparison.Shape(output.shape)}, expected {TensorComparison.Shape(expected.shape)} = [batch, head, query, d_head].",
                AttentionShapeHint(output.shape, q.shape, k.shape));
        if (!output.is_floating_point())
            return CheckResult.Fail(AttentionExercise, $"{call} returned {output.dtype} values.", "The output mixes the values v, so it is float32 like them.");
        if (TensorComparison.FirstMismatch(output, expected) is not long flat) return null;

        string evidence = TensorComparison.DescribeMismatch("out", output, expected, flat);
        if (mask is null)
        {
            var causal = AttentionReference.Attention(q, k, v, AttentionReference.CausalMask(q.shape[^2]));
            if (TensorComparison.Close(output, causal))
                return CheckResult.Fail(AttentionExercise, "with mask = null your function still hides the later keys.",
                    "Apply the mask you are given, and none when it is null: every key is then allowed.", evidence);
        }
        // Without a mask, the mask mistakes compute the reference itself, so they cannot match a wrong output.
        foreach (var variant in AttentionReference.AttentionMistakes())
        {
            if (!TensorComparison.Close(output, variant.Compute(q, k, v, mask), nanEqual: variant.MayHaveNaN)) continue;
            return CheckResult.Mistakes(AttentionExercise, variant.Mistakes(q.shape[^1]).ToArray(), where: call, aside: null, evidence);
        }
        if (TensorComparison.HasNaN(output))
            return CheckResult.Fail(AttentionExercise, $"{call} returned NaN (not a number) values.",
                "NaN comes from a softmax over a row that is all -∞: check which entries you mask, and the softmax axis.", evidence);
        return CheckResult.Fail(AttentionExercise, $"{call} returned different values from softmax(q·kᵀ / √d_head) · v.",
            "Go step by step: scores = q·kᵀ [batch, head, query, key]; divide by √d_head; set scores to -∞ where mask is false; softmax(-1); multiply by v.",
            evidence);
    }

    private static string AttentionShapeHint(long[] actual, long[] q, long[] k)
    {
        long batch = q[0], heads = q[1], queries = q[2], dHead = q[3], keys = k[2];
        if (actual.SequenceEqual(new[] { batch, heads, queries, keys }))
            return "That is the attention pattern [batch, head, query, key]. Multiply it by v to mix the values: torch.einsum(\"bhqk,bhkd->bhqd\", pattern, v).";
        if (actual.SequenceEqual(new[] { batch, queries, heads, dHead }))
            return "That is [batch, query, head, d_head]: keep the head axis second (no transpose at the end).";
        if (actual.SequenceEqual(new[] { batch, heads, dHead, queries }))
            return "The last two axes are swapped: multiply pattern [.., query, key] by v [.., key, d_head], in that order.";
        return "The output has one row per query, holding a mix of the value vectors: [batch, head, query, d_head].";
    }
}
