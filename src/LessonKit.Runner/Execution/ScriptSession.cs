using System.Text;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Scripting;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Scripting;

namespace LessonKit.Runner.Execution;

/// <summary>
/// The C# state of one notebook run: each code cell is a Roslyn script submission that continues the previous
/// one (variables, types and usings carry over), exactly as in the .NET Interactive C# kernel.
/// </summary>
public sealed class ScriptSession
{
    /// <summary>The namespaces the .NET Interactive C# kernel imports into every submission.</summary>
    public static readonly IReadOnlyList<string> KernelImports =
    [
        "System", "System.Text", "System.Collections", "System.Collections.Generic", "System.Threading.Tasks", "System.Linq",
    ];

    private ScriptOptions _options;
    private ScriptState<object>? _state;

    /// <summary>Starts an empty session.</summary>
    public ScriptSession()
    {
        // The kernel's options: Roslyn's default references, its imports, the latest language version.
        _options = ScriptOptions.Default
            .WithLanguageVersion(LanguageVersion.Latest)
            .AddImports(KernelImports)
            .AddReferences(typeof(Enumerable).Assembly, typeof(List<>).Assembly, typeof(Task<>).Assembly)
            .WithEmitDebugInformation(true)      // line numbers in stack traces
            .WithFileEncoding(Encoding.UTF8);
    }

    /// <summary>The globals every submission sees (<c>display</c>).</summary>
    public KernelGlobals Globals { get; } = new();

    /// <summary>Adds assemblies (by file) that the following submissions can use.</summary>
    public void AddReferences(IEnumerable<string> assemblyPaths)
    {
        var known = _options.MetadataReferences.OfType<PortableExecutableReference>()
            .Select(r => r.FilePath).Where(p => p is not null).ToHashSet(StringComparer.Ordinal);
        var added = assemblyPaths.Where(p => known.Add(p)).Select(p => MetadataReference.CreateFromFile(p)).ToArray();
        if (added.Length > 0) _options = _options.AddReferences(added);
    }

    /// <summary>Compiles and runs <paramref name="code"/> as the next submission.</summary>
    /// <param name="code">C# script code.</param>
    /// <param name="filePath">The name stack traces give this code (e.g. "lesson.ipynb cell 3").</param>
    /// <param name="cancellationToken">Checked by Roslyn before running.</param>
    public async Task<SubmissionResult> RunAsync(string code, string filePath, CancellationToken cancellationToken)
    {
        var options = _options.WithFilePath(filePath);
        var script = _state is null
            ? CSharpScript.Create<object>(code, options, typeof(KernelGlobals))
            : _state.Script.ContinueWith<object>(code, options);

        var errors = script.Compile(cancellationToken).Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0)
        {
            return SubmissionResult.FailedToCompile(errors);
        }

        var hasValue = EndsWithValueExpression(script.GetCompilation());
        var state = _state is null
            ? await script.RunAsync(Globals, _ => true, cancellationToken)
            : await script.RunFromAsync(_state, _ => true, cancellationToken);
        // Keep the state even after an exception: variables assigned before it stay usable, as in the kernel.
        _state = state;
        return state.Exception is { } exception
            ? SubmissionResult.Threw(exception)
            : SubmissionResult.Ran(hasValue, state.ReturnValue);
    }

    /// <summary>
    /// True when the submission's last statement is an expression without a semicolon whose type is not void:
    /// the case the kernel displays as the cell's result.
    /// </summary>
    private static bool EndsWithValueExpression(Compilation compilation)
    {
        var tree = compilation.SyntaxTrees.LastOrDefault();
        if (tree?.GetRoot() is not CompilationUnitSyntax root) return false;
        if (root.Members.LastOrDefault() is not GlobalStatementSyntax { Statement: ExpressionStatementSyntax statement }
            || !statement.SemicolonToken.IsMissing)
        {
            return false;
        }
        var type = compilation.GetSemanticModel(tree).GetTypeInfo(statement.Expression).Type;
        return type is not null && type.SpecialType != SpecialType.System_Void;
    }
}
