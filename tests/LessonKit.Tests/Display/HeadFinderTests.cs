using LessonKit.Display;
using LessonKit.Display.Data;
using LessonKit.Display.Views;

namespace LessonKit.Tests.Display;

/// <summary>The head finder's ranking and how it finds tokens by text.</summary>
public class HeadFinderTests
{
    private static readonly string[] Tokens = ["<|endoftext|>", "The", " cat", " sat", " because", " it", " saw", " the", " Cat", " it", "."];

    /// <summary>Two layers × three heads over 4 positions; the weight at [query 3, key 1] is given per head.</summary>
    private static ActivationCache Cache(float[,] weightFrom3To1)
    {
        var layers = new float[2][][,];
        for (int l = 0; l < 2; l++)
        {
            layers[l] = new float[3][,];
            for (int h = 0; h < 3; h++)
            {
                var p = new float[4, 4];
                for (int q = 0; q < 4; q++) p[q, 0] = 1;   // everything on the first token...
                p[3, 0] = 1 - weightFrom3To1[l, h];         // ...except what query 3 sends to key 1
                p[3, 1] = weightFrom3To1[l, h];
                layers[l][h] = p;
            }
        }
        return TestCaches.FromPatterns(layers);
    }

    [Fact]
    public void RanksEveryHeadByTheWeightFromQueryToKey()
    {
        using var cache = Cache(new float[,] { { 0.1f, 0.7f, 0.3f }, { 0.7f, 0.05f, 0.9f } });
        var finder = Plots.HeadFinder(cache, ["a", "b", "c", "d"], fromPosition: 3, toPosition: 1);
        Assert.Equal(["L1H2", "L0H1", "L1H0", "L0H2", "L0H0", "L1H1"], finder.Ranking.Select(s => s.Name));   // tie 0.7: lower layer first
        Assert.Equal(new HeadScore(1, 2, 0.9f), finder.Best);
        Assert.Equal(0.3f, finder.Ranking[3].Attention);
        Assert.StartsWith("Head finder: attention from 'd' (3) to 'b' (1)", finder.ToString());
        Assert.Contains("1. L1H2 (layer 1, head 2): 0.900", finder.ToString());

        var data = ViewHtml.Data(finder);
        Assert.Equal(6, data.GetProperty("entries").GetArrayLength());
        Assert.Equal(2, data.GetProperty("entries")[0].GetProperty("head").GetInt32());
        Assert.Equal(0.9f, ViewHtml.Decode(data.GetProperty("entries")[0].GetProperty("m"))[3 * 4 + 1], 4);
    }

    [Fact]
    public void FindsTokensByTrimmedTextWithTheDocumentedRules()
    {
        // "it" is the last ' it' (9); "cat" is the last match before it: ' cat' (2) matches exactly, ' Cat' (8) only ignoring case.
        Assert.Equal((9, 2), TokenSearch.FromTo(Tokens, "it", "cat"));
        Assert.Equal((9, 8), TokenSearch.FromTo(Tokens, " it ", " Cat"));
        Assert.Equal((9, 5), TokenSearch.FromTo(Tokens, "it", "it"));     // the earlier ' it'
        Assert.Equal((6, 1), TokenSearch.FromTo(Tokens, "SAW", "the"));   // no exact 'SAW' or earlier 'the': case ignored, 'The' (1)
        Assert.Equal((9, 7), TokenSearch.FromTo(Tokens, "it", "the"));     // an exact 'the' before 9 wins over 'The'
        Assert.Equal(1, TokenSearch.FindLast(Tokens, "The", 11));
    }

    [Fact]
    public void SaysWhichTokensExistWhenOneIsMissing()
    {
        var missing = Assert.Throws<ArgumentException>(() => TokenSearch.FromTo(Tokens, "dog", "cat"));
        Assert.Contains("No token 'dog' in the text", missing.Message);
        Assert.Contains("0:'<|endoftext|>' 1:'The' 2:' cat'", missing.Message);

        var after = Assert.Throws<ArgumentException>(() => TokenSearch.FromTo(Tokens, "because", "."));
        Assert.Contains("only appears at or after 'because' (position 4)", after.Message);
        Assert.Contains("causal", after.Message);

        Assert.Throws<ArgumentException>(() => TokenSearch.FromTo(Tokens, " ", "cat"));
    }

    [Fact]
    public void PositionsMustBeInRangeAndCausal()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 5, seed: 31);
        string[] tokens = TestCaches.Tokens(5);
        Assert.Contains("between 0 and 4", Assert.Throws<ArgumentOutOfRangeException>(() => Plots.HeadFinder(cache, tokens, 5, 1)).Message);
        Assert.Contains("between 0 and 4", Assert.Throws<ArgumentOutOfRangeException>(() => Plots.HeadFinder(cache, tokens, 3, -1)).Message);
        Assert.Contains("causal", Assert.Throws<ArgumentException>(() => Plots.HeadFinder(cache, tokens, 1, 3)).Message);
        var self = Plots.HeadFinder(cache, tokens, 0, 0);
        Assert.All(self.Ranking, s => Assert.Equal(1f, s.Attention, 5));   // the first token can only attend to itself
    }

    [Fact]
    public void LongTextsShowThePatternUpToTheQuery()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 400, seed: 32, mlp: false, embed: false);
        var finder = Plots.HeadFinder(cache, TestCaches.Tokens(400), 300, 10);
        var data = ViewHtml.Data(finder);
        Assert.Equal(300 - 255, data.GetProperty("offset").GetInt32());
        Assert.Equal(255, data.GetProperty("from").GetInt32());
        Assert.True(data.GetProperty("to").GetInt32() < 0, "key 10 is outside the window, so no cell is marked");
        Assert.Contains("positions 45-300 of 400", finder.Notes.Single());
        using var weight = cache["pattern", 0][0, finder.Best.Head, 300, 10];
        Assert.Equal(weight.item<float>(), finder.Best.Attention);
    }
}
