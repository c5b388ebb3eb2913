namespace LessonKit.Text;

/// <summary>
/// Byte-pair encoding of one long piece in O(n log n): the same merges as tiktoken's rule (repeatedly join the adjacent
/// pair whose joined bytes have the lowest rank, the leftmost one on a tie), found with a priority queue.
/// </summary>
/// <remarks>
/// <see cref="Microsoft.ML.Tokenizers.TiktokenTokenizer"/> searches all pairs again after each merge, which is
/// O(n²) in the piece's length: fine for words, but a 100 KB piece with no spaces (a DNA string, base64, minified
/// code, 100,000 "a"s) took seconds to minutes. <see cref="Gpt2Tokenizer"/> sends pieces longer than
/// <see cref="Gpt2Tokenizer.LongPieceChars"/> chars here.
/// </remarks>
internal sealed class BytePairMerger
{
    private readonly Dictionary<ReadOnlyMemory<byte>, int> _ranks; // token bytes -> rank (= id)

    /// <param name="tokenBytes">The bytes of each id; must hold every single byte.</param>
    /// <param name="skipId">An id that BPE never makes (the special token), or -1.</param>
    public BytePairMerger(byte[][] tokenBytes, int skipId)
    {
        _ranks = new Dictionary<ReadOnlyMemory<byte>, int>(tokenBytes.Length, ByteContentComparer.Instance);
        for (int id = 0; id < tokenBytes.Length; id++)
        {
            if (id != skipId)
            {
                _ranks.Add(tokenBytes[id], id);
            }
        }
    }

    /// <summary>Appends the ids of <paramref name="piece"/>'s tokens to <paramref name="ids"/>.</summary>
    /// <param name="piece">The piece's UTF-8 bytes.</param>
    /// <param name="ids">Where the ids go.</param>
    public void Encode(ReadOnlyMemory<byte> piece, List<int> ids)
    {
        Dictionary<ReadOnlyMemory<byte>, int> ranks = _ranks;
        int n = piece.Length;
        if (n == 0)
        {
            return;
        }

        // The parts form a linked list over byte offsets: part i covers [i, next[i]). At first every byte is a part.
        var next = new int[n];
        var previous = new int[n];
        var alive = new bool[n];
        for (int i = 0; i < n; i++)
        {
            next[i] = i + 1;
            previous[i] = i - 1;
            alive[i] = true;
        }

        // Candidate merges: (left part, end of the right part), ordered by (rank, left offset) = lowest rank, leftmost.
        var queue = new PriorityQueue<(int Left, int End), (int Rank, int Left)>();
        void Offer(int left)
        {
            if (left < 0 || next[left] >= n)
            {
                return; // no right neighbour
            }
            int end = next[next[left]];
            if (ranks.TryGetValue(piece[left..end], out int rank))
            {
                queue.Enqueue((left, end), (rank, left));
            }
        }
        for (int i = 0; i + 1 < n; i++)
        {
            Offer(i);
        }

        while (queue.TryDequeue(out (int Left, int End) pair, out _))
        {
            // Skip stale entries: the left part was absorbed, or its right neighbour has grown since it was offered.
            // (A part only grows to the right, so "left alive, and left + neighbour still end at End" means the
            // candidate's bytes are unchanged.)
            int left = pair.Left;
            if (!alive[left] || next[left] >= n || next[next[left]] != pair.End)
            {
                continue;
            }
            int right = next[left];
            alive[right] = false;
            next[left] = next[right];
            if (next[left] < n)
            {
                previous[next[left]] = left;
            }
            Offer(previous[left]);
            Offer(left);
        }

        for (int i = 0; i < n; i = next[i])
        {
            ids.Add(ranks[piece[i..next[i]]]);
        }
    }
}

/// <summary>Compares byte sequences by content (a dictionary key made of a slice of a larger array).</summary>
internal sealed class ByteContentComparer : IEqualityComparer<ReadOnlyMemory<byte>>
{
    public static ByteContentComparer Instance { get; } = new();

    public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

    public int GetHashCode(ReadOnlyMemory<byte> bytes)
    {
        var hash = new HashCode();
        hash.AddBytes(bytes.Span);
        return hash.ToHashCode();
    }
}
