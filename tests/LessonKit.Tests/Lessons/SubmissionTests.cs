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
    public void Names_must_be_plain_file_names_and_unique()
    {
        var view = Charts.Bars("b", ["a"], [1]);
        Assert.Contains("cannot be a file name", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("../escape", view))).Message);
        Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "../2.1", ("a", view)));
        Assert.Contains("Two views", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("a", view), ("A", view))).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("index", view))).Message);
        Assert.Contains("null", Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1", ("a", null!))).Message);
        Assert.Throws<ArgumentException>(() => Submission.SaveTo(_folder, "2.1"));
        Assert.False(Directory.Exists(Path.Combine(_folder, "..", "escape.html")));
    }
}
