using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LessonKit.Runner.Tests.Support;

/// <summary>Compiles a small class library with Roslyn, for tests that reference a DLL the runner has never seen.</summary>
public static class TinyAssembly
{
    public static byte[] Compile(string assemblyName, string code)
    {
        var tpa = ((string)AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES")!).Split(Path.PathSeparator);
        var references = tpa
            .Where(p => Path.GetFileName(p) is "System.Runtime.dll" or "System.Private.CoreLib.dll" or "netstandard.dll")
            .Select(p => MetadataReference.CreateFromFile(p));
        var compilation = CSharpCompilation.Create(assemblyName, [CSharpSyntaxTree.ParseText(code)], references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary));
        using var stream = new MemoryStream();
        var emitted = compilation.Emit(stream);
        Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics));
        return stream.ToArray();
    }
}
