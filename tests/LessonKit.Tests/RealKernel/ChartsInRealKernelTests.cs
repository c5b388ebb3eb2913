namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Plots.Line, Plots.Bar and Plots.Heatmap in the real .NET Interactive kernel that learners use (<see cref="ChartNotebook"/>
/// run through <c>jupyter nbconvert --execute</c>, the model being tiny-gpt2): every cell shows HTML and prints no error
/// and nothing on stderr. (Plotly.NET, which LessonKit used to chart with, threw in this kernel.)
/// </summary>
[Trait("Category", "Kernel")]
[Collection(Lessons.LessonProcesses.Name)]   // one kernel at a time: kernels starting together can race for the same HTTP port
public sealed class ChartsInRealKernelTests
{
    [Fact]
    public void Each_chart_cell_shows_html_with_no_error_and_nothing_on_stderr()
    {
        string root = Lessons.LessonRunner.FindRepositoryRoot();
        string scratch = Path.Combine(Path.GetTempPath(), "lessonkit-kernel-charts-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(scratch);
        try
        {
            string notebook = Path.Combine(scratch, "charts.ipynb");
            File.WriteAllText(notebook, ChartNotebook.Build(SetupCellForThisBuild(root), ChartNotebook.LessonModelCell(root)).ToJsonString());
            var cells = JupyterKernel.Execute(notebook, Path.Combine(scratch, "executed"),
                new Dictionary<string, string?> { ["LESSONKIT_MODEL_OVERRIDE"] = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2") },
                TimeSpan.FromMinutes(5)).Cells;
            ChartNotebook.AssertEveryChartShows(cells, "the real kernel", setupShowsHtml: true);
        }
        finally
        {
            Directory.Delete(scratch, recursive: true);
        }
    }

    /// <summary>
    /// The lessons' setup cell with its <c>#r "../src/LessonKit/bin/Release/..."</c> pointed at the LessonKit.dll this
    /// test was built with (the notebook is not in lessons/, so the relative path would miss).
    /// </summary>
    private static string SetupCellForThisBuild(string root)
    {
        string setup = ChartNotebook.LessonSetupCell(root);
        string configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;   // Release or Debug
        string dll = Path.Combine(root, "src", "LessonKit", "bin", configuration, "net10.0", "LessonKit.dll");
        Assert.True(File.Exists(dll), $"{dll} is missing: build the solution first.");
        const string Relative = "\"../src/LessonKit/bin/Release/net10.0/LessonKit.dll\"";
        Assert.Contains(Relative, setup);
        return setup.Replace(Relative, $"\"{dll}\"");
    }
}
