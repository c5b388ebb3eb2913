using System.Text;
using LessonKit.Text;
using SharpToken;

namespace LessonKit.Tests.Text;

/// <summary>
/// Gpt2Tokenizer against independent GPT-2 tokenizers, id for id: OpenAI's tiktoken and js-tiktoken (through the
/// committed golden file) and SharpToken (run live), all with GPT-2's encoding <c>r50k_base</c>.
/// </summary>
public class Gpt2TokenizerOracleTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;
    private static readonly GptEncoding SharpTokenR50k = GptEncoding.GetEncoding("r50k_base");
    private static readonly HashSet<string> EndOfTextAllowed = [Gpt2Tokenizer.EndOfText];

    public static TheoryData<string> AllCases() => GoldenTokenCases.Names();

    public static TheoryData<string> CasesJavaScriptReadsLikePython() =>
        NamesWhere(c => !HasNelOrBom(c.Text));

    public static TheoryData<string> CasesWithinUtf16Regex() =>
        NamesWhere(c => !HasSupplementaryLetterOrNumber(c.Text));

    [Fact]
    public void CorpusCoversTheHardCategories()
    {
        var named = GoldenTokenCases.All.Where(c => !c.Name.StartsWith("random ", StringComparison.Ordinal)).ToList();
        Assert.True(named.Count >= 30, $"only {named.Count} named cases");
        Assert.True(GoldenTokenCases.All.Count - named.Count >= 300, "the 300 random strings are missing");
        string[] required =
        [
            "   leading", "a  b   c", "\t\tx", "x\n\n\ny", "  \n  ", "I'm you're they'll she'd It'S",
            "1234567890 3.14159 1,000,000", "naïve café résumé Zürich", "日本語のテキスト", "👋🏽 👨‍👩‍👧‍👦 🇯🇵",
            "<|endoftext|>The cat", "pneumonoultramicroscopicsilicovolcanoconiosis", "<script>alert(1)</script>", "",
        ];
        foreach (string text in required)
        {
            Assert.Contains(GoldenTokenCases.All, c => c.Text == text);
        }
        foreach ((string name, int minLength) in new[] { ("long prose", 3000), ("long code", 2000) })
        {
            string text = GoldenTokenCases.Named(name).Text;
            Assert.True(text.Length >= minLength && text.Contains("\r\n") && text.Contains('\t') && text.Contains("  "), name);
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void MatchesTiktoken(string name)
    {
        GoldenTokenCases.Case c = GoldenTokenCases.Named(name);
        Assert.Equal(c.Tiktoken, Tokenizer.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(CasesJavaScriptReadsLikePython))]
    public void MatchesJsTiktoken(string name)
    {
        GoldenTokenCases.Case c = GoldenTokenCases.Named(name);
        Assert.Equal(c.JsTiktoken, Tokenizer.Encode(c.Text));
    }

    [Fact]
    public void FollowsPythonNotJavaScriptOnNelAndBom()
    {
        // JavaScript's \s matches U+FEFF and not U+0085; Python's regex module (GPT-2's own) and tiktoken do the
        // opposite. On these strings js-tiktoken is therefore not GPT-2, and we must side with tiktoken.
        var cases = GoldenTokenCases.All.Where(c => HasNelOrBom(c.Text)).ToList();
        Assert.NotEmpty(cases);
        Assert.Contains(cases, c => !c.Tiktoken.SequenceEqual(c.JsTiktoken));
        foreach (GoldenTokenCases.Case c in cases)
        {
            Assert.Equal(c.Tiktoken, Tokenizer.Encode(c.Text));
        }
    }

    [Theory]
    [MemberData(nameof(CasesWithinUtf16Regex))]
    public void MatchesSharpToken(string name)
    {
        GoldenTokenCases.Case c = GoldenTokenCases.Named(name);
        Assert.Equal(SharpTokenR50k.Encode(c.Text, EndOfTextAllowed), Tokenizer.Encode(c.Text));
    }

    [Fact]
    public void SplitsSupplementaryLettersByCodePointUnlikeAUtf16Regex()
    {
        // SharpToken runs GPT-2's pattern with a .NET Regex, which sees a letter such as 𝐀 (U+1D400) as two
        // surrogates that are neither letters nor numbers. Where that changes the pieces, it changes the ids, and
        // tiktoken (code points, like Python) is right. This is why Gpt2PreTokenizer is not a RegexPreTokenizer.
        var differing = GoldenTokenCases.All
            .Where(c => !SharpTokenR50k.Encode(c.Text, EndOfTextAllowed).SequenceEqual(c.Tiktoken))
            .ToList();
        Assert.Contains(differing, c => c.Name == "supplementary mixed with symbols"); // "𝐞'd": "𝐞" + "'d", not "𝐞'" + "d"
        foreach (GoldenTokenCases.Case c in differing)
        {
            Assert.True(HasSupplementaryLetterOrNumber(c.Text), $"SharpToken differs from tiktoken on \"{c.Name}\" for another reason");
            Assert.Equal(c.Tiktoken, Tokenizer.Encode(c.Text));
        }
    }

    [Theory]
    [MemberData(nameof(AllCases))]
    public void DecodeInvertsEncode(string name)
    {
        string text = GoldenTokenCases.Named(name).Text;
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text)));
        Assert.Equal(text, Tokenizer.Decode(Tokenizer.Encode(text, allowSpecial: false)));
    }

    [Fact]
    public void TokenTextOfPartialCharactersMatchesPythonReplace()
    {
        IReadOnlyDictionary<int, string> partial = GoldenTokenCases.PartialTokenTexts;
        Assert.True(partial.Count > 300, $"only {partial.Count} partial-character tokens in the golden file");
        foreach ((int id, string text) in partial)
        {
            Assert.Equal(text, Tokenizer.TokenText(id));
        }
        // Every other token is whole characters: its text encodes back to exactly the token's bytes.
        for (int id = 0; id < Tokenizer.VocabSize; id++)
        {
            if (!partial.ContainsKey(id))
            {
                string text = Tokenizer.TokenText(id);
                Assert.Equal(Tokenizer.Encode(text, allowSpecial: id == Gpt2Tokenizer.EndOfTextId) is [var only] ? only : -1, id);
            }
        }
    }

    private static TheoryData<string> NamesWhere(Func<GoldenTokenCases.Case, bool> keep)
    {
        var names = new TheoryData<string>();
        foreach (GoldenTokenCases.Case c in GoldenTokenCases.All.Where(keep))
        {
            names.Add(c.Name);
        }
        return names;
    }

    private static bool HasNelOrBom(string text) => text.Contains('\u0085') || text.Contains('\uFEFF');

    private static bool HasSupplementaryLetterOrNumber(string text) =>
        text.EnumerateRunes().Any(r => !r.IsBmp && (Rune.IsLetter(r) || Rune.IsNumber(r)));
}
