using System.Diagnostics;
using System.Text;
using System.Text.Json;
using LessonKit.Text;

namespace LessonKit.Tests.Text;

/// <summary>Known GPT-2 facts and the behaviour of each public member of <see cref="Gpt2Tokenizer"/>.</summary>
public class Gpt2TokenizerTests
{
    private static readonly Gpt2Tokenizer Tokenizer = Gpt2Tokenizer.Default;

    [Fact]
    public void MatchesTheTinyGpt2ReferenceIds()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "reference.json");
        using JsonDocument reference = JsonDocument.Parse(File.ReadAllText(path));
        int[] expected = reference.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();

        const string sentence = "The cat sat on the mat because it was tired.";
        Assert.Equal(expected, Tokenizer.Encode(Gpt2Tokenizer.EndOfText + sentence));
        Assert.Equal(expected, (int[])[Gpt2Tokenizer.EndOfTextId, .. Tokenizer.Encode(sentence)]);
    }

    [Fact]
    public void KnownIds()
    {
        Assert.Equal([3797], Tokenizer.Encode(" cat"));
        Assert.Equal([50256], Tokenizer.Encode("<|endoftext|>"));
        Assert.Equal([464, 3797, 3332], Tokenizer.Encode("The cat sat"));
        Assert.Equal([4210], Tokenizer.Encode("\uFFFD"));
        Assert.Empty(Tokenizer.Encode(""));
        Assert.Equal(50257, Tokenizer.VocabSize);
        Assert.Equal(50256, Gpt2Tokenizer.EndOfTextId);
        Assert.Equal("<|endoftext|>", Gpt2Tokenizer.EndOfText);
    }

    [Fact]
    public void WithoutAllowSpecialEndOfTextIsPlainText()
    {
        Assert.Equal([27, 91, 437, 1659, 5239, 91, 29], Tokenizer.Encode("<|endoftext|>", allowSpecial: false));
        Assert.Equal([64, 27, 91, 437, 1659, 5239, 91, 29, 65], Tokenizer.Encode("a<|endoftext|>b", allowSpecial: false));
        Assert.Equal([64, 50256, 65], Tokenizer.Encode("a<|endoftext|>b"));
        Assert.Equal("a<|endoftext|>b", Tokenizer.Decode(Tokenizer.Encode("a<|endoftext|>b", allowSpecial: false)));
    }

    [Fact]
    public void UnpairedSurrogatesAreEncodedAsReplacementCharacters()
    {
        // UTF-8 cannot hold an unpaired surrogate; like tiktoken and js-tiktoken we encode U+FFFD in its place.
        Assert.Equal(Tokenizer.Encode("a\uFFFDb"), Tokenizer.Encode("a\uD800b"));
        Assert.Equal(Tokenizer.Encode("\uFFFD"), Tokenizer.Encode("\uDC00"));
        Assert.Equal(Tokenizer.Encode("x\uFFFD"), Tokenizer.Encode("x\uD83D"));                      // high at the end
        Assert.Equal(Tokenizer.Encode("\uFFFD\uFFFD"), Tokenizer.Encode("\uDE00\uD83D"));             // pair in the wrong order
        Assert.Equal(Tokenizer.Encode("😀\uFFFD😀"), Tokenizer.Encode("😀\uD83D😀"));               // pairs around it kept
        Assert.Equal(Tokenizer.Encode(" \uFFFD<|endoftext|>"), Tokenizer.Encode(" \uDFFF<|endoftext|>"));
        Assert.Equal("a\uFFFDb", Tokenizer.Decode(Tokenizer.Encode("a\uD800b")));
    }

    [Fact]
    public void EncodeRejectsNull()
    {
        Assert.Throws<ArgumentNullException>(() => Tokenizer.Encode(null!));
    }

    [Fact]
    public void DecodeJoinsTokenBytesBeforeDecodingUtf8()
    {
        int[] smiley = Tokenizer.Encode("😀"); // [47249, 222]: the emoji's 4 bytes split over two tokens
        Assert.Equal(2, smiley.Length);
        Assert.Equal("😀", Tokenizer.Decode(smiley));
        Assert.Equal("\uFFFD", Tokenizer.Decode(smiley[..1])); // a cut character shows as U+FFFD
        Assert.Equal("", Tokenizer.Decode([]));
        Assert.Equal("The cat<|endoftext|>", Tokenizer.Decode([464, 3797, 50256]));
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(50257)]
    [InlineData(int.MaxValue)]
    public void DecodeRejectsIdsOutsideTheVocabulary(int badId)
    {
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.Decode([464, badId]));
        Assert.Equal("ids", e.ParamName);
        Assert.Equal(badId, e.ActualValue);
        Assert.Contains($"Token id {badId} ", e.Message);
        Assert.Contains("from 0 to 50256", e.Message);
        Assert.Throws<ArgumentNullException>(() => Tokenizer.Decode(null!));
    }

    [Fact]
    public void TokenTextIsWhatOneTokenDecodesTo()
    {
        Assert.Equal(" cat", Tokenizer.TokenText(3797));
        Assert.Equal("\n", Tokenizer.TokenText(198));
        Assert.Equal(" ", Tokenizer.TokenText(220));
        Assert.Equal("!", Tokenizer.TokenText(0));
        Assert.Equal("<|endoftext|>", Tokenizer.TokenText(50256));
        for (int id = 0; id < Tokenizer.VocabSize; id++)
        {
            Assert.Equal(Tokenizer.Decode([id]), Tokenizer.TokenText(id));
        }
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.TokenText(50257));
        Assert.Equal("id", e.ParamName);
        Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.TokenText(-1));
    }

    [Fact]
    public void ToStrTokensShowsEachToken()
    {
        Assert.Equal(["<|endoftext|>", "The", " cat", " sat"], Tokenizer.ToStrTokens(Tokenizer.Encode("<|endoftext|>The cat sat")));
        Assert.Equal(["\uFFFD", "\uFFFD"], Tokenizer.ToStrTokens(Tokenizer.Encode("😀")));
        Assert.Empty(Tokenizer.ToStrTokens([]));
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => Tokenizer.ToStrTokens([1, -1]));
        Assert.Equal("ids", e.ParamName);
    }

    [Fact]
    public void TokenIdFindsTheTokenWithExactlyThatText()
    {
        Assert.Equal(3797, Tokenizer.TokenId(" cat"));
        Assert.Equal(464, Tokenizer.TokenId("The"));
        Assert.Equal(50256, Tokenizer.TokenId("<|endoftext|>"));
        Assert.Equal(4210, Tokenizer.TokenId("\uFFFD")); // the token for U+FFFD itself, not one of the cut bytes
        Assert.Null(Tokenizer.TokenId(" cat sat")); // two tokens
        Assert.Null(Tokenizer.TokenId(""));
        Assert.Throws<ArgumentNullException>(() => Tokenizer.TokenId(null!));

        // Every token is found by its text, except texts several cut-character tokens share (then none is named).
        var partial = GoldenTokenCases.PartialTokenTexts; // id -> text, for tokens holding part of a character
        int ambiguous = 0;
        foreach (IGrouping<string, int> group in Enumerable.Range(0, Tokenizer.VocabSize).GroupBy(Tokenizer.TokenText))
        {
            int? found = Tokenizer.TokenId(group.Key);
            int[] whole = group.Where(id => !partial.ContainsKey(id)).ToArray();
            if (whole.Length == 1)
            {
                Assert.Equal(whole[0], found);
            }
            else if (group.Count() == 1)
            {
                Assert.Equal(group.Single(), found);
            }
            else
            {
                Assert.Empty(whole);
                Assert.Null(found);
                ambiguous++;
            }
        }
        Assert.True(ambiguous > 0, "expected some texts shared by several cut-character tokens");
    }

    [Fact]
    public void DefaultIsBuiltOnceAndSharedAcrossThreads()
    {
        Gpt2Tokenizer[] seen = new Gpt2Tokenizer[8];
        Parallel.For(0, seen.Length, i => seen[i] = Gpt2Tokenizer.Default);
        Assert.All(seen, t => Assert.Same(Tokenizer, t));
    }

    [Fact]
    public void SaveFilesWritesTheFilesItWasBuiltFrom()
    {
        string directory = Directory.CreateTempSubdirectory("lessonkit-tokenizer-").FullName;
        try
        {
            Tokenizer.SaveFiles(directory);
            string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2");
            foreach (string name in new[] { "vocab.json", "merges.txt" })
                Assert.Equal(File.ReadAllBytes(Path.Combine(fixture, name)), File.ReadAllBytes(Path.Combine(directory, name)));
            var reloaded = Gpt2Tokenizer.FromFiles(Path.Combine(directory, "vocab.json"), Path.Combine(directory, "merges.txt"));
            string again = Path.Combine(directory, "again");
            reloaded.SaveFiles(again);
            Assert.Equal(File.ReadAllBytes(Path.Combine(directory, "merges.txt")), File.ReadAllBytes(Path.Combine(again, "merges.txt")));
            Assert.Equal(Tokenizer.Encode("The cat sat"), reloaded.Encode("The cat sat"));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void EncodesConcurrentlyWithTheSameResults()
    {
        var cases = GoldenTokenCases.All;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        Parallel.For(0, 4, worker =>
        {
            for (int i = worker; i < cases.Count; i += 2) // each case twice, on different threads
            {
                if (!Tokenizer.Encode(cases[i].Text).SequenceEqual(cases[i].Tiktoken))
                {
                    failures.Add(cases[i].Name);
                }
            }
        });
        Assert.Empty(failures);
    }

    [Fact]
    public void EncodesLongTextExactly()
    {
        // 100 KB of the corpus (prose, code, random strings), and 100 KB pieces with no space in them (a merge that is
        // quadratic in a piece's length takes seconds to minutes there). Speed belongs in the benchmark.
        var corpus = new StringBuilder();
        while (corpus.Length < 100_000)
        {
            foreach (GoldenTokenCases.Case c in GoldenTokenCases.All)
            {
                corpus.Append(c.Text).Append(' ');
            }
        }
        int length = char.IsHighSurrogate(corpus[99_999]) ? 99_999 : 100_000; // do not cut a surrogate pair
        var random = new Random(7);
        string[] texts =
        [
            corpus.ToString(0, length),
            new string('a', 100_000),
            new string(Enumerable.Range(0, 100_000).Select(_ => (char)('a' + random.Next(26))).ToArray()),
            string.Concat(Enumerable.Repeat("😀", 50_000)),
        ];
        _ = Tokenizer.Encode("warm up");

        foreach (string text in texts)
        {
            int[] ids = Tokenizer.Encode(text);
            Assert.Equal(text, Tokenizer.Decode(ids));
        }
    }
}
