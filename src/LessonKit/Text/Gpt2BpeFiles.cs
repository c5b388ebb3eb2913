using System.Text.Json;

namespace LessonKit.Text;

/// <summary>
/// GPT-2's two BPE files, read and checked: <c>vocab.json</c> (token → id) and <c>merges.txt</c> (the merge rules,
/// highest priority first). Tokens in both files are written with <see cref="ByteLevelAlphabet"/>.
/// </summary>
/// <remarks>
/// The tokenizer encodes the way tiktoken does: it merges the adjacent pair whose joined bytes have the lowest id.
/// That gives the same result as GPT-2's merge list only when the two files agree, which GPT-2's do: ids 0-255 are
/// the single bytes, merge line <c>i</c> makes the token with the <c>i</c>-th lowest id among the rest, and the last
/// id is <c>&lt;|endoftext|&gt;</c>. <see cref="Read"/> checks exactly that, so a checkpoint whose files disagree is
/// refused with a message rather than tokenized slightly wrong.
/// </remarks>
internal sealed class Gpt2BpeFiles
{
    /// <summary>The bytes each id stands for; <c>TokenBytes[id]</c>. The special token holds its own text's bytes.</summary>
    public required byte[][] TokenBytes { get; init; }

    /// <summary>The id of <c>&lt;|endoftext|&gt;</c> in <c>vocab.json</c>.</summary>
    public required int EndOfTextId { get; init; }

    /// <summary>Reads and cross-checks the two files.</summary>
    /// <param name="vocabJson">The <c>vocab.json</c> content.</param>
    /// <param name="vocabName">How to name it in errors (a path).</param>
    /// <param name="mergesTxt">The <c>merges.txt</c> content.</param>
    /// <param name="mergesName">How to name it in errors (a path).</param>
    /// <exception cref="InvalidDataException">A file is malformed, or the two files disagree; the message says where.</exception>
    public static Gpt2BpeFiles Read(Stream vocabJson, string vocabName, Stream mergesTxt, string mergesName)
    {
        Dictionary<string, int> vocab = ReadVocab(vocabJson, vocabName);
        byte[][] tokenBytes = ToTokenBytes(vocab, vocabName);

        if (!vocab.TryGetValue(Gpt2Tokenizer.EndOfText, out int endOfTextId))
        {
            throw new InvalidDataException(
                $"{vocabName} has no \"{Gpt2Tokenizer.EndOfText}\" entry. GPT-2's vocab.json ends with " +
                $"\"{Gpt2Tokenizer.EndOfText}\": {Gpt2Tokenizer.EndOfTextId}; use the vocab.json that came with the checkpoint.");
        }

        List<(string Left, string Right, int LineNumber)> merges = ReadMerges(mergesTxt, mergesName);
        CheckMergesMatchVocab(vocab, endOfTextId, merges, vocabName, mergesName);
        return new Gpt2BpeFiles { TokenBytes = tokenBytes, EndOfTextId = endOfTextId };
    }

    private static Dictionary<string, int> ReadVocab(Stream json, string name)
    {
        Dictionary<string, int>? vocab;
        try
        {
            vocab = JsonSerializer.Deserialize<Dictionary<string, int>>(json);
        }
        catch (JsonException e)
        {
            string where = e.LineNumber is long line ? $" (line {line + 1}, byte {e.BytePositionInLine + 1})" : "";
            throw new InvalidDataException(
                $"{name} is not a GPT-2 vocab.json{where}: expected one JSON object mapping each token to its integer id, " +
                $"like {{\"!\": 0, \"\\\"\": 1, ...}}. {e.Message}", e);
        }
        if (vocab is null || vocab.Count == 0)
        {
            throw new InvalidDataException($"{name} is empty: expected a JSON object mapping each token to its integer id.");
        }
        return vocab;
    }

    /// <summary>Checks the ids run 0..count-1 with no gap or repeat, and turns every token back into bytes.</summary>
    private static byte[][] ToTokenBytes(Dictionary<string, int> vocab, string name)
    {
        var tokenBytes = new byte[vocab.Count][];
        foreach ((string token, int id) in vocab)
        {
            if (id < 0 || id >= vocab.Count)
            {
                throw new InvalidDataException(
                    $"{name}: token \"{token}\" has id {id}, but with {vocab.Count} tokens the ids must run from 0 to {vocab.Count - 1}.");
            }
            if (tokenBytes[id] is not null)
            {
                throw new InvalidDataException(
                    $"{name}: id {id} is given to two tokens, \"{ByteLevelAlphabet.ToText(tokenBytes[id])}\" and \"{token}\".");
            }
            if (token.Length == 0 || !ByteLevelAlphabet.TryToBytes(token, out byte[] bytes))
            {
                throw new InvalidDataException(
                    $"{name}: token \"{token}\" (id {id}) is not written in GPT-2's byte-level alphabet " +
                    "(each character stands for one byte: a space is \"Ġ\", a newline \"Ċ\"). Is this a GPT-2 vocab.json?");
            }
            tokenBytes[id] = bytes;
        }

        for (int b = 0; b < 256; b++)
        {
            if (!vocab.ContainsKey(ByteLevelAlphabet.ToChar((byte)b).ToString()))
            {
                throw new InvalidDataException(
                    $"{name} has no token for the single byte 0x{b:X2} (\"{ByteLevelAlphabet.ToChar((byte)b)}\"): " +
                    "a GPT-2 vocabulary holds all 256 bytes so that any text can be encoded.");
            }
        }
        return tokenBytes;
    }

    private static List<(string Left, string Right, int LineNumber)> ReadMerges(Stream text, string name)
    {
        var merges = new List<(string, string, int)>();
        using var reader = new StreamReader(text, System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
        int lineNumber = 0;
        while (reader.ReadLine() is string line)
        {
            lineNumber++;
            if (line.Length == 0 || (lineNumber == 1 && line.StartsWith("#version", StringComparison.Ordinal)))
            {
                continue; // the "#version: 0.2" header and blank lines carry no rule
            }
            string[] parts = line.Split(' ');
            if (parts.Length != 2 || parts[0].Length == 0 || parts[1].Length == 0)
            {
                throw new InvalidDataException(
                    $"{name}, line {lineNumber}: \"{line}\" is not a merge rule. Each line of merges.txt holds two tokens " +
                    "separated by one space, like \"Ġ t\".");
            }
            merges.Add((parts[0], parts[1], lineNumber));
        }
        return merges;
    }

    /// <summary>
    /// Checks that merging by lowest id (tiktoken's rule) is the same as merging by merge-list order (GPT-2's rule):
    /// each merge joins two known tokens into a known token, the merges' results have increasing ids, and every token
    /// longer than one byte (other than the special token) is the result of exactly one merge.
    /// </summary>
    private static void CheckMergesMatchVocab(
        Dictionary<string, int> vocab, int endOfTextId,
        List<(string Left, string Right, int LineNumber)> merges, string vocabName, string mergesName)
    {
        int previousId = -1;
        foreach ((string left, string right, int lineNumber) in merges)
        {
            foreach (string part in (ReadOnlySpan<string>)[left, right])
            {
                if (!vocab.ContainsKey(part))
                {
                    throw new InvalidDataException(
                        $"{mergesName}, line {lineNumber}: token \"{part}\" is not in {vocabName}. The two files must come from the same checkpoint.");
                }
            }
            string joined = left + right;
            if (!vocab.TryGetValue(joined, out int id) || id == endOfTextId)
            {
                throw new InvalidDataException(
                    $"{mergesName}, line {lineNumber}: merging \"{left}\" and \"{right}\" makes \"{joined}\", which is not an ordinary token in {vocabName}. " +
                    "The two files must come from the same checkpoint.");
            }
            if (id <= previousId)
            {
                throw new InvalidDataException(
                    $"{mergesName}, line {lineNumber}: the merge \"{left} {right}\" makes id {id}, but an earlier line made id {previousId}. " +
                    $"This tokenizer needs merge order to follow id order, as in GPT-2's own files (merge line i makes id 256 + i).");
            }
            previousId = id;
        }

        int tokensMadeByMerges = vocab.Count - 256 - 1; // all but the single bytes and <|endoftext|>
        if (merges.Count != tokensMadeByMerges)
        {
            throw new InvalidDataException(
                $"{mergesName} has {merges.Count} merge rules, but {vocabName} has {tokensMadeByMerges} tokens that merges must make " +
                $"({vocab.Count} tokens, less 256 single bytes and \"{Gpt2Tokenizer.EndOfText}\"). The two files must come from the same checkpoint.");
        }
    }
}
