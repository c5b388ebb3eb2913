using LessonKit.Tests.RealKernel;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The chart notebook of the real-kernel test (<see cref="ChartNotebook"/>: the lessons' setup cell, then
/// Plots.Line, Plots.Bar and Plots.Heatmap) through the headless runner, as CI and instructors run lessons.
/// </summary>
[Trait("Category", "Lessons")]
[Collection(LessonProcesses.Name)]
public sealed class ChartsInRunnerTests(LessonRunner runner) : IClassFixture<LessonRunner>, IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "lk-charts-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void Each_chart_cell_shows_html_and_no_cell_fails_or_writes_to_stderr()
    {
        string staged = runner.StageNotebook(_scratch, "charts.ipynb", ChartNotebook.Build(ChartNotebook.LessonSetupCell(runner.RepositoryRoot), ChartNotebook.LessonModelCell(runner.RepositoryRoot)));
        string output = Path.Combine(_scratch, "out");
        var (code, log) = runner.Run("run", staged, "--model", TinyGpt2.Directory, "--out", output);
        Assert.True(code == 0, $"runner run failed:\n{log}");
        ChartNotebook.AssertEveryChartShows(ExecutedNotebook.Read(Path.Combine(output, "charts.ipynb")).Cells, "the runner", setupShowsHtml: false);
    }
}
