using System.Globalization;
using System.Text.RegularExpressions;
using LessonKit.Display;
using LessonKit.Display.Views;
using TorchSharp;

namespace LessonKit.Tests.Display.Charts;

/// <summary><see cref="Plots.Line{TX, TY}"/>: what it accepts, what it refuses (and says why), and what it draws.</summary>
public class LineChartTests
{
    private static string[] Polylines(string html) =>
        Regex.Matches(html, "<polyline[^>]*points=\"([^\"]+)\"").Select(m => m.Groups[1].Value.Trim()).ToArray();

    private static (double X, double Y)[] Points(string polyline) =>
        polyline.Split(' ').Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture))).ToArray();

    [Fact]
    public void Every_number_type_and_sequence_gives_the_same_points()
    {
        var expected = new ChartSeries("", [0, 1, 2], [0.5, 0.25, 2]);
        var views = new[]
        {
            Plots.Line(new double[] { 0, 1, 2 }, new double[] { 0.5, 0.25, 2 }),
            Plots.Line(new[] { 0, 1, 2 }, new[] { 0.5f, 0.25f, 2f }),
            Plots.Line(new List<long> { 0, 1, 2 }, new List<double> { 0.5, 0.25, 2 }),
            Plots.Line(Enumerable.Range(0, 3), Enumerable.Range(0, 3).Select(i => new[] { 0.5, 0.25, 2 }[i])),
            Plots.Line(new[] { 0.5, 0.25, 2 }),
            Plots.Line(torch.tensor(new[] { 0.5f, 0.25f, 2f })),
            Plots.Line(torch.arange(3), torch.tensor(new[] { 0.5, 0.25, 2 })),
        };
        foreach (var view in views)
        {
            var series = Assert.Single(view.Series);
            Assert.Equal(expected.X, series.X);
            Assert.Equal(expected.Y, series.Y);
        }
        Assert.Equal((double)0.1f, Plots.Line(new[] { 0.1f }).Series[0].Y[0]);   // a float is widened, not rounded to 0.1
    }

    [Fact]
    public void Points_are_drawn_in_the_order_given_on_scales_that_grow_right_and_up()
    {
        var view = Plots.Line(new double[] { 0, 10, 5 }, new double[] { 0, 100, 50 });
        var points = Points(Assert.Single(Polylines(view.ToHtml())));
        Assert.Equal(3, points.Length);
        Assert.True(points[0].X < points[2].X && points[2].X < points[1].X, "x grows to the right, in the order given");
        Assert.True(points[0].Y > points[2].Y && points[2].Y > points[1].Y, "y grows upwards");
        Assert.Equal(3, Regex.Matches(view.ToHtml(), "<circle class=\"lk-lc-point\"").Count);
    }

    [Fact]
    public void Mismatched_lengths_are_refused_with_both_counts()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Line(new double[] { 1, 2, 3, 4, 5 }, new double[] { 1, 2, 3, 4 }));
        Assert.Contains("The line has 5 x values and 4 y values: give one y per x.", e.Message);
        e = Assert.Throws<ArgumentException>(() => Plots.Line([Plots.Series("fast", new[] { 1, 2 }, new[] { 1.0 })]));
        Assert.Contains("Series 'fast' has 2 x values and 1 y values", e.Message);
    }

    [Fact]
    public void Empty_data_is_refused()
    {
        Assert.Contains("The line has no points", Assert.Throws<ArgumentException>(() => Plots.Line(Array.Empty<double>(), Array.Empty<double>())).Message);
        Assert.Contains("The line has no points", Assert.Throws<ArgumentException>(() => Plots.Line(Array.Empty<float>())).Message);
        Assert.Contains("at least one series", Assert.Throws<ArgumentException>(() => Plots.Line(Array.Empty<ChartSeries>())).Message);
        Assert.Contains("Series 1 is null", Assert.Throws<ArgumentException>(() => Plots.Line([Plots.Series("a", new[] { 1.0 }), null!])).Message);
    }

    [Fact]
    public void Null_arguments_are_named()
    {
        Assert.Equal("x", Assert.Throws<ArgumentNullException>(() => Plots.Line((double[])null!, new double[] { 1 })).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => Plots.Line(new double[] { 1 }, (double[])null!)).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentNullException>(() => Plots.Line((double[])null!)).ParamName);
        Assert.Equal("series", Assert.Throws<ArgumentNullException>(() => Plots.Line((IEnumerable<ChartSeries>)null!)).ParamName);
        Assert.Contains("no y values", Assert.Throws<ArgumentException>(() => Plots.Line([new ChartSeries("s", [1], null!)])).Message);
    }

    [Fact]
    public void An_x_that_is_not_a_finite_number_is_refused()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Line(new[] { 0, double.NaN, 2 }, new double[] { 1, 2, 3 }));
        Assert.Contains("x[1] is NaN; every x must be a finite number", e.Message);
        e = Assert.Throws<ArgumentException>(() => Plots.Line(new[] { 0, 1, double.PositiveInfinity }, new double[] { 1, 2, 3 }));
        Assert.Contains("x[2] is ∞", e.Message);
    }

    [Fact]
    public void A_y_that_is_NaN_or_infinite_leaves_a_gap_and_a_note()
    {
        var view = Plots.Line(new double[] { 0, 1, 2, 3, 4, 5 }, new[] { 1, 2, double.NaN, 4, double.PositiveInfinity, 6 });
        string html = view.ToHtml();
        // Runs: [0, 1], [3], [5]: one polyline of two points; lone points show as their markers.
        Assert.Single(Polylines(html));
        Assert.Equal(2, Points(Polylines(html)[0]).Length);
        Assert.Equal(4, Regex.Matches(html, "<circle class=\"lk-lc-point\"").Count);
        Assert.Contains("The line has 2 y values that cannot be drawn (NaN at x = 2, ∞ at x = 4): the line has a gap there.", view.Notes.Single());
        Assert.DoesNotContain("NaN,", html);
        Assert.Contains("2 → NaN", view.ToString());
    }

    [Fact]
    public void Tensors_must_be_one_dimensional_and_alive()
    {
        var e = Assert.Throws<ArgumentException>(() => Plots.Line(torch.zeros(2, 3)));
        Assert.Contains("'y' must be a 1-D tensor (one value per point), but its shape is [2, 3]", e.Message);
        var disposed = torch.ones(3);
        disposed.Dispose();
        Assert.Contains("The tensor passed as 'y' has been disposed", Assert.Throws<ObjectDisposedException>(() => Plots.Line(disposed)).Message);
        Assert.Contains("'x' must be a 1-D tensor", Assert.Throws<ArgumentException>(() => Plots.Line(torch.zeros(1, 3), torch.zeros(3))).Message);
        Assert.Contains("The line has 2 x values and 3 y values", Assert.Throws<ArgumentException>(() => Plots.Line(torch.zeros(2), torch.zeros(3))).Message);
        Assert.Contains("complex numbers", Assert.Throws<ArgumentException>(() => Plots.Line(torch.zeros(3, dtype: torch.ScalarType.ComplexFloat32))).Message);
        Assert.Equal([0.0, 1.0, 1.0], Plots.Line(torch.tensor(new[] { false, true, true })).Series[0].Y);
    }

    [Fact]
    public void Several_named_series_get_a_legend_colours_and_tooltips_with_the_axis_titles()
    {
        var view = Plots.Line([Plots.Series("with cache", new[] { 8, 16 }, new[] { 400.0, 380 }), Plots.Series("<b>without</b>", new[] { 8, 16 }, new[] { 300f, 150f })],
            "Speed", "tokens", "tokens/s");
        string html = view.ToHtml();
        Assert.Equal(["with cache", "&lt;b&gt;without&lt;/b&gt;"], Regex.Matches(html, "<span class=\"lk-lc-name\"[^>]*>([^<]*)</span>").Select(m => m.Groups[1].Value));
        Assert.Contains("<title>with cache: tokens = 16, tokens/s = 380</title>", html);
        Assert.Contains(">tokens</text>", html);
        Assert.Contains(">tokens/s</text>", html);
        Assert.Contains("stroke=\"" + LineChartView.Palette[1] + "\"", html);
        Assert.Equal("Speed\nx: tokens, y: tokens/s\nwith cache: 8 → 400, 16 → 380\n<b>without</b>: 8 → 300, 16 → 150", view.ToString());
        // An unnamed line has no legend, and its tooltips name the axes.
        string single = Plots.Line(new[] { 1.5 }).ToHtml();
        Assert.DoesNotContain("lk-lc-name", single);
        Assert.Contains("<title>x = 0, y = 1.5</title>", single);
    }

    [Fact]
    public void Long_data_is_thinned_and_very_long_lines_lose_their_markers_with_a_note()
    {
        var medium = Plots.Line(Enumerable.Range(0, 2_000).Select(i => Math.Sin(i / 100.0)));
        Assert.Equal(1, medium.Step);
        Assert.False(medium.HasMarkers);
        Assert.Contains("Points are not marked", medium.ToHtml());
        Assert.Equal(2_000, Points(Assert.Single(Polylines(medium.ToHtml()))).Length);
        Assert.Contains("… (1,950 more)", medium.ToString());

        int n = ViewLimits.MaxLinePoints * 3 + 1;
        var big = Plots.Line(Enumerable.Range(0, n).Select(i => (double)i));
        Assert.Equal(4, big.Step);
        Assert.Contains($"Drawing every 4th point (and each line's last) of {n:N0} points", big.Notes.Single());
        var drawn = Points(Assert.Single(Polylines(big.ToHtml())));
        Assert.Equal((n - 1) / 4 + 1, drawn.Length);
        Assert.Equal(n, big.Series[0].Y.Count);
    }
}
