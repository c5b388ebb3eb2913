using System.Text.Json.Nodes;
using LessonKit.Runtime;
using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.Runtime;

public sealed class ReferencesOnlyCellsTests
{
    [Theory]
    [InlineData("")]
    [InlineData("#r \"nuget: TorchSharp-cpu, 0.107.0\"\n#r \"../src/LessonKit/bin/Release/net10.0/LessonKit.dll\"")]
    [InlineData("#i \"nuget: /tmp/feed\"  // a local feed")]
    [InlineData("#!time\nLessonKit.Runtime.TorchRuntime.EnsureReady();")]
    [InlineData("using LessonKit;\nusing global::TorchSharp;\nusing System . Numerics ;")]
    [InlineData("// a comment\n\n   TorchRuntime.EnsureReady();   // and another\r\n")]
    [InlineData("global::LessonKit.Runtime.TorchRuntime.EnsureReady ( ) ;")]
    // What the kernel itself runs before the first cell (CSharpKernel.UseKernelHelpers, UseJupyterHelpers):
    [InlineData("\nusing static Microsoft.DotNet.Interactive.Kernel;\n")]
    [InlineData("\n#r \"/root/.dotnet/tools/.store/any/Microsoft.DotNet.Interactive.Jupyter.dll\"\nusing static Microsoft.DotNet.Interactive.Jupyter.TopLevelMethods;\n")]
    public void Cells_with_only_references_namespace_usings_and_EnsureReady_declare_nothing(string cell) =>
        Assert.Null(ReferencesOnlyCells.FirstLineThatMayDeclare(cell));

    [Theory]
    [InlineData("LessonKit.Runtime.TorchRuntime.EnsureReady();\nvar model = HookedGpt2.FromPretrained(\"gpt2\");", "var model = HookedGpt2.FromPretrained(\"gpt2\");")]
    [InlineData("using static TorchSharp.torch;", "using static TorchSharp.torch;")]
    [InlineData("using static Microsoft.DotNet.Interactive.Formatting.Formatter;", "using static Microsoft.DotNet.Interactive.Formatting.Formatter;")]
    [InlineData("using T = TorchSharp.torch.Tensor;", "using T = TorchSharp.torch.Tensor;")]
    [InlineData("using var scope = torch.NewDisposeScope();", "using var scope = torch.NewDisposeScope();")]
    [InlineData("Tensor Twice(Tensor t) => t * 2;", "Tensor Twice(Tensor t) => t * 2;")]
    [InlineData("int layer = 0;", "int layer = 0;")]
    [InlineData("Console.WriteLine(1);", "Console.WriteLine(1);")]
    [InlineData("/* hides */ using static TorchSharp.torch;", "/* hides */ using static TorchSharp.torch;")]
    [InlineData("using LessonKit; var x = 1;", "using LessonKit; var x = 1;")]
    [InlineData("#load \"helpers.csx\"", "#load \"helpers.csx\"")]
    [InlineData("TorchRuntime.EnsureReady(); TorchRuntime.EnsureReady();", "TorchRuntime.EnsureReady(); TorchRuntime.EnsureReady();")]
    public void Anything_else_may_declare_and_is_named(string cell, string line) =>
        Assert.Equal(line, ReferencesOnlyCells.FirstLineThatMayDeclare(cell));

    [Fact]
    public void The_first_line_that_may_declare_is_found_in_any_of_the_cells() =>
        Assert.Equal("var t = torch.ones(2);", ReferencesOnlyCells.FirstLineThatMayDeclare(["#r \"a.dll\"", "using TorchSharp;\nvar t = torch.ones(2);", "int x;"]));

    [Theory]
    [InlineData("2.1-transformer-architecture.ipynb")]
    [InlineData("2.2-attention.ipynb")]
    public void Each_lessons_first_code_cell_declares_nothing_and_calls_EnsureReady_and_the_second_loads_the_model(string lesson)
    {
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(LessonRunner.FindRepositoryRoot(), "lessons", lesson)))!;
        var code = notebook["cells"]!.AsArray().Where(c => (string?)c!["cell_type"] == "code")
            .Select(c => string.Concat(c!["source"]!.AsArray().Select(l => (string?)l))).ToArray();

        Assert.Null(ReferencesOnlyCells.FirstLineThatMayDeclare(code[0]));
        Assert.Contains("LessonKit.Runtime.TorchRuntime.EnsureReady();", code[0]);
        Assert.Contains("var model = HookedGpt2.FromPretrained(\"gpt2\");", code[1]);
    }
}
