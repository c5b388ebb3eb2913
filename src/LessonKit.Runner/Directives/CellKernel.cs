namespace LessonKit.Runner.Directives;

/// <summary>The .NET Interactive kernels the runner can run a piece of a cell with.</summary>
public enum CellKernel
{
    /// <summary>C#, run as a Roslyn script submission.</summary>
    CSharp,

    /// <summary>Markdown, shown as a rendered display (what the real kernel does for <c>#!markdown</c>).</summary>
    Markdown,
}
