using System.Text;
using System.Text.RegularExpressions;
using LessonKit.Text;

namespace LessonKit.Tests.Text;

/// <summary>The split into pieces before BPE, and GPT-2's byte-to-character table.</summary>
public class Gpt2PreTokenizerTests
{
    private const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    private static string[] Pieces(string text) =>
        Gpt2PreTokenizer.Instance.PreTokenize(text).Select(p => text.Substring(p.Offset, p.Length)).ToArray();

    [Theory]
    [InlineData("Hello world", new[] { "Hello", " world" })]
    [InlineData("a  b   c", new[] { "a", " ", " b", "  ", " c" })]
    [InlineData("   leading", new[] { "  ", " leading" })]
    [InlineData("trailing   ", new[] { "trailing", "   " })]
    [InlineData("x\n\n\ny", new[] { "x", "\n\n", "\n", "y" })]
    [InlineData("  \n  ", new[] { "  \n  " })]
    [InlineData("\t\tx", new[] { "\t", "\t", "x" })]
    [InlineData("I'm It'S don't", new[] { "I", "'m", " It", "'", "S", " don", "'t" })]
    [InlineData("3.14 1,000", new[] { "3", ".", "14", " 1", ",", "000" })]
    [InlineData("<script>", new[] { "<", "script", ">" })]
    [InlineData(" !?x", new[] { " !?", "x" })]
    [InlineData(" ", new[] { " " })]
    [InlineData("", new string[0])]
    public void SplitsLikeGpt2(string text, string[] expected)
    {
        Assert.Equal(expected, Pieces(text));
    }

    [Theory]
    [InlineData("𝐞'd", new[] { "𝐞", "'d" })]          // a regex on UTF-16 gives "𝐞'", "d"
    [InlineData("a𝐀1", new[] { "a𝐀", "1" })]          // 𝐀 is a letter, so it joins "a"
    [InlineData(" 𝟙𝟚!", new[] { " 𝟙𝟚", "!" })]        // 𝟙 is a digit
    [InlineData("x 😀!", new[] { "x", " 😀!" })]        // an emoji is a symbol, like "!"
    [InlineData("𠀀𠀁 z", new[] { "𠀀𠀁", " z" })]
    public void ReadsCodePointsNotUtf16Chars(string text, string[] expected)
    {
        Assert.Equal(expected, Pieces(text));
    }

    [Fact]
    public void AgreesWithTheRegexOnTextWithoutSupplementaryCharacters()
    {
        // On the Basic Multilingual Plane, .NET's Regex reads the pattern the way Python's regex module does, so it
        // is an oracle for the hand-written scanner. Random strings over characters that exercise every branch.
        var regex = new Regex(Gpt2Pattern);
        string[] pool =
        [
            " ", " ", " ", "\t", "\n", "\r", "\u00a0", "\u3000", "\u2028", "\u0085", "\ufeff", "\u200b", "\u000b",
            "'", "'", "s", "t", "r", "e", "v", "m", "l", "d", "S", "L", "a", "Z", "é", "\u0301", "ß", "Ж", "日", "ไ", "ि",
            "0", "7", "½", "²", "٣", "Ⅻ", ".", ",", "!", "-", "<", "|", "\"", "…", "\ufffd", "\u0000", "\ud800x", "\udc00", // unpaired surrogates only: "x" keeps a high one from meeting a low one
        ];
        var random = new Random(1234);
        for (int n = 0; n < 3000; n++)
        {
            var text = new StringBuilder();
            int length = random.Next(0, 20);
            for (int i = 0; i < length; i++)
            {
                text.Append(pool[random.Next(pool.Length)]);
            }
            string s = text.ToString();
            string[] expected = regex.Matches(s).Select(m => m.Value).ToArray();
            Assert.True(expected.SequenceEqual(Pieces(s)), $"pieces differ for {Escape(s)}: regex {string.Join(" | ", expected.Select(Escape))}, scanner {string.Join(" | ", Pieces(s).Select(Escape))}");
            Assert.Equal(s, string.Concat(expected)); // the pattern leaves no gaps
        }
    }

    [Fact]
    public void SpanAndStringOverloadsAgree()
    {
        foreach (GoldenTokenCases.Case c in GoldenTokenCases.All)
        {
            Assert.Equal(
                Gpt2PreTokenizer.Instance.PreTokenize(c.Text).ToArray(),
                Gpt2PreTokenizer.Instance.PreTokenize(c.Text.AsSpan()).ToArray());
        }
    }

    [Fact]
    public void ByteLevelAlphabetIsGpt2s()
    {
        Assert.Equal('Ġ', ByteLevelAlphabet.ToChar((byte)' '));
        Assert.Equal('Ċ', ByteLevelAlphabet.ToChar((byte)'\n'));
        Assert.Equal('ĉ', ByteLevelAlphabet.ToChar((byte)'\t'));
        Assert.Equal('Ā', ByteLevelAlphabet.ToChar(0));
        Assert.Equal('a', ByteLevelAlphabet.ToChar((byte)'a'));
        Assert.Equal('é', ByteLevelAlphabet.ToChar(0xE9));
        Assert.Equal('Ń', ByteLevelAlphabet.ToChar(0xAD)); // the soft hyphen is the last byte moved

        byte[] all = Enumerable.Range(0, 256).Select(b => (byte)b).ToArray();
        string text = ByteLevelAlphabet.ToText(all);
        Assert.Equal(256, text.Distinct().Count());
        Assert.True(ByteLevelAlphabet.TryToBytes(text, out byte[] back));
        Assert.Equal(all, back);
        Assert.False(ByteLevelAlphabet.TryToBytes("a b", out _)); // a real space is written as "Ġ"
        Assert.False(ByteLevelAlphabet.TryToBytes("日", out _));
    }

    private static string Escape(string s) =>
        string.Concat(s.Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:X4}"));
}
