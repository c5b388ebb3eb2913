using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The reference answers of the attention exercises, written the way the lesson asks for them (the model computes
/// the same in <c>Model/Gpt2Attention.cs</c>), and the usual mistakes, so a checker can say which one a learner made.
/// </summary>
internal static class AttentionReference
{
    /// <summary>The causal mask [query, key]: true where the query may look at the key (the key is not later).</summary>
    public static Tensor CausalMask(long positions) => torch.ones(positions, positions, dtype: ScalarType.Bool).tril();

    /// <summary>
    /// softmax(q·kᵀ / √d_head, masked) · v. q [.., query, d_head], k and v [.., key, d_head], mask [query, key]
    /// (true = may attend) or null for no mask. Returns [.., query, d_head].
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
    /// What typical wrong attention code computes, most specific first: a learner's output that matches one of these
    /// tells the checker what to say.
    /// </summary>
    public static IReadOnlyList<Mistake<Func<Tensor, Tensor, Tensor, Tensor?, Tensor>>> AttentionMistakes(long dHead)
    {
        double root = Math.Sqrt(dHead);
        Tensor Masked(Tensor scores, Tensor? mask, double fill) =>
            mask is null ? scores : scores.masked_fill(mask.logical_not(), fill);
        Tensor Raw(Tensor q, Tensor k) => q.matmul(k.transpose(-2, -1));
        string rootText = $"√{dHead} ≈ {root:0.##}";
        return
        [
            new("the scores were not scaled: your output is what softmax(q·kᵀ) gives without dividing by √d_head.",
                $"Divide q·kᵀ by √d_head (here {rootText}) before the softmax. Without it, the scores grow with d_head and the softmax saturates.",
                (q, k, v, m) => Masked(Raw(q, k), m, double.NegativeInfinity).softmax(-1).matmul(v)),
            new("the scores were divided by d_head, not by its square root.",
                $"Use Math.Sqrt(d_head) (here {rootText}), not d_head itself.",
                (q, k, v, m) => Masked(Raw(q, k) / dHead, m, double.NegativeInfinity).softmax(-1).matmul(v)),
            new("the scores were multiplied by √d_head instead of divided by it.",
                "Scale by 1/√d_head: scores / Math.Sqrt(d_head).",
                (q, k, v, m) => Masked(Raw(q, k) * root, m, double.NegativeInfinity).softmax(-1).matmul(v)),
            new("the mask was not applied: every query also sees the keys after it (the future).",
                "Before the softmax, set the scores where mask is false to -∞: scores.masked_fill(mask.logical_not(), double.NegativeInfinity).",
                (q, k, v, m) => (Raw(q, k) / root).softmax(-1).matmul(v)),
            new("masked scores were set to 0 instead of -∞, so exp(0) = 1 still gives future keys weight.",
                "Fill with double.NegativeInfinity: exp(-∞) = 0 is what removes a key from the softmax.",
                (q, k, v, m) => Masked(Raw(q, k) / root, m, 0).softmax(-1).matmul(v)),
            new("the mask was applied after the softmax, so each query's weights no longer sum to 1.",
                "Mask the scores (with -∞) before the softmax, not the pattern after it.",
                (q, k, v, m) => (m is null ? (Raw(q, k) / root).softmax(-1) : (Raw(q, k) / root).softmax(-1) * m).matmul(v)),
            new("the mask is inverted: you hid the keys the mask allows (true means 'may attend').",
                "masked_fill replaces where its argument is true, so pass mask.logical_not(), not mask.",
                (q, k, v, m) => Masked(Raw(q, k) / root, m is null ? null : m.logical_not(), double.NegativeInfinity).softmax(-1).matmul(v),
                NaNsEqual: true),
            new("the softmax ran over the queries (dim -2) instead of over the keys.",
                "Use softmax(-1): for each query, the weights over the keys (the last axis) must sum to 1.",
                (q, k, v, m) => Masked(Raw(q, k) / root, m, double.NegativeInfinity).softmax(-2).matmul(v)),
            new("the softmax ran over the heads axis (dim 1) instead of over the keys.",
                "Use softmax(-1): the last axis of the scores [batch, head, query, key] is the keys.",
                (q, k, v, m) => Masked(Raw(q, k) / root, m, double.NegativeInfinity).softmax(1).matmul(v),
                NaNsEqual: true),
            new("there is no softmax: the raw scores were used as weights.",
                "Turn the scores into weights with softmax(-1) before multiplying by v.",
                (q, k, v, m) => Masked(Raw(q, k) / root, m, 0).matmul(v)),
        ];
    }

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
    internal sealed record Mistake<TFunction>(string Diagnosis, string Hint, TFunction Compute, bool NaNsEqual = false);
}
