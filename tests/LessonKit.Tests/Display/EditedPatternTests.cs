using LessonKit.Display;
using LessonKit.Display.Views;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>Attention patterns a hook scaled, negated or poisoned: the views say they are not softmax weights.</summary>
public class EditedPatternTests
{
    private static readonly string[] Words = TestCaches.Words;

    public static TheoryData<string> Edits => new() { "x5", "negative", "NaN", "infinity" };

    private static HookFunction Edit(string name) => name switch
    {
        "x5" => (a, _) => a * 5,
        "negative" => (a, _) => -a,
        "NaN" => (a, _) => a * float.NaN,
        _ => (a, _) => a * float.PositiveInfinity,   // ∞ where the weight was positive, NaN (0 × ∞) above the diagonal
    };

    [Theory]
    [MemberData(nameof(Edits))]
    public void PatternsEditedByAHookSaySo(string edit)
    {
        // QA: summaries said "strongest ... -Infinity" or "4.78" with no remark that these are not attention weights.
        using var model = TestCaches.TinyModel();
        using var tokens = TestCaches.TinyTokens();
        var (logits, cache) = model.RunWithHooksAndCache(tokens, n => true, ("blocks.0.attn.hook_pattern", Edit(edit)));
        using var _ = logits;
        using var __ = cache;
        var views = new (string Name, View View)[]
        {
            ("head view", Plots.HeadView(cache, Words)),
            ("model view", Plots.ModelView(cache, Words)),
            ("patterns", Plots.AttentionPatterns(cache, 0, Words)),
            ("pattern", Plots.AttentionPattern(cache, 0, 1, Words)),
            ("head finder", Plots.HeadFinder(cache, Words, 5, 1)),
            ("pipeline", Plots.Pipeline(cache, Words, [1, 5, 9, 2, 7, 3], logits, id => $"#{id}")),
        };
        string expected = edit switch { "x5" or "negative" => "outside [0, 1]", "NaN" => "are NaN", _ => "are infinite" };
        foreach (var (name, view) in views)
        {
            string note = Assert.Single(view.Notes, n => n.Contains("not softmax weights"));
            Assert.Contains(expected, note);
            Assert.Contains("changed by a hook", note);
            Assert.Contains(note, view.ToString());
            Assert.Contains(LessonKit.Display.Html.HtmlText.Escape(note), view.ToHtml());
            Assert.DoesNotContain("-Infinity", view.ToString());   // the strongest weight skips NaN
            // NaN and ∞ flow on through the residual stream into the later layers' patterns; x5 and negative do not.
            if (name is "head view" or "model view" or "head finder" or "pipeline")
                Assert.StartsWith(edit is "NaN" or "infinity" ? "The patterns of layers 0-2 are" : "Layer 0's patterns are", note);
        }
        Assert.StartsWith("L0H1's pattern is", views[3].View.Notes.Single(n => n.Contains("softmax")));
        if (edit == "x5") Assert.Contains("(from 0 to 5)", views[2].View.Notes.Single(n => n.Contains("softmax")));

        // Layer 1's pattern was not edited, and its input stays finite after x5 or negative: no such note.
        if (edit is "x5" or "negative") Assert.DoesNotContain(Plots.AttentionPatterns(cache, 1, Words).Notes, n => n.Contains("softmax"));

        var finder = (HeadFinderView)views[4].View;
        if (edit == "NaN")
        {
            // NaN is shown as NaN, not silently as 0 (every layer is NaN here: it flowed on from layer 0).
            Assert.Contains(finder.Notes, n => n.Contains("6 head(s) have a NaN weight") && n.Contains("ranked last"));
            Assert.All(finder.Ranking, s => Assert.True(float.IsNaN(s.Attention)));
            Assert.Equal(6, ViewHtml.Count(finder.ToHtml(), "<td class=\"lk-num\">NaN</td>"));
            Assert.Contains("1. L0H0 (layer 0, head 0): NaN", finder.ToString());
        }
    }

    [Fact]
    public void AnUntouchedCacheHasNoValueNotes()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 3, length: 6, seed: 61);
        foreach (View view in new View[] { Plots.HeadView(cache, Words), Plots.ModelView(cache, Words), Plots.AttentionPatterns(cache, 1, Words), Plots.HeadFinder(cache, Words, 5, 1) })
            Assert.Empty(view.Notes);
    }

    [Fact]
    public void HeadsWithANaNWeightAreRankedLast()
    {
        var ranked = HeadFinderView.Rank([new HeadScore(0, 0, float.NaN), new HeadScore(0, 1, 0.2f), new HeadScore(1, 0, 0.9f), new HeadScore(1, 1, -3f)]);
        Assert.Equal(["L1H0", "L0H1", "L1H1", "L0H0"], ranked.Select(s => s.Name));
    }
}
