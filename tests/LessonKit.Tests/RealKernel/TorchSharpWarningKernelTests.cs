using LessonKit.Runtime;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// In the real .NET Interactive kernel, once LessonKit is loaded as the lessons load it (a first cell of references and
/// <c>TorchRuntime.EnsureReady()</c>), cells calling TorchSharp compile without warning CS1701
/// (<see cref="KernelCompileReferences"/>), a learner's real warnings still show, and values flow between cells.
/// </summary>
[Trait("Category", "Kernel")]
[Collection(LessonKit.Tests.Lessons.LessonProcesses.Name)]   // one kernel at a time: kernels starting together can race for the same HTTP port
public sealed class TorchSharpWarningKernelTests : IDisposable
{
    private static readonly TimeSpan CellTimeLimit = TimeSpan.FromMinutes(5);
    private static readonly string LessonKitDll = Path.Combine(AppContext.BaseDirectory, "LessonKit.dll");
    private static readonly string TinyModel = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2");
    private readonly string _folder = Directory.CreateTempSubdirectory("lk-real-kernel-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    /// <summary>Runs the cells, in order, in one real kernel, and returns them executed.</summary>
    private IReadOnlyList<ExecutedCell> Run(params string[] cells) =>
        JupyterKernel.Execute(NotebookFile.Write(Path.Combine(_folder, "notebook.ipynb"), cells), Path.Combine(_folder, "out"), environment: null, CellTimeLimit).Cells;

    private static bool IsCs1701(string text) => text.Contains("CS1701", StringComparison.Ordinal);

    [Fact]
    public void After_a_first_cell_like_the_lessons_no_cell_prints_CS1701_and_a_real_warning_still_shows()
    {
        var cells = Run(
            $"""
            #r "nuget: TorchSharp-cpu, 0.107.0"
            #r "nuget: Microsoft.ML.Tokenizers, 2.0.1"
            #r "{LessonKitDll}"

            using LessonKit;
            using TorchSharp;
            LessonKit.Runtime.TorchRuntime.EnsureReady();
            """,
            $$"""
            using static TorchSharp.torch;
            var model = HookedGpt2.FromPretrained(@"{{TinyModel}}");
            var t = tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });
            Tensor Twice(Tensor x) => x * 2;
            t.ToString()
            """,
            """
            var c = new System.Numerics.Complex(1, 2);
            var product = Twice(t).mm(t);                      // [[14, 20], [30, 44]]
            var (logits, cache) = model.RunWithCache(model.ToTokens("The cat sat"));
            $"{tensor(new[] { c, c }).dtype} {product.sum().item<float>()} {cache["pattern", 0].dim()}"
            """,
            "void M()\n{\n    int unused;\n}",
            "string.Join(\"\\n\", LessonKit.Runtime.TorchRuntime.Log)",
            "display(\"the kernel's own helpers still work\");");
        string all = string.Join("\n", cells);

        Assert.False(cells.Any(c => c.Texts("error").Any()), all);
        Assert.False(cells.Any(c => c.Texts("stderr").Any(IsCs1701)), all);
        Assert.True(cells[1].Texts("result").SingleOrDefault() == "[2x2], type = Float32, device = cpu", all);
        Assert.True(cells[2].Texts("result").SingleOrDefault() == "ComplexFloat64 108 4", all);
        Assert.True(cells[3].Texts("stderr").Any(t => t.Contains("warning CS0168", StringComparison.Ordinal)), all);
        Assert.Contains("System.Runtime.Numerics 8.0.0.0 → ", cells[4].Texts("result").Single());
        Assert.True(cells[5].Texts("result").SingleOrDefault() == "the kernel's own helpers still work", all);
    }

    [Fact]
    public void When_the_first_cell_already_declares_something_the_kernel_is_left_as_it_was_and_keeps_working()
    {
        var cells = Run(
            $"""
            #r "nuget: TorchSharp-cpu, 0.107.0"
            #r "{LessonKitDll}"
            LessonKit.Runtime.TorchRuntime.EnsureReady();
            var early = TorchSharp.torch.ones(2, 2);
            """,
            "var later = TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 }).mm(early);\nlater.sum().item<float>().ToString()",
            "string.Join(\"\\n\", LessonKit.Runtime.TorchRuntime.Log)");
        string all = string.Join("\n", cells);

        Assert.False(cells.Any(c => c.Texts("error").Any()), all);
        Assert.True(cells[1].Texts("result").SingleOrDefault() == "20", all);
        // Nothing was changed, so this kernel still prints the warning (which also shows the test can see it).
        Assert.True(cells[1].Texts("stderr").Any(IsCs1701), all);
        Assert.Contains("Left the notebook's C# kernel as it was", cells[2].Texts("result").Single());
        Assert.Contains("var early = TorchSharp.torch.ones(2, 2);", cells[2].Texts("result").Single());
    }
}
