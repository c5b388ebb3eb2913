using System.Text;
using LessonKit.Text;
using SharpToken;

namespace LessonKit.Tests.Text;

/// <summary>
/// Long pieces (runs with no space: a DNA string, base64, minified code) give the same ids as an independent oracle.
/// Microsoft.ML.Tokenizers' merge was quadratic in a piece's length before 3.0.0; these cases are where it went wrong
/// or slow.
/// </summary>
public class LongPieceTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;
    private static readonly GptEncoding SharpTokenR50k = GptEncoding.GetEncoding("r50k_base");

    public static TheoryData<string, int> LongPieces() => new()
    {
        { "abcdefghijklmnopqrstuvwxyz", 100 },
        { "abcdefghijklmnopqrstuvwxyz", 101 },
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
