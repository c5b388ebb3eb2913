namespace LessonKit.Hub;

/// <summary>
/// How far the download of one file has got. Reported when a file starts, a few times per second while it
/// downloads, and once more (with <see cref="Completed"/> set) after it was verified and stored.
/// </summary>
/// <param name="FileName">The file inside the repository, e.g. <c>model.safetensors</c>.</param>
/// <param name="BytesDone">Bytes on disk so far, including any resumed from an earlier, interrupted download.</param>
/// <param name="BytesTotal">The file's size, when the Hub announced it.</param>
/// <param name="BytesPerSecond">Average speed of this download so far (resumed bytes not counted).</param>
/// <param name="TimeLeft">Estimated time to finish at that speed, when it can be estimated.</param>
internal sealed record DownloadProgress(string FileName, long BytesDone, long? BytesTotal, double BytesPerSecond, TimeSpan? TimeLeft)
{
    /// <summary>True on the last report for a file: it is complete, verified and in the cache.</summary>
    public bool Completed { get; init; }

    /// <summary>Time spent on this file so far.</summary>
    public TimeSpan Elapsed { get; init; }

    /// <summary>Fraction done between 0 and 1, when the size is known.</summary>
    public double? Fraction => BytesTotal is long total && total > 0 ? Math.Min(1.0, (double)BytesDone / total) : null;
}
