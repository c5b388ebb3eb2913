using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.RealKernel;

/// <summary>
/// A learner's matmul mistake in the real .NET Interactive kernel: the cell fails with a message that names both
/// shapes and the rule, and the kernel lives on, so the next cell still sees the earlier variables.
/// </summary>
[Trait("Category", "Kernel")]
[Collection(LessonProcesses.Name)]
public sealed class MatmulInRealKernelTests : IDisposable
{
    private readonly string scratch = Directory.CreateTempSubdirectory("lk-matmul-kernel-").FullName;

    public void Dispose() => Directory.Delete(scratch, recursive: true);

    private static string LessonKitDll =>
        Path.Combine(LessonRunner.FindRepositoryRoot(), "src", "LessonKit", "bin", "Release", "net10.0", "LessonKit.dll");

    [Theory]
    [InlineData("LessonKit.Runtime.TorchRuntime.EnsureReady();")]              // as the lessons' first cell does
    [InlineData("Console.WriteLine(LessonKit.Runtime.TorchRuntime.Log.Count > 0);")]  // mentions LessonKit; the bad matmul is the first torch call
    public void A_bad_matmul_fails_its_cell_and_the_next_cell_still_sees_earlier_variables(string setupLine)
    {
        Assert.True(File.Exists(LessonKitDll), $"{LessonKitDll} is missing: build first (dotnet build LessonKit.slnx -c Release).");
        string[] cells =
        [
            $"#r \"nuget: TorchSharp-cpu, 0.107.0\"\n#r \"{LessonKitDll}\"\n\nusing TorchSharp;\nusing static TorchSharp.torch;\n\n{setupLine}",
            "var x = 42;",
            "var a = torch.ones(3, 4);\nvar b = torch.ones(5, 6);\nvar c = torch.matmul(a, b);",
            "Console.WriteLine(x);\nConsole.WriteLine(torch.matmul(torch.ones(2, 3), torch.ones(3, 2)).sum().item<float>());",
        ];

        string notebook = NotebookFile.Write(Path.Combine(scratch, "matmul.ipynb"), cells);
        var executed = JupyterKernel.Execute(notebook, Path.Combine(scratch, "out"), environment: null, TimeSpan.FromMinutes(5)).Cells;

        var error = Assert.Single(executed[2].Outputs, o => (string?)o["output_type"] == "error");
        Assert.StartsWith(
            "System.Runtime.InteropServices.ExternalException (0x80004005): torch.matmul: shapes [3, 4] and [5, 6] do not fit: " +
            "the last dimension of the first (4) must equal the second-to-last dimension of the second (5).\n" +
            "libtorch says: mat1 and mat2 shapes cannot be multiplied (3x4 and 5x6)",
            (string?)error["evalue"]);
        Assert.Equal("42\n12\n", string.Concat(executed[3].Texts("stdout")));

        // Nothing else went wrong: no other error, and on stderr only LessonKit's one-line notices.
        Assert.Equal(1, executed.Sum(cell => cell.Texts("error").Count()));
        var stderr = executed.SelectMany(cell => cell.Texts("stderr"))
            .SelectMany(text => text.Split('\n', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        Assert.All(stderr, line => Assert.StartsWith("LessonKit: ", line));
        Assert.Single(stderr, line => line.Contains("torch.matmul whose shapes do not fit", StringComparison.Ordinal));
    }
}
