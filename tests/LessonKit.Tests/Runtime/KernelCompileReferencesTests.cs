using System.Collections.Immutable;
using LessonKit.Runtime;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.Scripting;
using TorchSharp;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// The CS1701 fix, tested without the kernel: cells are compiled as the .NET Interactive C# kernel compiles them
/// (Roslyn scripting, one submission after another, TorchSharp referenced as <c>#r "nuget:"</c> adds it).
/// </summary>
public sealed class KernelCompileReferencesTests : IDisposable
{
    private const string TensorCell = "var t = TorchSharp.torch.tensor(new float[] { 1, 2, 3, 4 }, new long[] { 2, 2 });";
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // A first submission that references TorchSharp, then `cell` compiled with `laterReferences` added, as the
    // kernel does after CSharpKernel.AddAssemblyReferences.
    private static ImmutableArray<Diagnostic> CompileCell(string cell, IEnumerable<string> laterReferences)
    {
        var options = ScriptOptions.Default.AddReferences(MetadataReference.CreateFromFile(typeof(torch).Assembly.Location));
        var setup = CSharpScript.Create("", options);
        var next = setup.ContinueWith(cell, options.AddReferences(laterReferences.Select(p => MetadataReference.CreateFromFile(p))));
        return next.GetCompilation().GetDiagnostics();
    }

    private static string Describe(ImmutableArray<Diagnostic> diagnostics) =>
        diagnostics.Length == 0 ? "(none)" : string.Join("\n", diagnostics.Select(d => d.ToString()));

    [Fact]
    public void Without_the_facades_a_cell_calling_torch_tensor_warns_CS1701_even_with_the_runtime_copy_referenced()
    {
        string runtimeNumerics = typeof(System.Numerics.Complex).Assembly.Location; // what #r "System.Runtime.Numerics" adds

        foreach (var references in new[] { Array.Empty<string>(), [runtimeNumerics] })
        {
            var diagnostics = CompileCell(TensorCell, references);

            var warning = Assert.Single(diagnostics, d => d.Id == "CS1701");
            Assert.Contains("System.Runtime.Numerics, Version=8.0.0.0", warning.GetMessage());
            Assert.Contains("'TorchSharp'", warning.GetMessage());
        }
    }

    [Fact]
    public void With_the_facades_the_cell_compiles_clean_and_Complex_is_still_the_type_TorchSharp_takes()
    {
        var (plans, paths) = KernelCompileReferences.Prepare(_folder.Path);
        Assert.Contains(plans, p => p.Name == "System.Runtime.Numerics");

        Assert.Empty(CompileCell(TensorCell, paths));
        string complexCell = """
            var c = new System.Numerics.Complex(1, 2);
            var t = TorchSharp.torch.tensor(new[] { c, c });
            var big = System.Numerics.BigInteger.Parse("123456789012345678901234567890") * 2;
            """;
        Assert.True(CompileCell(complexCell, paths).IsEmpty, Describe(CompileCell(complexCell, paths)));
    }

    [Fact]
    public void With_the_facades_a_learners_real_warning_still_shows()
    {
        var (_, paths) = KernelCompileReferences.Prepare(_folder.Path);

        var diagnostics = CompileCell("void M() { int unused; }", paths);

        Assert.Equal("CS0168", Assert.Single(diagnostics).Id);
    }

    [Fact]
    public void Outside_a_notebook_kernel_it_does_nothing()
    {
        Assert.DoesNotContain(AppDomain.CurrentDomain.GetAssemblies(), a => a.GetName().Name == KernelCompileReferences.InteractiveAssemblyName);

        KernelCompileReferences.ApplyIfInKernel();
        TorchRuntime.EnsureReady();

        Assert.DoesNotContain(TorchRuntime.Log, l => l.Contains("CS1701", StringComparison.Ordinal));
    }
}
