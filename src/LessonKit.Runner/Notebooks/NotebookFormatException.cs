namespace LessonKit.Runner.Notebooks;

/// <summary>A file could not be read as a notebook. The message names the file and what is wrong.</summary>
public sealed class NotebookFormatException(string path, string reason, Exception? inner = null)
    : Exception($"{path}: {reason}", inner)
{
    /// <summary>The file.</summary>
    public string FilePath { get; } = path;

    /// <summary>What is wrong, without the file name.</summary>
    public string Reason { get; } = reason;
}
