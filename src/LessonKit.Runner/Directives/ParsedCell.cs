namespace LessonKit.Runner.Directives;

/// <summary>A code cell split into what each kernel runs, the references it asks for, and any lines the runner refuses.</summary>
/// <param name="Segments">Kernel segments in cell order.</param>
/// <param name="References">The <c>#r</c> directives in cell order.</param>
/// <param name="Problems">Unsupported or malformed directives; a cell with problems is not run.</param>
public sealed record ParsedCell(
    IReadOnlyList<CellSegment> Segments,
    IReadOnlyList<CellDirective> References,
    IReadOnlyList<DirectiveProblem> Problems);
