using LessonKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>The positional views on encodings that are wide or hold NaN and ∞.</summary>
public class PositionalViewTests
{
    [Fact]
    public void PositionSimilarityShowsNaNInsteadOfZero()
    {
        // QA: a position with a NaN showed similarity "0.0000".
        using var pe = PositionalEncoding.Sinusoidal(60, 16);
        float[] values = pe.data<float>().ToArray();
        values[10 * 16 + 3] = float.NaN;
        using var poisoned = torch.tensor(values, [60, 16]);

        var view = Plots.PositionSimilarity(poisoned, 0, [5, 10]);
        Assert.True(double.IsNaN(view.Similarity[10]));
        Assert.Contains("1 position(s) have NaN or infinite values", view.Notes.Single());
        string html = view.ToHtml();
        Assert.Contains("<tr data-position=\"10\"><td class=\"lk-num\">10</td><td class=\"lk-num\">10</td><td class=\"lk-num\">NaN</td></tr>", html);
        Assert.Contains("position 0 vs 10: NaN", view.ToString());
        Assert.Equal(2, ViewHtml.Count(html, "class=\"lk-sim-line\""));   // the curve breaks at position 10
        Assert.DoesNotContain("NaN,", html);
        Assert.DoesNotContain(",NaN", html);

        var from = Plots.PositionSimilarity(poisoned, 10, [11]);
        Assert.Contains("Position 10's encoding has NaN or infinite values, so its cosine similarity with every position is NaN.", from.Notes.Single());
        Assert.All(from.Similarity, s => Assert.True(double.IsNaN(s)));
        Assert.DoesNotContain("lk-sim-line", from.ToHtml());
    }

    [Fact]
    public void AWideHeatmapShowsBothSineAndCosineColumns()
    {
        // QA: for d_model > 1024 the heatmap kept every 2nd column: for a sinusoidal encoding, exactly the sines.
        using var pe = PositionalEncoding.Sinusoidal(8, 1600);
        var view = Plots.PositionalHeatmap(pe, "wide");
        Assert.Equal(3, view.ColumnStep);
        Assert.Equal(534, view.ShownColumns);
        Assert.Contains("every 3rd dimension (0, 3, 6, …, 1599)", view.Notes.Single());
        Assert.Contains("sine (even) and cosine (odd) columns both appear", view.Notes.Single());
        // At position 0 every sine is 0 and every cosine is 1: both must be among the columns shown.
        float[] shown = ViewHtml.Decode(ViewHtml.Data(view).GetProperty("m"));
        float[] first = shown[..view.ShownColumns];
        Assert.True(Math.Abs(first[0]) < 0.01f, $"dimension 0 (a sine) is {first[0]}");
        Assert.True(first[1] > 0.99f, $"dimension 3 (a cosine) is {first[1]}");
        Assert.Equal(view.ShownColumns / 2, first.Count(v => v > 0.99f));

        using var narrow = PositionalEncoding.Sinusoidal(8, 1024);
        Assert.Equal(1, Plots.PositionalHeatmap(narrow, "").ColumnStep);
    }

    [Fact]
    public void AHeatmapWithNaNOrInfinitySaysSo()
    {
        // QA: an encoding with NaN and ∞ said "values from 1 to 1" with no note.
        using var poisoned = torch.tensor(new float[] { 1, float.NaN, 1, float.PositiveInfinity, 1, float.NaN }, [3, 2]);
        var view = Plots.PositionalHeatmap(poisoned, "poisoned");
        Assert.Equal((2, 1), (view.NaNCount, view.InfinityCount));
        Assert.Contains("not numbers (2 NaN, 1 infinite)", view.Notes.Single());
        Assert.EndsWith("3 positions × 2 dimensions, 2 NaN, 1 infinite values; the others from 1 to 1.", view.ToString());
        // NaN is packed as 0 (white), +∞ as the top of the scale.
        float[] shown = ViewHtml.Decode(ViewHtml.Data(view).GetProperty("m"));
        Assert.Equal(0f, shown[1], 2);
        Assert.Equal(1f, shown[3], 2);
    }
}
