namespace LessonKit.Runtime;

/// <summary>Reads which files the current process has mapped into memory (Linux <c>/proc/self/maps</c>).</summary>
internal static class ProcessMemoryMap
{
    /// <summary>
    /// The distinct files mapped into the current process, in order of first appearance (empty when
    /// <c>/proc/self/maps</c> cannot be read, e.g. not on Linux).
    /// </summary>
    public static IReadOnlyList<string> MappedFiles()
    {
        try
        {
            return ParseMappedFiles(File.ReadLines("/proc/self/maps"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }

    /// <summary>
    /// Extracts the file paths from lines in <c>/proc/&lt;pid&gt;/maps</c> format:
    /// <c>address perms offset dev inode pathname</c>. Anonymous and special mappings (<c>[heap]</c>) are skipped.
    /// </summary>
    internal static IReadOnlyList<string> ParseMappedFiles(IEnumerable<string> lines)
    {
        var files = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines)
        {
            var fields = line.Split(' ', 6, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (fields.Length < 6 || !fields[5].StartsWith('/'))
            {
                continue;
            }
            string path = fields[5].EndsWith(" (deleted)", StringComparison.Ordinal) ? fields[5][..^" (deleted)".Length] : fields[5];
            if (seen.Add(path))
            {
                files.Add(path);
            }
        }
        return files;
    }
}
