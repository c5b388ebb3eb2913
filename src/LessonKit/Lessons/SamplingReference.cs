using LessonKit.Generation;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The reference answers of the sampling exercises, computed by the very filters <see cref="HookedGpt2.Generate"/>
/// draws from (<c>Generation/NextTokenSampler.cs</c>), renormalised; and what the usual mistakes compute, so a checker
/// can say which one a learner made. Every function takes logits [d_vocab] and returns probabilities [d_vocab].
/// </summary>
internal static class SamplingReference
{
    /// <summary>softmax(logits), with every token but the k most likely set to 0, renormalised to sum to 1.</summary>
    public static Tensor TopK(Tensor logits, int k) => Renormalised(NextTokenSampler.KeepTopK(logits.softmax(-1), k));

    /// <summary>The same with exactly k tokens kept when several tie with the k-th (which ones, torch.topk decides).</summary>
    public static Tensor TopKExactlyK(Tensor logits, int k)
    {
        var probabilities = logits.softmax(-1);
        var kept = torch.zeros_like(probabilities).index_fill_(0, probabilities.topk(Math.Min(k, (int)probabilities.size(0))).indexes, 1);
        return Renormalised(probabilities * kept);
    }

    /// <summary>softmax(logits), with every token outside the nucleus of mass p set to 0, renormalised to sum to 1.</summary>
    public static Tensor TopP(Tensor logits, double p) => Renormalised(NextTokenSampler.KeepTopP(logits.softmax(-1), p));

    /// <summary>The usual top-k mistakes: what each keeps (renormalised), what to say and what to try.</summary>
    public static IEnumerable<AttentionReference.Mistake<Func<Tensor, int, Tensor>>> TopKMistakes() =>
    [
        new("off by one: you kept k − 1 tokens, one fewer than asked",
            "Keep exactly the k most likely: probabilities.topk(k) gives them (a loop or a comparison with the k-th value must include the k-th itself).",
            (logits, k) => k > 1 ? TopK(logits, k - 1) : Renormalised(torch.zeros_like(logits))),
        new("off by one: you kept k + 1 tokens, one more than asked",
            "Keep exactly the k most likely: the k-th largest is topk(k).values[k - 1]; keep tokens at or above it.",
            (logits, k) => TopK(logits, k + 1)),
        new("you kept the wrong tail: the k LEAST likely tokens",
            "Keep the largest probabilities: topk(k) returns the k largest (sort with descending: true if you sort).",
            (logits, k) => Renormalised(Least(logits.softmax(-1), k))),
        new("you kept the first k token ids of the vocabulary, not the k most likely tokens",
            "Choose by probability, not by position: probabilities.topk(k).indexes are the ids to keep.",
            (logits, k) => Renormalised(logits.softmax(-1) * (torch.arange(logits.size(0)) < k).to_type(ScalarType.Float32))),
        new("the kept probabilities sit in rank order, at ids 0 … k − 1, not at their own tokens' ids",
            "topk returns each kept value's token id as well: write the values back at those ids, " +
            "torch.zeros_like(probabilities).index_put_(values, ids) (or scatter), then renormalise.",
            (logits, k) => Renormalised(InRankOrder(logits.softmax(-1), k))),
        new("nothing was removed: every token keeps its probability",
            "Set the probability of every token outside the k most likely to 0 (then renormalise).",
            (logits, _) => logits.softmax(-1)),
    ];

    /// <summary>The usual top-p mistakes.</summary>
    public static IEnumerable<AttentionReference.Mistake<Func<Tensor, double, Tensor>>> TopPMistakes() =>
    [
        new("the token that crosses p was dropped: you kept only the tokens whose running total stays within p",
            "Keep a token while the tokens ranked ABOVE it hold less than p: (cumsum − its own probability) < p. The one that reaches or crosses p is kept, " +
            "so the most likely token is always kept, even when it alone holds more than p.",
            (logits, p) => Renormalised(Nucleus(logits.softmax(-1), p, crosserKept: false))),
        new("you kept the wrong tail: the least likely tokens, up to a total of p",
            "Sort from most to least likely (sort(descending: true)) before the running total.",
            (logits, p) => Renormalised(AscendingNucleus(logits.softmax(-1), p))),
        new("the running total was taken in vocabulary order, not from the most likely token down",
            "Sort the probabilities (descending) first, take the running total (cumsum) of the sorted values, then map the decision back to the token ids (the sort's indexes).",
            (logits, p) => Renormalised(VocabularyOrderNucleus(logits.softmax(-1), p))),
        new("the kept probabilities are in sorted order (most likely first), not at their tokens' ids: the decision was never put back",
            "sort returns each sorted value's token id: put the decision back in vocabulary order, " +
            "torch.zeros_like(probabilities).scatter_(0, ids, keepSorted), multiply the probabilities by it, then renormalise.",
            (logits, p) => Renormalised(SortedNucleus(logits.softmax(-1), p))),
        new("nothing was removed: every token keeps its probability",
            "Set the probability of every token outside the nucleus to 0 (then renormalise).",
            (logits, _) => logits.softmax(-1)),
    ];

    /// <summary>Probabilities divided by their sum (0/0 = NaN when nothing is kept, as learner code gives).</summary>
    public static Tensor Renormalised(Tensor kept) => kept / kept.sum();

    private static Tensor Least(Tensor probabilities, int k)
    {
        var keep = torch.zeros_like(probabilities).index_fill_(0, probabilities.topk(Math.Min(k, (int)probabilities.size(0)), largest: false).indexes, 1);
        return probabilities * keep;
    }

    /// <summary>The nucleus from the most likely down; with <paramref name="crosserKept"/> false, only tokens whose running total is within p.</summary>
    private static Tensor Nucleus(Tensor probabilities, double p, bool crosserKept)
    {
        var (sorted, order) = probabilities.sort(descending: true);
        var total = sorted.cumsum(0);
        var keepSorted = crosserKept ? (total - sorted) < p : total <= p;
        return probabilities * torch.zeros_like(sorted).scatter_(0, order, keepSorted.to_type(ScalarType.Float32));
    }

    private static Tensor AscendingNucleus(Tensor probabilities, double p)
    {
        var (sorted, order) = probabilities.sort(descending: false);
        var keepSorted = (sorted.cumsum(0) - sorted) < p;
        return probabilities * torch.zeros_like(sorted).scatter_(0, order, keepSorted.to_type(ScalarType.Float32));
    }

    /// <summary>The k largest probabilities written at ids 0 … k − 1 (most likely first), every other entry 0.</summary>
    private static Tensor InRankOrder(Tensor probabilities, int k)
    {
        var (sorted, _) = probabilities.sort(descending: true);
        return sorted * (torch.arange(sorted.size(0)) < k).to_type(sorted.dtype);
    }

    /// <summary>The nucleus left in sorted order: entry r is the r-th largest probability if kept, else 0.</summary>
    private static Tensor SortedNucleus(Tensor probabilities, double p)
    {
        var (sorted, _) = probabilities.sort(descending: true);
        return sorted * ((sorted.cumsum(0) - sorted) < p).to_type(sorted.dtype);
    }

    private static Tensor VocabularyOrderNucleus(Tensor probabilities, double p) =>
        probabilities * ((probabilities.cumsum(0) - probabilities) < p).to_type(ScalarType.Float32);
}
