using System.Buffers;
using System.Text;
using Microsoft.ML.Tokenizers;

namespace LessonKit.Text;

/// <summary>
/// GPT-2's tokenizer: turns text into the token ids GPT-2 was trained on and back, id for id the same as OpenAI's
/// <c>r50k_base</c> and Hugging Face's <c>GPT2Tokenizer</c>.
/// </summary>
/// <remarks>
/// <para>How it works: the text is cut into pieces by GPT-2's split pattern (words with their leading space,
/// numbers, punctuation runs, whitespace; see <see cref="Gpt2PreTokenizer"/>), each piece is turned into UTF-8
/// bytes, and byte-pair encoding merges adjacent byte groups into the 50,257 tokens of GPT-2's vocabulary. The
/// BPE itself is Microsoft.ML.Tokenizers' <see cref="TiktokenTokenizer"/>, given GPT-2's own vocabulary (a token's
/// rank is its id) and GPT-2's split pattern as <see cref="Gpt2PreTokenizer"/> (the library's own regex splits letters
/// outside the Basic Multilingual Plane wrongly).</para>
/// <para>Strings that are not valid UTF-16: an unpaired surrogate cannot be written as UTF-8, so it is encoded as
/// U+FFFD (the replacement character), as tiktoken and js-tiktoken do; such a string does not round-trip.</para>
/// <para>Instances are immutable and safe to use from several threads.</para>
/// </remarks>
[Display.Formatting.TypeFormatterSource(typeof(Display.Formatting.SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed class Gpt2Tokenizer
{
    /// <summary>The id of <see cref="EndOfText"/> in GPT-2's vocabulary; also used as the "beginning of sequence" token.</summary>
    public const int EndOfTextId = 50256;

    /// <summary>GPT-2's one special token, which separates documents in its training data.</summary>
    public const string EndOfText = "<|endoftext|>";

    private const string ResourcePrefix = "LessonKit.Text.Resources.";
    private const string VocabFileName = "vocab.json";
    private const string MergesFileName = "merges.txt";

    private static readonly Lazy<Gpt2Tokenizer> s_default = new(LoadEmbedded, LazyThreadSafetyMode.ExecutionAndPublication);

    private readonly TiktokenTokenizer _bpe;       // BPE over GPT-2's ranks, without special tokens
    private readonly byte[][] _tokenBytes;          // id -> the bytes it stands for
    private readonly string[] _tokenTexts;          // id -> TokenText(id)
    private readonly Dictionary<string, int> _idByTokenText;
    private readonly int _endOfTextId;
    private readonly Func<string, Stream> _openSourceFile; // "vocab.json" or "merges.txt" -> the file this tokenizer was built from

    private Gpt2Tokenizer(Gpt2BpeFiles files, Func<string, Stream> openSourceFile)
    {
        _openSourceFile = openSourceFile;
        _tokenBytes = files.TokenBytes;
        _endOfTextId = files.EndOfTextId;
        _bpe = TiktokenTokenizer.Create(
            ToTiktokenRanks(files), Gpt2PreTokenizer.Instance, normalizer: null, specialTokens: null);
        _tokenTexts = Array.ConvertAll(_tokenBytes, DecodeUtf8);
        _idByTokenText = BuildIdByTokenText(_tokenBytes, _tokenTexts);
    }

    /// <summary>
    /// GPT-2's tokenizer, from the vocabulary built into LessonKit (no download). Built on first use, then shared.
    /// </summary>
    public static Gpt2Tokenizer Default => s_default.Value;

    /// <summary>
    /// The tokenizer of a checkpoint, from its own <c>vocab.json</c> and <c>merges.txt</c> (Hugging Face layout).
    /// </summary>
    /// <exception cref="FileNotFoundException">A file does not exist.</exception>
    /// <exception cref="InvalidDataException">A file is malformed or the two disagree; the message names the file and place.</exception>
    public static Gpt2Tokenizer FromFiles(string vocabJsonPath, string mergesTxtPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabJsonPath);
        ArgumentException.ThrowIfNullOrEmpty(mergesTxtPath);
        string vocabPath = Path.GetFullPath(vocabJsonPath);
        string mergesPath = Path.GetFullPath(mergesTxtPath);
        foreach ((string path, string what) in (ReadOnlySpan<(string, string)>)[(vocabPath, "vocab.json"), (mergesPath, "merges.txt")])
        {
            if (!File.Exists(path))
            {
                throw new FileNotFoundException(
                    $"GPT-2 tokenizer file {what} not found at {path}. A Hugging Face GPT-2 checkpoint folder has vocab.json " +
                    "and merges.txt next to config.json; or use Gpt2Tokenizer.Default, which needs no files.", path);
            }
        }
        // The bytes are kept so SaveFiles can write exactly these files next to a saved checkpoint.
        byte[] vocabBytes = File.ReadAllBytes(vocabPath), mergesBytes = File.ReadAllBytes(mergesPath);
        if (IsBuiltIn(VocabFileName, vocabBytes) && IsBuiltIn(MergesFileName, mergesBytes))
            return Default; // GPT-2's own files, as every GPT-2 checkpoint ships them: share the tokenizer already built
        Stream Open(string name) => new MemoryStream(name == VocabFileName ? vocabBytes : mergesBytes, writable: false);
        using Stream vocab = Open(VocabFileName);
        using Stream merges = Open(MergesFileName);
        return new Gpt2Tokenizer(Gpt2BpeFiles.Read(vocab, vocabPath, merges, mergesPath), Open);
    }

    /// <summary>
    /// Writes the <c>vocab.json</c> and <c>merges.txt</c> this tokenizer was built from into <paramref name="directory"/>,
    /// as a Hugging Face checkpoint folder holds them.
    /// </summary>
    public void SaveFiles(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        Directory.CreateDirectory(directory);
        foreach (string name in (ReadOnlySpan<string>)[VocabFileName, MergesFileName])
        {
            using Stream source = _openSourceFile(name);
            using FileStream target = File.Create(Path.Combine(directory, name));
            source.CopyTo(target);
        }
    }

    /// <summary>The number of token ids: 50,257 for GPT-2 (ids 0 to 50,256).</summary>
    public int VocabSize => _tokenBytes.Length;

    /// <summary>What the tokenizer is, its vocabulary size, and how to use it.</summary>
    public override string ToString() =>
        $"Gpt2Tokenizer: byte-level BPE, {VocabSize:N0} tokens, <|endoftext|> = {EndOfTextId}. Encode(text) gives ids, Decode(ids) gives text back.";

    /// <summary>Turns text into GPT-2 token ids. The empty string gives no ids.</summary>
    /// <param name="text">Any text.</param>
    /// <param name="allowSpecial">
    /// <c>true</c> (as Hugging Face does): each <c>&lt;|endoftext|&gt;</c> in the text becomes the one id
    /// <see cref="EndOfTextId"/>. <c>false</c>: it is ordinary text (<c>&lt;|</c>, <c>endoftext</c>, <c>|&gt;</c>),
    /// as is safe for text that comes from users.
    /// </param>
    public int[] Encode(string text, bool allowSpecial = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = ReplaceUnpairedSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 1);
        ReadOnlySpan<char> rest = text;
        if (allowSpecial)
        {
            // Special tokens are cut out first; the split pattern never sees them (as in tiktoken and Hugging Face).
            int at;
            while ((at = rest.IndexOf(EndOfText, StringComparison.Ordinal)) >= 0)
            {
                EncodeOrdinaryText(rest[..at], ids);
                ids.Add(_endOfTextId);
                rest = rest[(at + EndOfText.Length)..];
            }
        }
        EncodeOrdinaryText(rest, ids);
        return [.. ids];
    }

    /// <summary>
    /// Turns ids back into text: the exact inverse of <see cref="Encode"/> (<c>Decode(Encode(s)) == s</c>). Bytes that
    /// do not form whole UTF-8 characters (ids cut in the middle of a character) become U+FFFD.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside <c>[0, VocabSize)</c>.</exception>
    public string Decode(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var bytes = new ArrayBufferWriter<byte>();
        foreach (int id in ids)
        {
            CheckId(id, nameof(ids));
            bytes.Write(_tokenBytes[id]);
        }
        return DecodeUtf8(bytes.WrittenSpan);
    }

    /// <summary>
    /// What one token decodes to on its own, such as <c>" cat"</c> for 3797. A token that holds only part of a
    /// multi-byte character shows U+FFFD for that part, as Python's <c>bytes.decode("utf-8", errors="replace")</c> does.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="id"/> is outside <c>[0, VocabSize)</c>.</exception>
    public string TokenText(int id)
    {
        CheckId(id, nameof(id));
        return _tokenTexts[id];
    }

    /// <summary><see cref="TokenText"/> of each id, like TransformerLens's <c>to_str_tokens</c>.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An id is outside <c>[0, VocabSize)</c>.</exception>
    public string[] ToStrTokens(IEnumerable<int> ids)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var texts = new List<string>();
        foreach (int id in ids)
        {
            CheckId(id, nameof(ids));
            texts.Add(_tokenTexts[id]);
        }
        return [.. texts];
    }

    /// <summary>
    /// The id whose <see cref="TokenText"/> is exactly <paramref name="tokenText"/> (<c>" cat"</c> → 3797), or
    /// <c>null</c> if no token has that text. Tokens that hold part of a character show U+FFFD for it, so several can
    /// show the same text: then the token of whole characters with that text wins (<c>"\uFFFD"</c> → 4210, the token
    /// for U+FFFD itself), and if there is none, the text names no single token and the answer is <c>null</c>.
    /// </summary>
    public int? TokenId(string tokenText)
    {
        ArgumentNullException.ThrowIfNull(tokenText);
        return _idByTokenText.TryGetValue(tokenText, out int id) ? id : null;
    }

    // The library cuts the pieces (with Gpt2PreTokenizer) and merges each, in one call.
    private void EncodeOrdinaryText(ReadOnlySpan<char> text, List<int> ids) =>
        ids.AddRange(_bpe.EncodeToIds(text, considerPreTokenization: true, considerNormalization: false));

    private void CheckId(int id, string paramName)
    {
        if ((uint)id >= (uint)_tokenBytes.Length)
        {
            throw new ArgumentOutOfRangeException(paramName, id,
                $"Token id {id} is not in GPT-2's vocabulary: ids run from 0 to {_tokenBytes.Length - 1} (VocabSize {_tokenBytes.Length}).");
        }
    }

    // .NET's UTF-8 decoder replaces each maximal invalid subsequence with one U+FFFD, the same rule as Python's
    // errors="replace" and the WHATWG TextDecoder.
    private static string DecodeUtf8(ReadOnlySpan<byte> bytes) => Encoding.UTF8.GetString(bytes);

    private static string DecodeUtf8(byte[] bytes) => Encoding.UTF8.GetString(bytes);

    /// <summary>
    /// GPT-2's vocabulary as a tiktoken ranks file ("base64-of-token-bytes rank" per line), the format
    /// <see cref="TiktokenTokenizer.Create(Stream, PreTokenizer?, Normalizer?, IReadOnlyDictionary{string, int}?, int)"/>
    /// reads. A token's rank is its id: the BPE merges the adjacent pair whose joined bytes have the lowest id, which
    /// <see cref="Gpt2BpeFiles"/> has checked is GPT-2's merge order.
    /// </summary>
    private static MemoryStream ToTiktokenRanks(Gpt2BpeFiles files)
    {
        var ranks = new StringBuilder(files.TokenBytes.Length * 16);
        for (int id = 0; id < files.TokenBytes.Length; id++)
        {
            if (id != files.EndOfTextId) // the special token is handled by Encode, never by BPE
            {
                ranks.Append(Convert.ToBase64String(files.TokenBytes[id])).Append(' ').Append(id).Append('\n');
            }
        }
        return new MemoryStream(Encoding.ASCII.GetBytes(ranks.ToString()), writable: false);
    }

    private static Dictionary<string, int> BuildIdByTokenText(byte[][] tokenBytes, string[] tokenTexts)
    {
        var idByText = new Dictionary<string, int>(tokenBytes.Length, StringComparer.Ordinal);
        var partial = new Dictionary<string, int>(StringComparer.Ordinal); // text -> id, or -1 when several share it
        for (int id = 0; id < tokenBytes.Length; id++)
        {
            string text = tokenTexts[id];
            if (Encoding.UTF8.GetBytes(text).AsSpan().SequenceEqual(tokenBytes[id]))
            {
                idByText[text] = id; // whole characters: the text gives back exactly these bytes, so no other token has it
            }
            else
            {
                partial[text] = partial.ContainsKey(text) ? -1 : id;
            }
        }
        foreach ((string text, int id) in partial)
        {
            if (id >= 0)
            {
                idByText.TryAdd(text, id); // a token of whole characters showing the same text wins
            }
        }
        return idByText;
    }

    /// <summary>Replaces each unpaired UTF-16 surrogate with U+FFFD (strings from .NET may hold them; UTF-8 cannot).</summary>
    private static string ReplaceUnpairedSurrogates(string text)
    {
        int first = IndexOfUnpairedSurrogate(text, 0);
        if (first < 0)
        {
            return text;
        }
        char[] chars = text.ToCharArray();
        for (int i = first; i >= 0; i = IndexOfUnpairedSurrogate(text, i + 1))
        {
            chars[i] = '\uFFFD';
        }
        return new string(chars);
    }

    private static int IndexOfUnpairedSurrogate(string text, int from)
    {
        for (int i = from; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                i++; // a proper pair
            }
            else if (char.IsSurrogate(c))
            {
                return i;
            }
        }
        return -1;
    }

    private static Gpt2Tokenizer LoadEmbedded()
    {
        using Stream vocab = OpenResource(VocabFileName);
        using Stream merges = OpenResource(MergesFileName);
        return new Gpt2Tokenizer(Gpt2BpeFiles.Read(vocab, "LessonKit's built-in vocab.json", merges, "LessonKit's built-in merges.txt"), OpenResource);
    }

    private static bool IsBuiltIn(string fileName, byte[] bytes)
    {
        using Stream resource = OpenResource(fileName);
        if (resource.Length != bytes.Length) return false;
        byte[] builtIn = new byte[bytes.Length];
        resource.ReadExactly(builtIn);
        return builtIn.AsSpan().SequenceEqual(bytes);
    }

    private static Stream OpenResource(string fileName) =>
        typeof(Gpt2Tokenizer).Assembly.GetManifestResourceStream(ResourcePrefix + fileName)
        ?? throw new InvalidOperationException(
            $"LessonKit.dll lacks its embedded resource {ResourcePrefix}{fileName}; the library was built without it. " +
            "Rebuild LessonKit, or use Gpt2Tokenizer.FromFiles with a checkpoint's vocab.json and merges.txt.");
}
