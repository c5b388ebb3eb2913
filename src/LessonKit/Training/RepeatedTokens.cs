using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Training;

/// <summary>
/// Batches of random token sequences, each repeated twice: <c>[start?] x₁ … x_L x₁ … x_L</c>. The first copy cannot be
/// predicted (its tokens are drawn at random); the second can, by a model that looks back for the earlier occurrence of
/// the current token and copies the token that came after it: what an induction head does. Seeded: the same seed gives
/// the same batches, in the same order.
/// <code>
/// var data = new RepeatedTokens(vocabulary: 64, repeatLength: 16, seed: 0);
/// Tensor batch = data.Next(32);   // int64 [32, 32]
/// </code>
/// With a range of lengths, each batch draws its own L, so no fixed distance between the copies can be learned: a
/// model must find the earlier occurrence by its content.
/// <code>var data = new RepeatedTokens(vocabulary: 64, repeatLength: (8, 24), seed: 0);</code>
/// </summary>
public sealed class RepeatedTokens : IDisposable
{
    private readonly torch.Generator _generator;

    /// <param name="vocabulary">Tokens are drawn uniformly from ids 0 … vocabulary − 1.</param>
    /// <param name="repeatLength">L, the length of each copy; the copies together are 2·L tokens.</param>
    /// <param name="seed">Fixes every draw.</param>
    /// <param name="startToken">A token put first in every sequence, such as GPT-2's <c>&lt;|endoftext|&gt;</c> (50256),
    /// or null for none. With one, the copies start at position 1.</param>
    public RepeatedTokens(int vocabulary, int repeatLength, int seed = 0, long? startToken = null)
        : this(vocabulary, (repeatLength, repeatLength), seed, startToken)
    {
    }

    /// <param name="vocabulary">Tokens are drawn uniformly from ids 0 … vocabulary − 1.</param>
    /// <param name="repeatLength">The shortest and longest L: each batch draws its L uniformly between them (both included).</param>
    /// <param name="seed">Fixes every draw.</param>
    /// <param name="startToken">A token put first in every sequence, or null for none.</param>
    public RepeatedTokens(int vocabulary, (int Min, int Max) repeatLength, int seed = 0, long? startToken = null)
    {
        if (vocabulary < 2) throw new ArgumentOutOfRangeException(nameof(vocabulary), vocabulary, "Draw from at least 2 token ids, or every sequence is the same token.");
        if (repeatLength.Min < 2)
            throw new ArgumentOutOfRangeException(nameof(repeatLength), repeatLength, "Each copy needs at least 2 tokens: an induction head looks from a token of the second copy to the token after its first occurrence.");
        if (repeatLength.Max < repeatLength.Min)
            throw new ArgumentOutOfRangeException(nameof(repeatLength), repeatLength, $"The longest repeat length ({repeatLength.Max}) is shorter than the shortest ({repeatLength.Min}).");
        if (startToken < 0) throw new ArgumentOutOfRangeException(nameof(startToken), startToken, "A token id is 0 or more.");
        Vocabulary = vocabulary;
        RepeatLength = repeatLength;
        StartToken = startToken;
        _generator = new torch.Generator((ulong)seed);
    }

    /// <summary>Tokens are drawn from ids 0 … <see cref="Vocabulary"/> − 1.</summary>
    public int Vocabulary { get; }

    /// <summary>The shortest and longest L, the length of each copy (the same for a fixed length).</summary>
    public (int Min, int Max) RepeatLength { get; }

    /// <summary>The token put first in every sequence, or null.</summary>
    public long? StartToken { get; }

    /// <summary>Where the first copy starts: 1 after a start token, else 0. The second copy starts L later.</summary>
    public int FirstCopyStart => StartToken is null ? 0 : 1;

    /// <summary>The longest sequence a batch can have: the start token, if any, and two copies of the longest L.</summary>
    public int MaxSequenceLength => FirstCopyStart + 2 * RepeatLength.Max;

    /// <summary>The next batch: int64 [batchSize, start + 2·L], L drawn for this batch when it varies.</summary>
    public Tensor Next(int batchSize)
    {
        if (batchSize < 1) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "A batch holds at least one sequence.");
        using var scope = torch.NewDisposeScope();
        int L = RepeatLength.Min == RepeatLength.Max ? RepeatLength.Min
            : (int)torch.randint(RepeatLength.Min, RepeatLength.Max + 1, [1], ScalarType.Int64, generator: _generator).item<long>();
        var copy = torch.randint(0, Vocabulary, [batchSize, L], ScalarType.Int64, generator: _generator); // [batch, L]
        var parts = StartToken is long start
            ? new[] { torch.full(batchSize, 1, start, ScalarType.Int64), copy, copy }
            : new[] { copy, copy };
        return torch.cat(parts, 1).MoveToOuterDisposeScope(); // [batch, start + 2·L]
    }

    /// <summary>Frees the random generator.</summary>
    public void Dispose() => _generator.Dispose();
}
