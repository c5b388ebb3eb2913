using LessonKit.Display;
using LessonKit.Display.Views;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>What each view shows, says in text, checks and saves.</summary>
public class ViewContentTests
{
    [Fact]
    public void ViewsOfATypicalLessonAreSmall()
    {
        // GPT-2 small's shape (12 layers × 12 heads) on a 20-token sentence.
        using var cache = TestCaches.Random(layers: 12, heads: 12, length: 20, seed: 40);
        string[] tokens = TestCaches.Tokens(20, nasty: false);
        using var logits = torch.randn(1, 20, 64);
        var sizes = new (string Name, View View)[]
        {
            ("head view", Plots.HeadView(cache, tokens)),
            ("model view", Plots.ModelView(cache, tokens)),
            ("attention patterns", Plots.AttentionPatterns(cache, 5, tokens)),
            ("head finder", Plots.HeadFinder(cache, tokens, 19, 3)),
            ("pipeline", Plots.Pipeline(cache, tokens, Enumerable.Range(0, 20).ToArray(), logits, id => $" t{id}")),
        };
        foreach (var (name, view) in sizes)
        {
            int length = view.ToHtml().Length;
            Console.WriteLine($"{name}: {length / 1024.0:0.0} KB");
            Assert.True(length < 150_000, $"the {name} is {length:N0} characters");
        }
    }

    [Fact]
    public void ColoredTokensPicksTheScaleFromTheSigns()
    {
        var positive = Plots.ColoredTokens(["a", "b", "c"], [0f, 1f, 4f]);
        Assert.False(positive.IsDiverging);
        Assert.Equal(0.25, positive.Scaled(1f));
        string html = positive.ToHtml();
        Assert.Contains("background:#ffffff", html);   // 0 is white
        Assert.Contains("background:#08306b", html);   // the largest is dark blue
        Assert.Contains("lk-legend-seq", html);
        Assert.Equal("Tokens coloured by value\n'a'=0 'b'=1 'c'=4", positive.ToString());

        var signed = Plots.ColoredTokens(["a", "b", "c"], [-2f, 0f, 1f], "Logit difference");
        Assert.True(signed.IsDiverging);
        Assert.Equal(-1.0, signed.Scaled(-2f));
        Assert.Contains("background:#b2182b", signed.ToHtml());   // -max is full red
        Assert.Contains("lk-legend-div", signed.ToHtml());

        var nan = Plots.ColoredTokens(["a", "b"], [float.NaN, 1f]);
        Assert.Contains("not numbers", nan.Notes.Single());
        Assert.Contains("ColoredTokens needs one value per token, but got 2 tokens and 1 values",
            Assert.Throws<ArgumentException>(() => Plots.ColoredTokens(["a", "b"], [1f])).Message);
    }

    [Fact]
    public void NextTokensChecksProbabilitiesAndScalesBars()
    {
        var view = Plots.NextTokens([new TokenCandidate(7, " sat", 0.6f), new TokenCandidate(9, " lay", 0.15f)]);
        string html = view.ToHtml();
        Assert.Contains("width:60%", html);
        Assert.Contains("width:15%", html);
        Assert.Contains("data-token-id=\"9\"", html);
        Assert.Contains("' sat'                 60.0%  (id 7)", view.ToString());
        var logits = Assert.Throws<ArgumentException>(() => Plots.NextTokens([new TokenCandidate(1, "x", 3.2f)]));
        Assert.Contains("did you pass logits", logits.Message);
        Assert.Throws<ArgumentException>(() => Plots.NextTokens([new TokenCandidate(1, "x", float.NaN)]));
    }

    [Fact]
    public void GenerationTableListsStepsAndTheText()
    {
        var steps = new[]
        {
            new GenerationStep(0, 5, " sat", 0.4f, [new TokenCandidate(5, " sat", 0.4f), new TokenCandidate(6, " ran", 0.3f)]),
            new GenerationStep(1, 8, " down", 0.9f, [new TokenCandidate(8, " down", 0.9f)]),
        };
        var view = Plots.GenerationTable(steps);
        Assert.Equal(" sat down", view.Text);
        string html = view.ToHtml();
        Assert.Equal(2, ViewHtml.Count(html, "<tr data-step="));
        Assert.Contains("lk-chosen\" title=\"id 5\">&#39; sat&#39; 40%", html);
        Assert.Contains("  0  ' sat'            40.0%  from ' sat' 40.0%, ' ran' 30.0%", view.ToString());
    }

    [Fact]
    public void PositionalHeatmapShowsLargeEncodingsEveryKthRow()
    {
        using var learned = torch.randn(1024, 768);   // the shape of GPT-2's learned positions
        var view = Plots.PositionalHeatmap(learned, "GPT-2 learned positions");
        Assert.Equal((2, 1, 512, 768), (view.RowStep, view.ColumnStep, view.ShownRows, view.ShownColumns));
        Assert.Contains("every 2nd position", view.Notes.Single());
        var data = ViewHtml.Data(view);
        float[] shown = ViewHtml.Decode(data.GetProperty("m"));
        float expected = learned[6, 5].item<float>();   // shown row 3 is position 6
        float step = 2 * data.GetProperty("hi").GetSingle() / 255;
        Assert.True(Math.Abs(shown[3 * 768 + 5] - expected) <= step, $"{shown[3 * 768 + 5]} vs {expected}");
        Assert.True(view.ToHtml().Length < 1_200_000, $"{view.ToHtml().Length:N0} characters");

        using var sinusoidal = PositionalEncoding.Sinusoidal(50, 16);
        var small = Plots.PositionalHeatmap(sinusoidal, "");
        Assert.Empty(small.Notes);
        Assert.Equal("Positional encoding\n50 positions × 16 dimensions, values from -1 to 1.", small.ToString());
        Assert.Contains("2-D tensor", Assert.Throws<ArgumentException>(() => Plots.PositionalHeatmap(torch.ones(3), "x")).Message);
    }

    [Fact]
    public void PositionSimilarityComparesWithTheChosenPositions()
    {
        using var pe = PositionalEncoding.Sinusoidal(60, 32);
        var view = Plots.PositionSimilarity(pe);
        Assert.Equal([1, 5, 10, 50], view.Highlight);
        Assert.Equal(1.0, view.Similarity[0], 6);
        Assert.Equal(PositionalEncoding.CosineSimilarity(pe, 0, 10), view.Similarity[10], 6);
        string html = view.ToHtml();
        Assert.Contains($"<tr data-position=\"5\"><td class=\"lk-num\">5</td><td class=\"lk-num\">5</td><td class=\"lk-num\">{view.Similarity[5]:0.0000}</td></tr>", html);
        Assert.Contains($"position 0 vs 50: {view.Similarity[50]:0.0000}", view.ToString());

        var later = Plots.PositionSimilarity(pe, fromPosition: 20);
        Assert.Equal([21, 25, 30], later.Highlight);   // 70 is past the end
        Assert.Contains("60 positions, 0 to 59", Assert.Throws<ArgumentOutOfRangeException>(() => Plots.PositionSimilarity(pe, 0, [3, 60])).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Plots.PositionSimilarity(pe, 60));
    }

    [Fact]
    public void PipelineShowsFiveStagesAndTheSoftmaxOfTheLastLogits()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 2, length: 3, seed: 41);
        // The last position's logits are ln 1, ln 2, ln 3 (and very negative elsewhere): probabilities 1/6, 2/6, 3/6.
        var values = Enumerable.Repeat(-100f, 3 * 64).ToArray();
        values[2 * 64 + 0] = 0; values[2 * 64 + 1] = MathF.Log(2); values[2 * 64 + 2] = MathF.Log(3);
        using var logits = torch.tensor(values, [1, 3, 64]);
        var view = Plots.Pipeline(cache, ["a", " b", " c"], [10, 11, 12], logits, id => $"#{id}");
        Assert.Equal([2, 1, 0], view.Candidates.Take(3).Select(c => c.Id));
        Assert.Equal(0.5f, view.Candidates[0].Probability, 5);
        Assert.Equal(1 / 6f, view.Candidates[2].Probability, 5);
        Assert.Equal("#2", view.Candidates[0].Text);
        string html = view.ToHtml();
        Assert.Equal(5, ViewHtml.Count(html, "<details class=\"lk-stage\""));
        Assert.Contains("<span class=\"lk-chip-id\">11</span>", html);
        var data = ViewHtml.Data(view);
        Assert.Equal(2, data.GetProperty("attn").GetProperty("m").GetArrayLength());
        float[] mlp = ViewHtml.Decode(data.GetProperty("mlp").GetProperty("m"));   // [layer, token]
        float expected = cache["post", 1][0, 2].abs().mean().item<float>();
        Assert.Equal(expected, mlp[1 * 3 + 2], 3);
        Assert.Contains("5. Output: '#2' 50.0%, '#1' 33.3%, '#0' 16.7%", view.ToString());

        Assert.Contains("one id per token", Assert.Throws<ArgumentException>(() => Plots.Pipeline(cache, ["a", "b", "c"], [1, 2], logits, id => "")).Message);
        using var wrong = torch.zeros(1, 4, 64);
        Assert.Contains("[1, 3, d_vocab]", Assert.Throws<ArgumentException>(() => Plots.Pipeline(cache, ["a", "b", "c"], [1, 2, 3], wrong, id => "")).Message);
    }

    [Fact]
    public void PipelineOutputStageGivesEveryPositionItsPredictionAndItsNextTokenLoss()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 2, length: 4, seed: 43);
        using var logits = torch.randn(1, 4, 64, generator: new torch.Generator(44)) * 3;
        int[] ids = [5, 17, 3, 60];
        var view = Plots.Pipeline(cache, ["a", " b", " c", " d"], ids, logits, id => $"#{id}");

        // The oracle: torch's own log-softmax, the token that really follows, its -ln P.
        var logProbabilities = logits[0].log_softmax(-1);
        Assert.Equal(4, view.Predictions.Count);
        for (int p = 0; p < 3; p++)
        {
            var prediction = view.Predictions[p];
            Assert.Equal(p, prediction.Position);
            Assert.Equal(ids[p + 1], prediction.Actual!.Id);
            double expectedLoss = -logProbabilities[p, ids[p + 1]].ToDouble();
            Assert.Equal(expectedLoss, prediction.Loss!.Value, 5);
            Assert.Equal(Math.Exp(-expectedLoss), prediction.Actual.Probability, 5);
            Assert.Equal(logProbabilities[p].argmax().ToInt64(), prediction.Predicted.Id);
            Assert.Equal($"#{prediction.Predicted.Id}", prediction.Predicted.Text);
            Assert.Equal(logProbabilities[p].exp().max().ToDouble(), prediction.Predicted.Probability, 5);
        }
        Assert.Null(view.Predictions[3].Actual);
        Assert.Null(view.Predictions[3].Loss);
        Assert.Equal(view.Predictions[3].Predicted.Id, view.Candidates[0].Id);
        double mean = -(logProbabilities[0, 17].ToDouble() + logProbabilities[1, 3].ToDouble() + logProbabilities[2, 60].ToDouble()) / 3;
        Assert.Equal(mean, view.MeanLoss!.Value, 5);

        string html = view.ToHtml();
        Assert.Equal(4, ViewHtml.Count(html, "<tr data-pos="));
        foreach (string step in new[] { "ln_final", "× W_Eᵀ (unembedding)", "logits [pos, 64]", "softmax", "P(next token)" })
            Assert.Contains(step, html);
        Assert.Contains("(the text ends: nothing to compare with)", html);
        Assert.Equal("12.3%", PipelineView.Probability(0.1234));
        Assert.Equal("0.1%", PipelineView.Probability(0.001));
        Assert.Equal("2.1e-5", PipelineView.Probability(0.0000213));   // small probabilities never read "0%"
        Assert.Contains(mean.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture) + " over 3 positions", html);
        Assert.Contains($"next-token loss at 3 positions, mean {mean.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture)}", view.ToString());
    }

    [Fact]
    public void PipelineOfOneTokenHasNoLossAndIdsMustBeTokensOfTheVocabulary()
    {
        using var cache = TestCaches.Random(layers: 1, heads: 2, length: 1, seed: 45);
        using var logits = torch.zeros(1, 1, 64);
        var view = Plots.Pipeline(cache, ["a"], [3], logits, id => $"#{id}");
        Assert.Null(view.MeanLoss);
        Assert.Contains("no next token in the text", view.ToHtml());

        using var cache3 = TestCaches.Random(layers: 1, heads: 2, length: 3, seed: 46);
        using var logits3 = torch.zeros(1, 3, 64);
        var error = Assert.Throws<ArgumentException>(() => Plots.Pipeline(cache3, ["a", "b", "c"], [1, 64, 2], logits3, id => ""));
        Assert.Contains("ids[1] = 64 is not a token of this vocabulary", error.Message);
        Assert.Throws<ArgumentException>(() => Plots.Pipeline(cache3, ["a", "b", "c"], [1, -1, 2], logits3, id => ""));
    }

    [Fact]
    public void PipelineExplainsStagesThatWereNotCached()
    {
        using var cache = TestCaches.Random(layers: 2, heads: 2, length: 3, seed: 42, mlp: false, embed: false);
        using var logits = torch.zeros(3, 64);
        var view = Plots.Pipeline(cache, ["a", "b", "c"], [1, 2, 3], logits, id => id.ToString());
        string html = view.ToHtml();
        Assert.Equal(2, ViewHtml.Count(html, "Not available:"));
        Assert.Contains("hook_embed", html);
        Assert.Contains("without a names filter", html);
        Assert.Contains("2. Embedding: not cached", view.ToString());
        Assert.Contains("lk-pl-attn", html);
    }

    [Fact]
    public void SaveHtmlWritesAStandalonePageThatCannotReachTheNetwork()
    {
        var view = Plots.NextTokens([new TokenCandidate(1, " a", 1f)], "A <title>");
        string folder = Path.Combine(Path.GetTempPath(), "lessonkit-views-" + Guid.NewGuid().ToString("N"), "nested");
        try
        {
            string path = view.SaveHtml(Path.Combine(folder, "next.html"));
            string page = File.ReadAllText(path);
            Assert.StartsWith("<!DOCTYPE html>", page);
            Assert.Contains("<title>A &lt;title&gt;</title>", page);
            Assert.Contains("Content-Security-Policy\" content=\"default-src 'none';", page);
            Assert.Contains(view.ToHtml(), page);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(folder)!, recursive: true);
        }
        Assert.Throws<ArgumentException>(() => view.SaveHtml(" "));
    }
}
