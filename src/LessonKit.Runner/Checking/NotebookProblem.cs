namespace LessonKit.Runner.Checking;

/// <summary>One thing wrong with a notebook file.</summary>
/// <param name="File">The notebook, as given.</param>
/// <param name="Cell">The cell number (from 1), or null for the notebook as a whole.</param>
/// <param name="Message">What is wrong and what to do.</param>
public sealed record NotebookProblem(string File, int? Cell, string Message)
{
    /// <inheritdoc/>
    public override string ToString() => Cell is { } n ? $"{File}: cell {n}: {Message}" : $"{File}: {Message}";
}
