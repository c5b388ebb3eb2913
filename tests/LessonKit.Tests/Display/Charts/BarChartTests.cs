using System.Globalization;
using System.Text.RegularExpressions;
using LessonKit.Display;
using TorchSharp;

namespace LessonKit.Tests.Display.Charts;

/// <summary><see cref="Plots.Bar{T}"/>: what it accepts, what it refuses (and says why), and what it draws.</summary>
public class BarChartTests
{
    /// <summary>Each bar's left edge and width, in percent of the track.</summary>
    private static (double Left, double Width)[] Bars(string html) =>
        Regex.Matches(html, "class=\"lk-bc-bar[^\"]*\" style=\"left:([0-9.]+)%;width:([0-9.]+)%")
            .Select(m => (double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), double.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture))).ToArray();

    [Fact]
    public void Every_number_type_and_sequence_gives_the_same_bars()
    {
        string[] labels = ["a", "b"];
        foreach (var view in new[]
                 {
                     Plots.Bar(labels, new[] { 1.5, 3 }), Plots.Bar(labels, new[] { 1.5f, 3f }), Plots.Bar(labels.ToList(), new List<decimal> { 1.5m, 3m }),
                     Plots.Bar(labels.Select(l => l), new[] { 3, 6 }.Select(v => v / 2.0)), Plots.Bar(labels, torch.tensor(new[] { 1.5f, 3f })),
                 })
        {
            Assert.Equal([1.5, 3.0], view.Values);
            Assert.Equal(labels, view.Labels);
            Assert.Equal([(0.0, 50.0), (0.0, 100.0)], Bars(view.ToHtml()));
        }
    }

    [Fact]
    public void Negative_values_grow_left_of_the_zero_line()
    {
        var view = Plots.Bar(["down", "up"], new[] { -1.0, 3 });
        string html = view.ToHtml();
        // The axis runs from -1 to 3, so 0 is a quarter of the way along.
        Assert.Equal([(0.0, 25.0), (25.0, 75.0)], Bars(html));
        Assert.Equal(2, Regex.Matches(html, "class=\"lk-bc-zero\" style=\"left:25%\"").Count);
        Assert.Single(Regex.Matches(html, "lk-bc-bar lk-bc-neg"));
        Assert.Contains("title=\"down: -1\"", html);
    }

    [Fact]
    public void Mismatched_label_and_value_counts_are_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Bar(["a", "b", "c"], new[] { 1.0, 2 }));
        Assert.Contains("3 labels and 2 values: give one value per label.", e.Message);
        Assert.Contains("1 labels and 2 values", Assert.Throws<ArgumentException>(() => Plots.Bar(["a"], torch.ones(2))).Message);
    }

    [Fact]
    public void Empty_data_and_nulls_are_refused()
    {
        Assert.Contains("at least one bar", Assert.Throws<ArgumentException>(() => Plots.Bar([], Array.Empty<double>())).Message);
        Assert.Equal("labels", Assert.Throws<ArgumentNullException>(() => Plots.Bar(null!, new[] { 1.0 })).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentNullException>(() => Plots.Bar(["a"], (double[])null!)).ParamName);
        Assert.Equal("", Plots.Bar([null!], new[] { 1.0 }).Labels[0]);
    }

    [Fact]
    public void Tensors_must_be_one_dimensional_and_alive()
    {
        Assert.Contains("'values' must be a 1-D tensor", Assert.Throws<ArgumentException>(() => Plots.Bar(["a", "b"], torch.ones(1, 2))).Message);
        var disposed = torch.ones(2);
        disposed.Dispose();
        Assert.Contains("The tensor passed as 'values' has been disposed", Assert.Throws<ObjectDisposedException>(() => Plots.Bar(["a", "b"], disposed)).Message);
    }

    [Fact]
    public void NaN_and_infinity_get_no_bar_and_a_red_value_and_a_note()
    {
        var view = Plots.Bar(["ok", "nan", "inf"], new[] { 2, double.NaN, double.NegativeInfinity });
        string html = view.ToHtml();
        Assert.Equal([(0.0, 100.0)], Bars(html));
        Assert.Equal(2, Regex.Matches(html, "lk-bc-value lk-bc-nan").Count);
        Assert.Contains(">NaN</span>", html);
        Assert.Contains(">-∞</span>", html);
        Assert.Contains("2 values are not a number that a bar can show (NaN for 'nan', -∞ for 'inf')", view.Notes.Single());
    }

    [Fact]
    public void Titles_units_and_markup_in_labels_are_shown_as_text()
    {
        var view = Plots.Bar(["<b>x</b>", " cat"], new[] { 0.25, 1 }, "Scores <i>", "token", "probability", "%");
        string html = view.ToHtml();
        Assert.Contains("&lt;b&gt;x&lt;/b&gt;", html);
        Assert.DoesNotContain("<b>x", html);
        Assert.Contains("Scores &lt;i&gt;", html);
        Assert.Contains("<span class=\"lk-bc-head\">token</span>", html);
        Assert.Contains(">probability</span>", html);
        Assert.Contains(">0.25 %</span>", html);
        Assert.Equal("Scores <i>\ntoken → probability\n<b>x</b>  0.25 %\n cat      1 %", view.ToString());
    }

    [Fact]
    public void Many_bars_show_the_first_ones_with_a_note()
    {
        int n = ViewLimits.MaxBars + 20;
        var view = Plots.Bar(Enumerable.Range(0, n).Select(i => $"b{i}"), Enumerable.Range(0, n));
        Assert.Equal(ViewLimits.MaxBars, Regex.Matches(view.ToHtml(), "<div class=\"lk-bc-row\"").Count);
        Assert.Contains($"Showing the first {ViewLimits.MaxBars} of {n} bars", view.Notes.Single());
        Assert.Contains($"b{n - 1}", view.ToString());
    }
}
