using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Checking;

/// <summary>
/// Removes outputs and execution counts from notebooks in place, changing nothing else: key order, indentation,
/// line endings and every other byte stay as they were (Jupyter/VS Code style).
/// </summary>
public static class NotebookStripper
{
    /// <summary>Strips one file; returns how many cells changed (0 leaves the file untouched).</summary>
    /// <exception cref="NotebookFormatException">The file is not a notebook.</exception>
    public static int Strip(string path)
    {
        var notebook = Notebook.Load(path);
        var changed = notebook.Cells.Count(cell => cell.ClearOutputs());
        if (changed > 0) notebook.Save(path);
        return changed;
    }
}
