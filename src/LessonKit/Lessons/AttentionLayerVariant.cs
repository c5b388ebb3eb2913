using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>How the queries, keys and values are read out of <c>x · c_attn + bias</c>. The first is right.</summary>
internal enum QkvChoice { QueriesKeysValues, QueriesAndKeysSwapped, ThreePerHead, NoBias }

/// <summary>How [batch, pos, d_model] becomes [batch, head, pos, d_head]. The first is right.</summary>
internal enum SplitChoice { PositionThenHead, Interleaved, PositionsMixed }

/// <summary>How the scores are scaled in a whole layer. The first is right.</summary>
internal enum LayerScaleChoice { DivideByRootDHead, None, DivideByDHead, DivideByRootDModel, MultiplyByRootDHead }

/// <summary>How the heads' outputs [batch, head, pos, d_head] go back to [batch, pos, d_model]. The first is right.</summary>
internal enum MergeChoice { TransposeThenReshape, ReshapeOnly }

/// <summary>What happens after the heads are merged. The first is right.</summary>
internal enum ProjectionChoice { WeightAndBias, Missing, NoBias, TransposedWeight }

/// <summary>
/// One way of computing a whole attention layer from x [batch, pos, d_model] and its <see cref="AttentionWeights"/>,
/// right or wrong at each step, and what to tell a learner whose output it matches. The default of every choice is
/// the right one, so <c>new AttentionLayerVariant()</c> computes what GPT-2 computes.
/// </summary>
internal sealed record AttentionLayerVariant(
    QkvChoice Qkv = default, SplitChoice Split = default, LayerScaleChoice Scale = default, MaskChoice Mask = default,
    SoftmaxChoice Softmax = default, MergeChoice Merge = default, ProjectionChoice Projection = default)
{
    /// <summary>How many steps are wrong.</summary>
    public int MistakeCount =>
        (Qkv == default ? 0 : 1) + (Split == default ? 0 : 1) + (Scale == default ? 0 : 1) + (Mask == default ? 0 : 1) +
        (Softmax == default ? 0 : 1) + (Merge == default ? 0 : 1) + (Projection == default ? 0 : 1);

    /// <summary>Whether the output can hold NaN (rows where every key is hidden), which must then match NaN for NaN.</summary>
    public bool MayHaveNaN => Mask == MaskChoice.Inverted || Softmax is SoftmaxChoice.OverHeads or SoftmaxChoice.Missing;

    /// <summary>Every variant with one or two wrong steps, fewest first: what a checker compares a wrong output with.</summary>
    public static IEnumerable<AttentionLayerVariant> Mistakes() =>
        from qkv in Enum.GetValues<QkvChoice>()
        from split in Enum.GetValues<SplitChoice>()
        from scale in Enum.GetValues<LayerScaleChoice>()
        from mask in Enum.GetValues<MaskChoice>()
        from softmax in Enum.GetValues<SoftmaxChoice>()
        from merge in Enum.GetValues<MergeChoice>()
        from projection in Enum.GetValues<ProjectionChoice>()
        let variant = new AttentionLayerVariant(qkv, split, scale, mask, softmax, merge, projection)
        where variant.MistakeCount is 1 or 2
        orderby variant.MistakeCount
        select variant;

    /// <summary>The layer computed this way: x [batch, pos, d_model] → [batch, pos, d_model].</summary>
    public Tensor Compute(Tensor x, AttentionWeights weights, int? nHeads = null)
    {
        int heads = nHeads ?? weights.NHeads;
        long batch = x.shape[0], positions = x.shape[1], dModel = x.shape[2], dHead = dModel / heads;

        var qkv = torch.einsum("bpd,de->bpe", x, weights.CAttnWeight);           // [batch, pos, 3·d_model]
        if (Qkv != QkvChoice.NoBias) qkv = qkv + weights.CAttnBias;
        Tensor q, k, v;                                                          // each [batch, pos, d_model]
        if (Qkv == QkvChoice.ThreePerHead)
        {
            // As if each head's query, key and value sat side by side: [batch, pos, head, 3, d_head].
            var perHead = qkv.reshape(batch, positions, heads, 3, dHead);
            (q, k, v) = (perHead.select(3, 0).reshape(batch, positions, dModel), perHead.select(3, 1).reshape(batch, positions, dModel),
                perHead.select(3, 2).reshape(batch, positions, dModel));
        }
        else
        {
            var thirds = qkv.split(dModel, -1);
            (q, k, v) = Qkv == QkvChoice.QueriesAndKeysSwapped ? (thirds[1], thirds[0], thirds[2]) : (thirds[0], thirds[1], thirds[2]);
        }
        Tensor SplitHeads(Tensor t) => Split switch                               // [batch, head, pos, d_head]
        {
            SplitChoice.Interleaved => t.reshape(batch, positions, dHead, heads).permute(0, 3, 1, 2),
            SplitChoice.PositionsMixed => t.reshape(batch, heads, positions, dHead),
            _ => t.reshape(batch, positions, heads, dHead).transpose(1, 2),
        };
        (q, k, v) = (SplitHeads(q), SplitHeads(k), SplitHeads(v));

        var scores = torch.einsum("bhqd,bhkd->bhqk", q, k);                        // [batch, head, query, key]
        scores = Scale switch
        {
            LayerScaleChoice.DivideByRootDHead => scores / Math.Sqrt(dHead),
            LayerScaleChoice.DivideByDHead => scores / dHead,
            LayerScaleChoice.DivideByRootDModel => scores / Math.Sqrt(dModel),
            LayerScaleChoice.MultiplyByRootDHead => scores * Math.Sqrt(dHead),
            _ => scores,
        };
        var mayAttend = AttentionReference.CausalMask(positions);                // [query, key]
        scores = Mask switch
        {
            MaskChoice.MinusInfinityBeforeSoftmax => scores.masked_fill(mayAttend.logical_not(), double.NegativeInfinity),
            MaskChoice.ZeroBeforeSoftmax => scores.masked_fill(mayAttend.logical_not(), 0),
            MaskChoice.Inverted => scores.masked_fill(mayAttend, double.NegativeInfinity),
            _ => scores,
        };
        var pattern = Softmax switch
        {
            SoftmaxChoice.OverKeys => scores.softmax(-1),
            SoftmaxChoice.OverQueries => scores.softmax(-2),
            SoftmaxChoice.OverHeads => scores.softmax(1),
            _ => scores,
        };
        if (Mask == MaskChoice.ZeroAfterSoftmax) pattern = pattern.masked_fill(mayAttend.logical_not(), 0);
        var z = torch.einsum("bhqk,bhkd->bhqd", pattern, v);                       // [batch, head, pos, d_head]

        var merged = Merge == MergeChoice.ReshapeOnly
            ? z.reshape(batch, positions, dModel)
            : z.transpose(1, 2).reshape(batch, positions, dModel);                 // [batch, pos, d_model]: heads side by side
        return Projection switch
        {
            ProjectionChoice.Missing => merged,
            ProjectionChoice.NoBias => torch.einsum("bpd,de->bpe", merged, weights.CProjWeight),
            ProjectionChoice.TransposedWeight => torch.einsum("bpd,ed->bpe", merged, weights.CProjWeight) + weights.CProjBias,
            _ => torch.einsum("bpd,de->bpe", merged, weights.CProjWeight) + weights.CProjBias,
        };
    }

    /// <summary>What is wrong, one (diagnosis, hint) pair per wrong step.</summary>
    public IEnumerable<(string Diagnosis, string Hint)> Mistakes(AttentionWeights weights)
    {
        switch (Qkv)
        {
            case QkvChoice.QueriesAndKeysSwapped:
                yield return ("the queries and the keys are swapped: the first d_model columns of x · c_attn are the queries, the next d_model the keys",
                    "q = columns 0 … d_model − 1, k = d_model … 2·d_model − 1, v = the last d_model: qkv.split(d_model, -1) gives them in that order.");
                break;
            case QkvChoice.ThreePerHead:
                yield return ("q, k and v were read as if each head's three sat side by side ([.., head, 3, d_head]); GPT-2 puts all queries first, then all keys, then all values",
                    "Cut x · c_attn into three blocks of d_model columns first (q, k, v), then split each into heads.");
                break;
            case QkvChoice.NoBias:
                yield return ("c_attn's bias is missing: q, k and v are x · W without + b", "Add weights.CAttnBias [3·d_model] right after the product.");
                break;
        }
        switch (Split)
        {
            case SplitChoice.Interleaved:
                yield return ("the heads are interleaved: head 0 got columns 0, h, 2h, … instead of the first d_head columns",
                    "Each head's d_head columns sit side by side: reshape to [batch, pos, head, d_head] (head before d_head), then transpose(1, 2).");
                break;
            case SplitChoice.PositionsMixed:
                yield return ("positions and heads got mixed: reshaping straight to [batch, head, pos, d_head] cuts the numbers of several positions into one head",
                    "Reshape to [batch, pos, head, d_head] first, then swap axes 1 and 2 with transpose(1, 2).");
                break;
        }
        string rootDHead = $"√d_head = √{weights.DHead} ≈ {Math.Sqrt(weights.DHead):0.##}";
        switch (Scale)
        {
            case LayerScaleChoice.None:
                yield return ("the scores were not scaled (softmax of q·kᵀ without dividing by √d_head)", $"Divide q·kᵀ by {rootDHead} before the softmax.");
                break;
            case LayerScaleChoice.DivideByDHead:
                yield return ("the scores were divided by d_head, not by its square root", $"Divide by {rootDHead}.");
                break;
            case LayerScaleChoice.DivideByRootDModel:
                yield return ("the scores were divided by √d_model, the whole layer's width, not by √d_head, one head's",
                    $"Each head's dot products have d_head terms: divide by {rootDHead}, not √{weights.DModel}.");
                break;
            case LayerScaleChoice.MultiplyByRootDHead:
                yield return ("the scores were multiplied by √d_head instead of divided by it", $"Divide by {rootDHead}.");
                break;
        }
        foreach (var mistake in new AttentionVariant(default, Mask, Softmax).Mistakes(weights.DHead)) yield return mistake;
        if (Merge == MergeChoice.ReshapeOnly)
            yield return ("the heads were merged without moving the head axis back: [batch, head, pos, d_head] reshaped straight to [batch, pos, d_model] mixes positions",
                "Transpose back to [batch, pos, head, d_head] first, then reshape: z.transpose(1, 2).reshape(batch, pos, d_model).");
        switch (Projection)
        {
            case ProjectionChoice.Missing:
                yield return ("the output projection is missing: the merged heads were returned without c_proj",
                    "Finish with merged · weights.CProjWeight + weights.CProjBias: W_O mixes the heads back into the residual stream.");
                break;
            case ProjectionChoice.NoBias:
                yield return ("c_proj's bias is missing", "Add weights.CProjBias [d_model] after the product with CProjWeight.");
                break;
            case ProjectionChoice.TransposedWeight:
                yield return ("c_proj's weight was used transposed (x · Wᵀ, as for nn.Linear); GPT-2's Conv1D weights are [in, out]: x · W",
                    "torch.einsum(\"bpd,de->bpe\", merged, weights.CProjWeight): the first axis of the weight is the input.");
                break;
        }
    }
}
