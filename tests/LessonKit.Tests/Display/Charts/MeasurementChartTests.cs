using System.Text.RegularExpressions;
using LessonKit.Display.Views;
using LessonKit.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display.Charts;

/// <summary>The charts and tables a lesson's measurements use (Plots.Lines, Bars, HeadScores, Table).</summary>
public class MeasurementChartTests
{
    [Fact]
    public void A_line_chart_draws_one_polyline_and_a_point_per_value_and_escapes_names()
    {
        var chart = Plots.Lines("Speed <fast>", "tokens", "tokens/s",
            new ChartSeries("with cache", [8, 16, 32], [400, 380, 390]),
            new ChartSeries("<script>x</script>", [8, 16, 32], [300, 150, 70]));
        string html = chart.ToHtml();
        Assert.Equal(2, Regex.Matches(html, "<polyline").Count);
        Assert.Equal(6, Regex.Matches(html, "<circle").Count);
        Assert.DoesNotContain("<script>x", html);
        Assert.Contains("&lt;script&gt;x&lt;/script&gt;", html);
        Assert.Contains("Speed &lt;fast&gt;", html);
        Assert.Contains("with cache: 8 → 400, 16 → 380, 32 → 390", chart.ToString());
    }

    [Fact]
    public void Line_chart_points_are_placed_on_the_scale()
    {
        var chart = Plots.Lines("t", "x", "y", new ChartSeries("s", [0, 10], [0, 100]));
        var points = Regex.Match(chart.ToHtml(), "<polyline[^>]*points=\"([^\"]+)\"").Groups[1].Value.Trim().Split(' ');
        var first = points[0].Split(',').Select(double.Parse).ToArray();
        var last = points[1].Split(',').Select(double.Parse).ToArray();
        Assert.True(first[0] < last[0], "x grows to the right");
        Assert.True(first[1] > last[1], "y grows upwards");
    }

    [Fact]
    public void Line_charts_need_a_title_and_paired_values_and_show_a_gap_for_NaN()
    {
        Assert.Contains("2 x values and 1 y values", Assert.Throws<ArgumentException>(() => Plots.Lines("t", "x", "y", new ChartSeries("s", [1, 2], [1]))).Message);
        Assert.Contains("at least one series", Assert.Throws<ArgumentException>(() => Plots.Lines("t", "x", "y")).Message);
        Assert.Throws<ArgumentException>(() => Plots.Lines(" ", "x", "y", new ChartSeries("s", [1], [1])));
        var gap = Plots.Lines("t", "x", "y", new ChartSeries("s", [1, 2, 3], [1, double.NaN, 3]));
        Assert.Contains("NaN at x = 2", gap.Notes.Single());
    }

    [Fact]
    public void Lesson_line_charts_start_their_y_axis_at_zero()
    {
        const string ZeroTick = "class=\"lk-lc-ytick\"[^>]*>0</text>";
        Assert.Matches(ZeroTick, Plots.Lines("t", "x", "y", new ChartSeries("s", [0, 1], [50, 60])).ToHtml());
        Assert.DoesNotMatch(ZeroTick, Plots.Line(new double[] { 0, 1 }, new double[] { 50, 60 }).ToHtml());
    }

    [Fact]
    public void Bars_are_proportional_to_the_values()
    {
        var chart = Plots.Bars("Latency", ["gpt2", "distilgpt2"], [40, 20], "ms");
        var widths = Regex.Matches(chart.ToHtml(), "lk-bc-bar\" style=\"left:0%;width:([0-9.]+)%").Select(m => double.Parse(m.Groups[1].Value)).ToArray();
        Assert.Equal([100.0, 50.0], widths);
        Assert.Contains("distilgpt2  20 ms", chart.ToString());
        Assert.Throws<ArgumentException>(() => Plots.Bars(" ", ["a"], [1]));
        Assert.Throws<ArgumentException>(() => Plots.Bars("x", ["a", "b"], [1]));
    }

    [Fact]
    public void Head_scores_rank_heads_and_outline_the_best()
    {
        var scores = torch.tensor(new float[] { 0.1f, 0.9f, 0.3f, 0.2f, 0.4f, 0.95f }, [2, 3]);
        var view = Plots.HeadScores(scores, "Previous-token score");
        Assert.Equal(new ScoredHead(1, 2, view.Best.Score), view.Best);
        Assert.Equal("L1H2", view.Best.Name);
        Assert.Equal(0.95, view.Best.Score, 6);
        Assert.Equal(["L1H2", "L0H1", "L1H1"], view.Ranking.Take(3).Select(r => r.Name));
        Assert.Equal(0.3, view[0, 2], 6);
        Assert.Single(Regex.Matches(view.ToHtml(), "outline:2px solid #fb8500"));
        Assert.StartsWith("Previous-token score\nHighest: L1H2 (0.95)", view.ToString());
        Assert.Throws<ArgumentException>(() => Plots.HeadScores(torch.zeros(3), "x"));
        Assert.Throws<ArgumentException>(() => Plots.HeadScores(torch.tensor(new[] { float.NaN }, [1, 1]), "x"));
    }

    [Fact]
    public void Tables_escape_cells_and_align_number_columns()
    {
        var table = Plots.Table("T", ["Name", "Count"], [["<b>a</b>", "1,234"], ["b", "5"]]);
        string html = table.ToHtml();
        Assert.Contains("&lt;b&gt;a&lt;/b&gt;", html);
        Assert.Contains("<td class=\"lk-num\">1,234</td>", html);
        Assert.Contains("<td>b</td>", html);
        Assert.Contains("<b>a</b>  1,234", table.ToString());
        Assert.Throws<ArgumentException>(() => Plots.Table("T", ["a", "b"], [["only one"]]));
    }

    [Fact]
    public void A_line_chart_over_whole_numbers_has_whole_number_ticks()
    {
        string html = Plots.Lines("t", "block", "y", new ChartSeries("s", [0, 1, 2], [3, 13, 20])).ToHtml();
        Assert.DoesNotContain(">0.5<", html);
        Assert.Contains(">1<", html);
    }
}
