using LessonKit.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>
    /// Token ids of <paramref name="text"/> as an int64 tensor [1, pos], with <c>&lt;|endoftext|&gt;</c> (id 50256) first when
    /// <paramref name="prependBos"/> is true, as TransformerLens does. Text longer than the context is an error unless
    /// <paramref name="truncate"/> is true, which keeps the last <see cref="Gpt2Config.NCtx"/> tokens.
    /// </summary>
    public Tensor ToTokens(string text, bool prependBos = true, bool truncate = false)
    {
        int[] ids = TokenIds(text, prependBos, truncate);
        return torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length], device: Device);
    }

    /// <summary>The text of each token, as <see cref="ToTokens"/> would split it: <c>["&lt;|endoftext|&gt;", "The", " cat", " sat"]</c>.</summary>
    public string[] ToStrTokens(string text, bool prependBos = true, bool truncate = false) =>
        Tokenizer.ToStrTokens(TokenIds(text, prependBos, truncate));

    /// <summary>The text of each token id in a [pos] or [1, pos] tensor.</summary>
    public string[] ToStrTokens(Tensor tokens) => Tokenizer.ToStrTokens(IdsOf(tokens));

    /// <summary>The text a [pos] or [1, pos] tensor of token ids decodes to.</summary>
    public string ToText(Tensor tokens) => Tokenizer.Decode(IdsOf(tokens));

    private int[] IdsOf(Tensor tokens)
    {
        CheckIsTokenTensor(tokens);
        if (tokens.Dimensions > 2 || (tokens.Dimensions == 2 && tokens.shape[0] != 1))
            throw new ArgumentException($"Expected one sequence of token ids, [pos] or [1, pos], but this tensor is [{string.Join(", ", tokens.shape)}]. Index one row first.", nameof(tokens));
        long[] ids;
        using (torch.NewDisposeScope()) ids = tokens.flatten().to(ScalarType.Int64).cpu().data<long>().ToArray(); // frees the temporaries
        foreach (long id in ids)
            if (id < 0 || id >= Tokenizer.VocabSize)
                throw new ArgumentException($"Token id {id} is not in the tokenizer's vocabulary: ids go from 0 to {Tokenizer.VocabSize - 1}.", nameof(tokens));
        return [.. ids.Select(id => (int)id)];
    }

    /// <summary>Throws unless <paramref name="tokens"/> is a live tensor of integer ids.</summary>
    private static void CheckIsTokenTensor(Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.IsInvalid) throw new ObjectDisposedException(nameof(tokens), "The token tensor has been disposed.");
        if (tokens.dtype is not (ScalarType.Int64 or ScalarType.Int32 or ScalarType.Int16 or ScalarType.Int8 or ScalarType.Byte))
            throw new ArgumentException($"Tokens must be integer ids (int64, as ToTokens returns), but this tensor holds {tokens.dtype}.", nameof(tokens));
    }

    private int[] TokenIds(string text, bool prependBos, bool truncate)
    {
        ArgumentNullException.ThrowIfNull(text);
        int[] encoded = Tokenizer.Encode(text);
        int[] ids = prependBos ? [Gpt2Tokenizer.EndOfTextId, .. encoded] : encoded;
        CheckModelKnows(ids);
        if (ids.Length <= Config.NCtx) return ids;
        if (!truncate)
            throw new ArgumentException(
                $"The text is {ids.Length} tokens long{(prependBos ? " (with <|endoftext|> first)" : "")}, but {Config.ModelName} reads at most " +
                $"{Config.NCtx} (its context length, NCtx). Shorten the text, or pass truncate: true to keep its last {Config.NCtx} tokens.", nameof(text));
        return prependBos
            ? [Gpt2Tokenizer.EndOfTextId, .. ids[^(Config.NCtx - 1)..]]
            : ids[^Config.NCtx..];
    }

    /// <summary>A model made with a smaller vocabulary than its tokenizer's cannot read every text: say so, and what to do.</summary>
    private void CheckModelKnows(int[] ids)
    {
        if (Config.DVocab >= Tokenizer.VocabSize) return;
        foreach (int id in ids)
            if (id >= Config.DVocab)
                throw new ArgumentException(
                    $"The text has the token '{Tokenizer.TokenText(id)}' (id {id}), but this model's vocabulary has only {Config.DVocab} tokens " +
                    $"(Config.DVocab), fewer than its tokenizer's {Tokenizer.VocabSize}. Give the model DVocab = {Tokenizer.VocabSize} to read text, " +
                    $"or pass token ids below {Config.DVocab} as a tensor" +
                    (id == Gpt2Tokenizer.EndOfTextId ? " (ToTokens puts <|endoftext|> first unless you pass prependBos: false)." : "."), "text");
    }

    /// <summary>
    /// Checks token ids before they reach the network and returns them as int64 [batch, pos] on the model's device:
    /// a clear error for floats, a wrong rank, an empty or too long sequence, or an id outside the vocabulary.
    /// </summary>
    private Tensor PrepareTokens(Tensor tokens, int pastLength = 0)
    {
        CheckIsTokenTensor(tokens);
        if (tokens.Dimensions is not (1 or 2))
            throw new ArgumentException($"Tokens must be [pos] or [batch, pos], but this tensor is [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        var batched = tokens.Dimensions == 1 ? tokens.unsqueeze(0) : tokens;
        long positions = batched.size(1);
        if (positions == 0 || batched.size(0) == 0)
            throw new ArgumentException("There are no tokens to run: the token tensor is empty.", nameof(tokens));
        if (pastLength + positions > Config.NCtx)
            throw new ArgumentException(
                $"{(pastLength > 0 ? $"{pastLength} cached + " : "")}{positions} tokens is more than {Config.ModelName} can read: its context " +
                $"is {Config.NCtx} tokens (NCtx). Use fewer tokens (ToTokens(text, truncate: true) keeps the last {Config.NCtx}).", nameof(tokens));
        long low = batched.min().ToInt64(), high = batched.max().ToInt64();
        if (low < 0 || high >= Config.DVocab)
        {
            long bad = low < 0 ? low : high;
            throw new ArgumentException($"Token id {bad} is outside the vocabulary: ids go from 0 to {Config.DVocab - 1}.", nameof(tokens));
        }
        return batched.to(ScalarType.Int64, Device);
    }
}
