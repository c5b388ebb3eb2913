using Microsoft.CodeAnalysis;

namespace LessonKit.Runner.Execution;

/// <summary>What running one C# submission produced.</summary>
public sealed class SubmissionResult
{
    private SubmissionResult() { }

    /// <summary>Compile errors (empty when it compiled).</summary>
    public IReadOnlyList<Diagnostic> CompileErrors { get; private init; } = [];

    /// <summary>The exception the code threw, or null.</summary>
    public Exception? Exception { get; private init; }

    /// <summary>True when the submission ends in an expression with a value (no semicolon), which the kernel displays.</summary>
    public bool HasValue { get; private init; }

    /// <summary>The trailing expression's value (meaningful when <see cref="HasValue"/>).</summary>
    public object? Value { get; private init; }

    internal static SubmissionResult FailedToCompile(IReadOnlyList<Diagnostic> errors) => new() { CompileErrors = errors };

    internal static SubmissionResult Threw(Exception exception) => new() { Exception = exception };

    internal static SubmissionResult Ran(bool hasValue, object? value) => new() { HasValue = hasValue, Value = value };
}
