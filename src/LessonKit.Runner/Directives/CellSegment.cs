namespace LessonKit.Runner.Directives;

/// <summary>
/// A run of lines of one cell that one kernel executes. For C#, <see cref="Code"/> is padded with blank lines in
/// front and has its directive lines blanked, so a line number Roslyn reports is the line number in the cell.
/// </summary>
/// <param name="Kernel">Which kernel runs this segment.</param>
/// <param name="Code">The code to run (C#, line-aligned with the cell) or the markdown text.</param>
/// <param name="FirstLine">The cell line (from 1) where the segment's own lines start.</param>
public sealed record CellSegment(CellKernel Kernel, string Code, int FirstLine)
{
    /// <summary>True when the segment has nothing but whitespace to run.</summary>
    public bool IsEmpty => string.IsNullOrWhiteSpace(Code);
}
