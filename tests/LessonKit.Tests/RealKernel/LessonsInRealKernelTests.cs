using LessonKit.Tests.Lessons;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// Both lessons, unchanged, run in the real .NET Interactive kernel on the tiny checkpoint, as a learner runs them: every
/// cell must finish without an error and without a word on stderr (compiler warnings included).
/// </summary>
[Trait("Category", "Kernel")]
[Collection(LessonProcesses.Name)]
public sealed class LessonsInRealKernelTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "lk-kernel-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    [Theory]
    [InlineData("2.1-transformer-architecture.ipynb")]
    [InlineData("2.2-attention.ipynb")]
    public void Every_cell_of_the_lesson_runs_clean_in_the_real_kernel(string lesson)
    {
        // The notebook runs where it lies, next to the Release build its first cell loads, as a learner's does.
        string notebook = Path.Combine(LessonRunner.FindRepositoryRoot(), "lessons", lesson);

        var executed = JupyterKernel.Execute(notebook, _scratch, LessonEnvironment, TimeSpan.FromMinutes(5));

        var problems = executed.Problems();
        Assert.True(problems.Count == 0,
            $"{lesson} in the real kernel ({JupyterKernel.KernelName}): {problems.Count} problem(s):\n" + string.Join('\n', problems));
        Assert.All(executed.Cells, cell => Assert.NotNull(cell.Json["execution_count"]?.GetValue<int?>()));
    }

    /// <summary>The tiny checkpoint instead of GPT-2 (as the runner's <c>--model</c> does) and no network.</summary>
    internal static IReadOnlyDictionary<string, string?> LessonEnvironment => new Dictionary<string, string?>
    {
        [HookedGpt2.ModelOverrideVariable] = TinyGpt2.Directory,
        ["HF_HUB_OFFLINE"] = "1",
    };
}
