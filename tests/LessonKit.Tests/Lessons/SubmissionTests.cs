using LessonKit.Lessons;
using TorchSharp;

namespace LessonKit.Tests.Lessons;

public sealed class SubmissionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "lk-submission-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder)) Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Each_view_becomes_a_standalone_page_linked_from_an_index()
    {
        var heatmap = Plots.PositionalHeatmap(PositionalEncoding.Sinusoidal(16, 8), "Sinusoidal");
        var quiz = Quiz.Question("Q?", Quiz.Right("a", "x"), Quiz.Wrong("b", "y"));
        var result = Submission.SaveTo(_folder, "2.1", ("heatmap", heatmap), ("quiz", quiz));

        string lesson = Path.Combine(_folder, "2.1");
        string page = File.ReadAllText(Path.Combine(lesson, "heatmap.html"));
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains(heatmap.Id, page);
        Assert.True(File.Exists(Path.Combine(lesson, "quiz.html")));
        string index = File.ReadAllText(Path.Combine(lesson, "index.html"));
        Assert.Contains("<a href=\"heatmap.html\">heatmap</a>", index);
        Assert.Contains("<a href=\"quiz.html\">quiz</a>", index);
        Assert.Equal(3, result.Rows.Count);
        Assert.Contains(lesson, result.ToString());
    }

    [Fact]
    public void Observations_are_saved_first_as_a_page_of_their_own_and_the_empty_ones_are_named()
    {
        var observations = new Observations();
        observations["1 · The previous-token head"] = "L4H11: a stripe <just> below the diagonal.\nSecond line & more.";
        observations["2 · Long-range heads"] = "";
        observations["1 · The previous-token head"] = "L4H11: a stripe <just> below the diagonal.\nSecond line & more.";   // a cell run twice
        var heatmap = Plots.PositionalHeatmap(PositionalEncoding.Sinusoidal(16, 8), "Sinusoidal");

        var result = Submission.SaveTo(_folder, "2.1", observations, ("heatmap", heatmap));
        observations["2 · Long-range heads"] = "written after saving";   // does not change the page already saved

        string lesson = Path.Combine(_folder, "2.1");
        string page = File.ReadAllText(Path.Combine(lesson, "observations.html"));
        Assert.StartsWith("<!DOCTYPE html>", page);
        Assert.Contains("Lesson 2.1: your observations (1 of 2 written)", page);
        Assert.Contains("1 · The previous-token head", page);
        Assert.Contains("L4H11: a stripe &lt;just&gt; below the diagonal.\nSecond line &amp; more.", page);
        Assert.Contains("(not written yet)", page);
        Assert.DoesNotContain("written after saving", page);
        Assert.Single(System.Text.RegularExpressions.Regex.Matches(page, "The previous-token head"));   // written twice, kept once
        string index = File.ReadAllText(Path.Combine(lesson, "index.html"));
        Assert.True(index.IndexOf("observations.html", StringComparison.Ordinal) < index.IndexOf("heatmap.html", StringComparison.Ordinal));
        Assert.Equal(["observations", "heatmap", "index"], result.Rows.Select(r => r[0]));
        Assert.Contains("1 of 2 observations are still empty: 2 · Long-range heads.", string.Join("\n", result.Notes));
        Assert.StartsWith("Saved your observations and 1 view for lesson 2.1", result.Title);
    }

    [Fact]
    public void Observations_keep_their_order_replace_on_rewrite_and_need_a_question()
    {
        var observations = new Observations();
        observations["b"] = "1";
        observations["a"] = " ";
        observations[" b "] = "2";
        Assert.Equal(["b", "a"], observations.Questions);
        Assert.Equal("2", observations["b"]);
        Assert.Equal("", observations["never written"]);
        Assert.Equal(["a"], observations.Missing);
        Assert.StartsWith("1 of 2 observations written\n\nb\n2\n\na\n(not written yet)", observations.ToString());
        Assert.Throws<ArgumentException>(() => observations[" "] = "x");
        var saved = Submission.SaveTo(_folder, "2.2", observations);
        Assert.Equal(["observations", "index"], saved.Rows.Select(r => r[0]));
        var view = Plots.Bars("b", ["a"], [1]);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.2", observations, ("observations", view))).Message);
        Assert.Throws<ArgumentNullException>(() => Submission.Save("2.2", (Observations)null!, ("v", view)));
    }

    [Fact]
    public void Names_must_be_plain_file_names_and_unique()
    {
        var view = Plots.Bars("b", ["a"], [1]);
        Assert.Contains("cannot be a file name", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("../escape", view))).Message);
        Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "../2.1", ("a", view)));
        Assert.Contains("Two views", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("a", view), ("A", view))).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("index", view))).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("a", null!))).Message);
        Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1"));
        Assert.False(Directory.Exists(Path.Combine(_folder, "..", "escape.html")));
    }
}
