using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The reference answers of the attention exercises, written the way the lesson asks for them (the model computes
/// the same in <c>Model/Gpt2Attention.cs</c>), and the usual mistakes, so a checker can say which one a learner made.
/// </summary>
internal static class AttentionReference
{
    /// <summary>
    /// The causal mask [query, key]: true where the query may attend to the key (the key is not later). The model
    /// makes its mask in the same place, <c>Model/CausalMask.cs</c>, so a learner's mask is judged by the model's meaning.
    /// </summary>
    public static Tensor CausalMask(long positions) => Model.CausalMask.Make(positions);

    /// <summary>
    /// softmax(q·kᵀ / √d_head, masked) · v, as an <see cref="AttentionVariant"/> without mistakes computes it.
    /// q [.., query, d_head], k and v [.., key, d_head], mask [query, key] (true = may attend) or null for no mask.
    /// Returns [.., query, d_head].
    /// </summary>
    public static Tensor Attention(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        var scores = q.matmul(k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]); // [.., query, key]
        if (mask is not null) scores = scores.masked_fill(mask.logical_not(), double.NegativeInfinity);
        return scores.softmax(-1).matmul(v);                                   // each query's weights sum to 1 over the keys
    }

    /// <summary>[batch, pos, d_model] → [batch, head, pos, d_head]: each head's d_head columns are contiguous (as in GPT-2).</summary>
    public static Tensor SplitHeads(Tensor x, int heads)
    {
        long batch = x.shape[0], positions = x.shape[1], dHead = x.shape[2] / heads;
        return x.reshape(batch, positions, heads, dHead).transpose(1, 2);
    }

    /// <summary>
    /// A whole attention layer, as GPT-2 computes it: x [batch, pos, d_model] → q, k, v from <c>c_attn</c> → heads →
    /// causal scaled dot-product attention → heads side by side → <c>c_proj</c>: [batch, pos, d_model].
    /// </summary>
    public static Tensor AttentionLayer(Tensor x, AttentionWeights weights)
    {
        long batch = x.shape[0], positions = x.shape[1], dModel = x.shape[2];
        var qkv = x.matmul(weights.CAttnWeight) + weights.CAttnBias;                 // [batch, pos, 3·d_model]
        var parts = qkv.split(dModel, -1).Select(part => SplitHeads(part, weights.NHeads)).ToArray(); // q, k, v: [batch, head, pos, d_head]
        var z = Attention(parts[0], parts[1], parts[2], CausalMask(positions));       // [batch, head, pos, d_head]
        var merged = z.transpose(1, 2).reshape(batch, positions, dModel);            // [batch, pos, d_model]
        return merged.matmul(weights.CProjWeight) + weights.CProjBias;
    }

    /// <summary>
    /// Every way of computing attention that is wrong in one or more of the usual places (the scale, the mask, the
    /// softmax), fewest mistakes first: a learner's output that matches one tells the checker exactly what to say.
    /// </summary>
    public static IEnumerable<AttentionVariant> AttentionMistakes() =>
        from scale in Enum.GetValues<ScaleChoice>()
        from mask in Enum.GetValues<MaskChoice>()
        from softmax in Enum.GetValues<SoftmaxChoice>()
        let variant = new AttentionVariant(scale, mask, softmax)
        where variant.MistakeCount > 0
        orderby variant.MistakeCount
        select variant;

    /// <summary>What typical wrong head-splitting code computes.</summary>
    public static IReadOnlyList<Mistake<Func<Tensor, int, Tensor>>> SplitHeadsMistakes() =>
    [
        new("positions and heads got mixed: reshaping straight to [batch, head, pos, d_head] cuts the numbers of several positions into one head.",
            "Reshape to [batch, pos, head, d_head] first (the head axis must come right after pos, where the numbers are), then swap axes 1 and 2 with transpose(1, 2).",
            (x, h) => x.reshape(x.shape[0], h, x.shape[1], x.shape[2] / h)),
        new("the heads are interleaved: head 0 got columns 0, h, 2h, ... instead of the first d_head columns.",
            "GPT-2 keeps each head's d_head numbers side by side: reshape to [batch, pos, head, d_head] (head before d_head), not [batch, pos, d_head, head].",
            (x, h) => x.reshape(x.shape[0], x.shape[1], x.shape[2] / h, h).permute(0, 3, 1, 2)),
    ];

    /// <summary>A typical mistake: what the checker says, what to try, and what that mistaken code computes.</summary>
    internal sealed record Mistake<TFunction>(string Diagnosis, string Hint, TFunction Compute);
}
