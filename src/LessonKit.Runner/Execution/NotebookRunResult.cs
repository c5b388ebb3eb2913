namespace LessonKit.Runner.Execution;

/// <summary>The result of running one notebook.</summary>
/// <param name="NotebookPath">The notebook that ran.</param>
/// <param name="Status">Succeeded when every code cell ran; otherwise how the failing cell ended.</param>
/// <param name="CodeCells">How many code cells the notebook has.</param>
/// <param name="CellsSucceeded">How many of them ran without error.</param>
/// <param name="FailedCell">The number of the cell that failed (counting all cells from 1), or null.</param>
/// <param name="ExecutedNotebookPath">Where the executed notebook was written, or null when nothing was written.</param>
/// <param name="HtmlPath">Where the HTML page was written, or null.</param>
public sealed record NotebookRunResult(
    string NotebookPath,
    CellStatus Status,
    int CodeCells,
    int CellsSucceeded,
    int? FailedCell,
    string? ExecutedNotebookPath,
    string? HtmlPath);
