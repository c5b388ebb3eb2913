using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>How the scores are scaled. The first is right.</summary>
internal enum ScaleChoice { DivideByRootDHead, None, DivideByDHead, MultiplyByRootDHead }

/// <summary>How the mask is applied. The first is right.</summary>
internal enum MaskChoice { MinusInfinityBeforeSoftmax, Missing, ZeroBeforeSoftmax, ZeroAfterSoftmax, Inverted }

/// <summary>Which axis the softmax runs over. The first is right.</summary>
internal enum SoftmaxChoice { OverKeys, OverQueries, OverHeads, Missing }

/// <summary>
/// One way of computing attention, right or wrong in each of three places, and what to tell a learner whose output
/// it matches. <c>new AttentionVariant(default, default, default)</c> is the correct computation.
/// </summary>
internal sealed record AttentionVariant(ScaleChoice Scale, MaskChoice Mask, SoftmaxChoice Softmax)
{
    /// <summary>How many of the three places are wrong.</summary>
    public int MistakeCount => (Scale == default ? 0 : 1) + (Mask == default ? 0 : 1) + (Softmax == default ? 0 : 1);

    /// <summary>Whether the output can hold NaN (rows where every key is hidden), which must then match NaN for NaN.</summary>
    public bool MayHaveNaN => Mask == MaskChoice.Inverted || Softmax is SoftmaxChoice.OverHeads or SoftmaxChoice.Missing;

    /// <summary>Attention computed this way: q [.., query, d_head], k and v [.., key, d_head], mask [query, key] or null.</summary>
    public Tensor Compute(Tensor q, Tensor k, Tensor v, Tensor? mask)
    {
        double root = Math.Sqrt(q.shape[^1]);
        var scores = q.matmul(k.transpose(-2, -1)); // [.., query, key]
        scores = Scale switch
        {
            ScaleChoice.DivideByRootDHead => scores / root,
            ScaleChoice.DivideByDHead => scores / q.shape[^1],
            ScaleChoice.MultiplyByRootDHead => scores * root,
            _ => scores,
        };
        if (mask is not null)
        {
            scores = Mask switch
            {
                MaskChoice.MinusInfinityBeforeSoftmax => scores.masked_fill(mask.logical_not(), double.NegativeInfinity),
                MaskChoice.ZeroBeforeSoftmax => scores.masked_fill(mask.logical_not(), 0),
                MaskChoice.Inverted => scores.masked_fill(mask, double.NegativeInfinity),
                _ => scores,
            };
        }
        var weights = Softmax switch
        {
            SoftmaxChoice.OverKeys => scores.softmax(-1),
            SoftmaxChoice.OverQueries => scores.softmax(-2),
            SoftmaxChoice.OverHeads => scores.softmax(1),
            _ => scores,
        };
        if (mask is not null && Mask == MaskChoice.ZeroAfterSoftmax) weights = weights.masked_fill(mask.logical_not(), 0);
        return weights.matmul(v);
    }

    /// <summary>What is wrong, one (diagnosis, hint) pair per wrong place, given d_head.</summary>
    public IEnumerable<(string Diagnosis, string Hint)> Mistakes(long dHead)
    {
        string root = $"√{dHead} ≈ {Math.Sqrt(dHead):0.##}";
        switch (Scale)
        {
            case ScaleChoice.None:
                yield return ("the scores were not scaled (softmax of q·kᵀ without dividing by √d_head)",
                    $"Divide q·kᵀ by √d_head (here {root}) before the softmax. Without it, scores grow with d_head and the softmax saturates.");
                break;
            case ScaleChoice.DivideByDHead:
                yield return ("the scores were divided by d_head, not by its square root", $"Use Math.Sqrt(d_head) (here {root}), not d_head itself.");
                break;
            case ScaleChoice.MultiplyByRootDHead:
                yield return ("the scores were multiplied by √d_head instead of divided by it", "Scale by 1/√d_head: scores / Math.Sqrt(d_head).");
                break;
        }
        switch (Mask)
        {
            case MaskChoice.Missing:
                yield return ("the mask was not applied: every query also sees the keys after it (the future)",
                    "Before the softmax, set the scores where mask is false to -∞: scores.masked_fill(mask.logical_not(), double.NegativeInfinity).");
                break;
            case MaskChoice.ZeroBeforeSoftmax:
                yield return ("masked scores were set to 0 instead of -∞, so exp(0) = 1 still gives future keys weight",
                    "Fill with double.NegativeInfinity: exp(-∞) = 0 is what removes a key from the softmax.");
                break;
            case MaskChoice.ZeroAfterSoftmax:
                yield return ("the mask was applied after the softmax, so each query's weights no longer sum to 1",
                    "Mask the scores (with -∞) before the softmax, not the pattern after it.");
                break;
            case MaskChoice.Inverted:
                yield return ("the mask is inverted: you hid the keys the mask allows (true means 'may attend')",
                    "masked_fill replaces where its argument is true, so pass mask.logical_not(), not mask.");
                break;
        }
        switch (Softmax)
        {
            case SoftmaxChoice.OverQueries:
                yield return ("the softmax ran over the queries (dim -2) instead of over the keys",
                    "Use softmax(-1): for each query, the weights over the keys (the last axis) must sum to 1.");
                break;
            case SoftmaxChoice.OverHeads:
                yield return ("the softmax ran over the heads axis (dim 1) instead of over the keys",
                    "Use softmax(-1): the last axis of the scores [batch, head, query, key] is the keys.");
                break;
            case SoftmaxChoice.Missing:
                yield return ("there is no softmax: the raw scores were used as weights",
                    "Turn the scores into weights with softmax(-1) before multiplying by v.");
                break;
        }
    }
}
