using System.Text;
using LessonKit.Text;
using SharpToken;

namespace LessonKit.Tests.Text;

/// <summary>
/// The O(n log n) merge used for long pieces must give the same ids as the library's merge (used for short pieces)
/// and as the oracles.
/// </summary>
public class BytePairMergerTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;
    private static readonly GptEncoding SharpTokenR50k = GptEncoding.GetEncoding("r50k_base");

    private static readonly Lazy<BytePairMerger> Merger = new(() =>
    {
        string dir = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2");
        using var vocab = File.OpenRead(Path.Combine(dir, "vocab.json"));
        using var merges = File.OpenRead(Path.Combine(dir, "merges.txt"));
        Gpt2BpeFiles files = Gpt2BpeFiles.Read(vocab, "vocab.json", merges, "merges.txt");
        return new BytePairMerger(files.TokenBytes, files.EndOfTextId);
    });

    [Fact]
    public void AgreesWithTheLibraryOnEveryPieceOfTheCorpus()
    {
        int pieces = 0;
        foreach (GoldenTokenCases.Case c in GoldenTokenCases.All)
        {
            string text = c.Text.Replace(Gpt2Tokenizer.EndOfText, "");
            foreach ((int offset, int length) in Gpt2PreTokenizer.Instance.PreTokenize(text))
            {
                string piece = text.Substring(offset, length);
                var ids = new List<int>();
                Merger.Value.Encode(Encoding.UTF8.GetBytes(piece), ids);
                Assert.Equal(Tokenizer.Encode(piece), ids);
                pieces++;
            }
        }
        Assert.True(pieces > 3000, $"only {pieces} pieces");
    }

    public static TheoryData<string, int> LongPieces() => new()
    {
        { "abcdefghijklmnopqrstuvwxyz", 100 },   // at the threshold: the library's path
        { "abcdefghijklmnopqrstuvwxyz", 101 },   // just over it: BytePairMerger's path
        { "a", 5000 },
        { "ab", 3001 },
        { "thequickbrownfoxjumpsoverthelazydog", 4000 },
        { "0123456789", 3000 },
        { "3.14", 2000 },                         // one piece per run of digits / dots, many pieces
        { "😀👍🏽🇯🇵", 1500 },
        { "日本語のテキスト", 2000 },
        { "naïveçafé", 2000 },
        { "!?-*", 2500 },
        { " ", 3000 },
        { "\n", 1000 },
        { " \t", 1000 },
    };

    [Theory]
    [MemberData(nameof(LongPieces))]
    public void LongPiecesMatchSharpToken(string pattern, int length)
    {
        // Mostly the pattern's code points in order, sometimes a random one, so the piece is not periodic.
        string[] units = pattern.EnumerateRunes().Select(r => r.ToString()).ToArray();
        var random = new Random(length);
        var text = new StringBuilder();
        for (int i = 0; text.Length < length; i++)
        {
            text.Append(random.Next(8) == 0 ? units[random.Next(units.Length)] : units[i % units.Length]);
        }
        string s = text.ToString();
        Assert.Equal(SharpTokenR50k.Encode(s), Tokenizer.Encode(s));
        Assert.Equal(s, Tokenizer.Decode(Tokenizer.Encode(s)));
    }
}
