namespace LessonKit.Display.Data;

/// <summary>The range of positions a view shows: all of them, or the last <c>max</c> of a longer sequence.</summary>
/// <param name="Start">The first position shown.</param>
/// <param name="Count">How many positions are shown.</param>
/// <param name="Total">How many positions there are.</param>
internal readonly record struct TokenWindow(int Start, int Count, int Total)
{
    /// <summary>One past the last position shown.</summary>
    public int End => Start + Count;

    /// <summary>Whether some positions are left out.</summary>
    public bool IsCut => Count < Total;

    /// <summary>The last <paramref name="max"/> of <paramref name="total"/> positions.</summary>
    public static TokenWindow Last(int total, int max) =>
        total <= max ? new TokenWindow(0, total, total) : new TokenWindow(total - max, max, total);

    /// <summary>The <paramref name="max"/> positions ending at <paramref name="lastShown"/> (inclusive).</summary>
    public static TokenWindow EndingAt(int lastShown, int total, int max)
    {
        int end = Math.Min(total, lastShown + 1);
        int start = Math.Max(0, end - max);
        return new TokenWindow(start, end - start, total);
    }

    /// <summary>A note such as "Showing the last 256 of 400 tokens (positions 144-399)."</summary>
    public string Note(string what) =>
        $"Showing {Count} of {Total} {what} (positions {Start}-{End - 1}); views stay responsive up to {ViewLimits.MaxTokens}.";
}
