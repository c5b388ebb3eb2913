namespace LessonKit.Tests.Surface;

/// <summary>The lines two sorted surface listings do not share: "- " for the approved one only, "+ " for the built one only.</summary>
internal static class ApiDiff
{
    /// <summary>One line per difference, in sorted order; empty when the listings hold the same lines.</summary>
    public static string Describe(string approved, string actual)
    {
        var before = Lines(approved);
        var after = Lines(actual);
        var removed = before.Except(after).Select(line => (Line: line, Text: "- " + line));
        var added = after.Except(before).Select(line => (Line: line, Text: "+ " + line));
        return string.Concat(removed.Concat(added)
            .OrderBy(change => change.Line, StringComparer.Ordinal)
            .Select(change => change.Text + "\n"));
    }

    private static HashSet<string> Lines(string listing) =>
        listing.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToHashSet(StringComparer.Ordinal);
}
