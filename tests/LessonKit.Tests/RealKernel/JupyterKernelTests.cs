using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.RealKernel;

/// <summary>The real-kernel harness itself: it must see what a learner sees go wrong, cell by cell.</summary>
[Trait("Category", "Kernel")]
[Collection(LessonProcesses.Name)]
public sealed class JupyterKernelTests : IDisposable
{
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "lk-kernel-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_scratch)) Directory.Delete(_scratch, recursive: true);
    }

    [Fact]
    public void Errors_and_compiler_warnings_are_reported_by_cell_and_the_kits_notices_are_not()
    {
        string notebook = NotebookFile.Write(Path.Combine(_scratch, "probe.ipynb"),
            "var x = 42;",
            "void Unused() { int neverRead; }",                                      // warning CS0168 on stderr
            "Console.Error.WriteLine(\"LessonKit: a notice the kit prints\");",
            "throw new InvalidOperationException(\"boom\");",
            "Console.WriteLine(x);");

        var executed = JupyterKernel.Execute(notebook, Path.Combine(_scratch, "out"), environment: null, TimeSpan.FromMinutes(2));

        var problems = executed.Problems();
        Assert.Equal(2, problems.Count);
        Assert.StartsWith("probe.ipynb, cell 2 of 5 (`void Unused() { int neverRead; }`): stderr: ", problems[0]);
        Assert.Contains("warning CS0168", problems[0]);
        Assert.StartsWith("probe.ipynb, cell 4 of 5 (`throw new InvalidOperationException(\"boom\");`): ", problems[1]);
        Assert.Contains("boom", problems[1]);
        // The kernel goes on after an error: the last cell still sees the first cell's variable.
        Assert.Equal("42\n", executed.Cells[4].Texts("stdout").Single());
        Assert.Equal(["stdout"], executed.OutputKinds()[4]);
    }
}
