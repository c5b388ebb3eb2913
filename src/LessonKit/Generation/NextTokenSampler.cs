using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Generation;

/// <summary>
/// Chooses the next token from the last position's logits: greedy at temperature 0; otherwise softmax(logits / T),
/// optionally cut to the <c>topK</c> most likely tokens and/or the smallest set whose probability reaches <c>topP</c>
/// (nucleus sampling), then one draw from a seeded generator, so the same seed gives the same text.
/// </summary>
internal sealed class NextTokenSampler : IDisposable
{
    private readonly double _temperature;
    private readonly int? _topK;
    private readonly double? _topP;
    private readonly torch.Generator? _generator;

    public NextTokenSampler(double temperature, int? topK, double? topP, int? seed)
    {
        Validate(temperature, topK, topP);
        _temperature = temperature;
        _topK = topK;
        _topP = topP;
        if (temperature > 0) _generator = new torch.Generator((ulong)(seed ?? Random.Shared.Next()));
    }

    /// <summary>Throws an <see cref="ArgumentOutOfRangeException"/> that names the bad setting and what it may be.</summary>
    public static void Validate(double temperature, int? topK, double? topP)
    {
        if (!double.IsFinite(temperature) || temperature < 0)
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "temperature must be 0 (greedy) or a positive number such as 0.7 or 1.0.");
        if (topK is < 1)
            throw new ArgumentOutOfRangeException(nameof(topK), topK, "topK must be at least 1 (or null for no limit).");
        if (topP is not null && !(topP > 0 && topP <= 1))
            throw new ArgumentOutOfRangeException(nameof(topP), topP, "topP must be in (0, 1], such as 0.9 (or null for no limit).");
    }

    /// <summary>
    /// Picks a token from logits [d_vocab]. Returns it with its probability and the <paramref name="candidates"/> most
    /// likely tokens, probabilities taken from softmax(logits / T) (T = 1 when greedy) before any top-k / top-p cut.
    /// </summary>
    public (int Token, float Probability, (int Id, float Probability)[] Top) Choose(Tensor logits, int candidates)
    {
        var probabilities = Scaled(logits - CheckedMaximum(logits)).softmax(-1); // [d_vocab]
        var (topValues, topIds) = probabilities.topk(Math.Min(candidates, (int)probabilities.size(0)));
        var top = topIds.data<long>().Zip(topValues.data<float>(), (id, p) => ((int)id, p)).ToArray();

        int token = _temperature == 0 ? (int)logits.argmax().ToInt64() : Sample(probabilities);
        return (token, probabilities[token].ToSingle(), top);
    }

    /// <summary>
    /// Logits shifted so the largest is 0, divided by T: softmax of that is softmax(logits / T), and no T can overflow
    /// it to ∞. A T so small that it is 0 in float32 (below about 7e-46) is the limit T → 0: all the probability on the
    /// largest logits, as greedy.
    /// </summary>
    private Tensor Scaled(Tensor shifted)
    {
        if (_temperature == 0) return shifted;
        if ((float)_temperature > 0) return shifted / _temperature;
        return shifted.where(shifted == 0, float.NegativeInfinity); // 0 for the largest, -∞ for the rest
    }

    /// <summary>The largest logit; throws when the logits cannot give probabilities (a NaN, +∞, or every one -∞).</summary>
    private static float CheckedMaximum(Tensor logits)
    {
        float highest = logits.max().ToSingle(); // a NaN anywhere makes the maximum NaN
        if (float.IsFinite(highest)) return highest;
        throw new InvalidOperationException(
            $"The model's next-token logits contain {(float.IsNegativeInfinity(highest) ? "only -∞" : "NaN or +∞")}, so no token can be chosen. " +
            "A hook that writes NaN or ∞ into an activation (for example a division by zero), or weights that hold NaN, cause this; " +
            "check the hooks passed to generation, and model.Forward on the prompt.");
    }

    private int Sample(Tensor probabilities)
    {
        var kept = probabilities;
        if (_topK is int k) kept = KeepTopK(kept, k);
        if (_topP is double p) kept = KeepTopP(kept, p);
        return (int)torch.multinomial(kept, 1, generator: _generator).ToInt64(); // draws in proportion: no need to sum to 1
    }

    /// <summary>
    /// Top-k: <paramref name="probabilities"/> [d_vocab] with every token outside the k most likely set to 0 (tokens
    /// tied with the k-th are kept too). Not renormalised.
    /// </summary>
    internal static Tensor KeepTopK(Tensor probabilities, int k)
    {
        if (k >= probabilities.size(0)) return probabilities;
        var threshold = probabilities.topk(k).values[-1];
        return probabilities.where(probabilities >= threshold, 0f);
    }

    /// <summary>
    /// Top-p (nucleus): <paramref name="probabilities"/> [d_vocab] (summing to 1, or to less after top-k) with every
    /// token set to 0 except the most likely ones, taken in order until they hold p of the total: a token is kept while
    /// the tokens ranked above it hold less than p, so the one that reaches or crosses p is kept, and so is the most
    /// likely token whatever p is. Not renormalised.
    /// </summary>
    internal static Tensor KeepTopP(Tensor probabilities, double p)
    {
        if (p >= 1) return probabilities;
        var (sorted, order) = probabilities.sort(descending: true);
        var before = sorted.cumsum(0) - sorted;                 // what the tokens ranked above each one hold
        var keepSorted = before < p * sorted.sum();
        var keep = torch.zeros_like(keepSorted).scatter_(0, order, keepSorted);
        return probabilities.where(keep, 0f);
    }

    public void Dispose() => _generator?.Dispose();
}
