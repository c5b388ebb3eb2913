using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// Scores that say how much each head's attention pattern looks like a known kind of head, measured on the patterns
/// of an <see cref="ActivationCache"/> (<c>hook_pattern</c> of every layer, [batch, head, query, key]). Each returns
/// [layer, head], ready for <see cref="Plots.HeadScores"/>: a mean of attention weights, between 0 and 1.
/// </summary>
public static class PatternScores
{
    /// <summary>
    /// Previous-token score: the mean weight each query puts on the key just before it, pattern[q, q − 1], over queries
    /// 1 … T − 1 and the batch. [layer, head].
    /// </summary>
    public static Tensor PreviousToken(ActivationCache cache)
    {
        using var scope = torch.NewDisposeScope();
        var patterns = Patterns(cache);                        // [layer, batch, head, query, key]
        if (patterns.size(-1) < 2) throw new ArgumentException("A previous-token score needs at least 2 positions; the cached text has 1.", nameof(cache));
        var justBefore = patterns.diagonal(-1, -2, -1);        // [layer, batch, head, T − 1]: pattern[q, q − 1] for q = 1 … T − 1
        return justBefore.mean([1, 3]).MoveToOuterDisposeScope(); // [layer, head]
    }

    /// <summary>
    /// Induction score, for a cache of sequences that end with two copies of the same <paramref name="repeatLength"/>
    /// tokens (after any prefix, such as <c>&lt;|endoftext|&gt;</c>): the mean weight each query of the second copy puts
    /// on the token that came right after the same token in the first copy. With the copies starting at s and s + L,
    /// query q (for q = s + L … s + 2L − 1) holds the token that was at q − L, so it is scored on key q − L + 1:
    /// pattern[q, q − L + 1], averaged over the L queries of the second copy and the batch. [layer, head].
    /// </summary>
    public static Tensor Induction(ActivationCache cache, int repeatLength)
    {
        using var scope = torch.NewDisposeScope();
        var patterns = Patterns(cache);                        // [layer, batch, head, query, key]
        long length = patterns.size(-1), L = repeatLength;
        if (L < 2)
            throw new ArgumentOutOfRangeException(nameof(repeatLength), repeatLength, "Each copy needs at least 2 tokens (with 1, the token after the earlier occurrence is the query itself).");
        if (2 * L > length)
            throw new ArgumentException(
                $"The cached text has {length} tokens, fewer than two copies of {L}. Pass the length of ONE copy (the text is a prefix, then the copy twice).", nameof(repeatLength));
        long firstCopyStart = length - 2 * L;                  // s: 1 after <|endoftext|>, 0 without a prefix
        // diagonal(−(L − 1)) holds pattern[q, q − L + 1] for q = L − 1 … T − 1, at index q − (L − 1);
        // the second copy's queries q = s + L … s + 2L − 1 sit at indices s + 1 … s + L.
        var stripe = patterns.diagonal(-(L - 1), -2, -1).narrow(-1, firstCopyStart + 1, L); // [layer, batch, head, L]
        return stripe.mean([1, 3]).MoveToOuterDisposeScope();  // [layer, head]
    }

    /// <summary>Every layer's pattern stacked: [layer, batch, head, query, key], in float32.</summary>
    private static Tensor Patterns(ActivationCache cache)
    {
        ArgumentNullException.ThrowIfNull(cache);
        var patterns = cache.Stack("pattern");
        if (patterns.Dimensions != 5 || patterns.size(-1) != patterns.size(-2))
            throw new ArgumentException($"The cached patterns should be [batch, head, query, key] with as many queries as keys, but they are [{string.Join(", ", patterns.shape.Skip(1))}].", nameof(cache));
        return patterns.to(ScalarType.Float32);
    }
}
