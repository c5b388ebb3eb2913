using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// An attention layer written the way a learner writes Exercise 4 (einsum, narrow, reshape), with one switch per
/// usual mistake, so each test breaks exactly the step it is about. Written independently of the checker's own
/// reference and mistake list, so that a test cannot pass because both share a bug.
/// </summary>
public sealed record LearnerAttentionLayer
{
    public bool SwapQueriesAndKeys { get; init; }
    public bool ThreePerHead { get; init; }
    public bool NoQkvBias { get; init; }
    public bool InterleaveHeads { get; init; }
    public bool MixPositionsAndHeads { get; init; }
    public Func<Tensor, long, long, Tensor>? Scale { get; init; }     // (scores, d_head, d_model) → scaled scores
    public bool NoMask { get; init; }
    public bool MaskWithZero { get; init; }
    public bool MaskAfterSoftmax { get; init; }
    public bool InvertMask { get; init; }
    public int SoftmaxDim { get; init; } = -1;
    public bool NoSoftmax { get; init; }
    public bool MergeWithoutTranspose { get; init; }
    public bool NoProjection { get; init; }
    public bool NoProjectionBias { get; init; }
    public bool TransposeProjection { get; init; }
    public int? HardCodedHeads { get; init; }

    public Tensor Run(Tensor x, AttentionWeights w)
    {
        long batch = x.shape[0], positions = x.shape[1], dModel = x.shape[2];
        long heads = HardCodedHeads ?? w.NHeads, dHead = dModel / heads;

        var qkv = torch.einsum("bpd,de->bpe", x, w.CAttnWeight);                     // [batch, pos, 3·d_model]
        if (!NoQkvBias) qkv = qkv + w.CAttnBias;
        Tensor q, k, v;
        if (ThreePerHead)
        {
            var perHead = qkv.view(batch, positions, heads, 3, dHead);
            q = perHead[.., .., .., 0].reshape(batch, positions, dModel);
            k = perHead[.., .., .., 1].reshape(batch, positions, dModel);
            v = perHead[.., .., .., 2].reshape(batch, positions, dModel);
        }
        else
        {
            q = qkv.narrow(2, 0, dModel);
            k = qkv.narrow(2, dModel, dModel);
            v = qkv.narrow(2, 2 * dModel, dModel);
            if (SwapQueriesAndKeys) (q, k) = (k, q);
        }

        Tensor Split(Tensor t) =>
            InterleaveHeads ? t.reshape(batch, positions, dHead, heads).permute(0, 3, 1, 2)
            : MixPositionsAndHeads ? t.reshape(batch, heads, positions, dHead)
            : t.reshape(batch, positions, heads, dHead).transpose(1, 2);             // [batch, head, pos, d_head]
        (q, k, v) = (Split(q), Split(k), Split(v));

        var scores = torch.einsum("bhqd,bhkd->bhqk", q, k);
        scores = Scale is null ? scores / Math.Sqrt(dHead) : Scale(scores, dHead, dModel);
        var allowed = torch.ones(positions, positions, dtype: ScalarType.Bool).tril();
        if (!NoMask && !MaskAfterSoftmax)
        {
            scores = InvertMask ? scores.masked_fill(allowed, double.NegativeInfinity)
                : scores.masked_fill(allowed.logical_not(), MaskWithZero ? 0.0 : double.NegativeInfinity);
        }
        var pattern = NoSoftmax ? scores : scores.softmax(SoftmaxDim);
        if (MaskAfterSoftmax) pattern = pattern.masked_fill(allowed.logical_not(), 0.0);
        var z = torch.einsum("bhqk,bhkd->bhqd", pattern, v);                          // [batch, head, pos, d_head]

        var merged = MergeWithoutTranspose ? z.reshape(batch, positions, dModel) : z.transpose(1, 2).reshape(batch, positions, dModel);
        if (NoProjection) return merged;
        var projected = TransposeProjection ? torch.einsum("bpd,ed->bpe", merged, w.CProjWeight) : torch.einsum("bpd,de->bpe", merged, w.CProjWeight);
        return NoProjectionBias ? projected : projected + w.CProjBias;
    }
}
