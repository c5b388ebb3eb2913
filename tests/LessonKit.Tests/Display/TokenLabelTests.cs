using LessonKit.Display.Html;
using TorchSharp;

namespace LessonKit.Tests.Display;

/// <summary>How tokens are labelled: whitespace-only tokens are visible, the real text is in the tooltip.</summary>
public class TokenLabelTests
{
    private static readonly string[] Words = TestCaches.Words;

    [Fact]
    public void WhitespaceTokensAreVisibleLabelsWithTheRealTextInTheTooltip()
    {
        // QA: a token that is a lone space was an invisible label in the head view.
        Assert.Equal("␣", TokenLabels.Label(" "));
        Assert.Equal("␣␣␣", TokenLabels.Short("   "));
        Assert.Equal("↵", TokenLabels.Label("\n"));
        Assert.Equal(" ↵", TokenLabels.Label(" \n"));                 // not blank: the newline shows
        Assert.Equal("[U+00A0]", TokenLabels.Label("\u00a0"));
        Assert.Equal(" cat", TokenLabels.Label(" cat"));               // a leading space stays a space
        Assert.Equal(" ", TokenLabels.Visible(" "));                   // running text keeps its spaces
        Assert.Equal("' '", TokenLabels.Quoted(" "));                  // tooltips show the real text, quoted

        using var cache = TestCaches.Random(layers: 2, heads: 2, length: Words.Length, seed: 63);
        var head = ViewHtml.Data(Plots.HeadView(cache, Words));
        Assert.Equal("␣", head.GetProperty("tokens")[2].GetString());
        Assert.Equal("' '", head.GetProperty("full")[2].GetString());
        Assert.Equal("↵", head.GetProperty("tokens")[4].GetString());
        Assert.Equal("␣", ViewHtml.Data(Plots.AttentionPatterns(cache, 0, Words)).GetProperty("tokens")[2].GetString());
        Assert.Contains(">␣</span>", Plots.ColoredTokens(Words, [1f, 2, 3, 4, 5, 6]).ToHtml());

        using var logits = torch.zeros(1, Words.Length, 64);
        string pipeline = Plots.Pipeline(cache, Words, [1, 2, 3, 4, 5, 6], logits, id => " ").ToHtml();
        Assert.Contains("<span class=\"lk-chip\" data-pos=\"2\" title=\"position 2: &#39; &#39;\"><span class=\"lk-code\">␣</span>", pipeline);
        Assert.Contains("&#39;␣&#39;", pipeline);   // the output stage's candidate " " too
    }
}
