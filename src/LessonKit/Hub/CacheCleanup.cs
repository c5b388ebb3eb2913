using System.Text.RegularExpressions;

namespace LessonKit.Hub;

/// <summary>
/// Removes what interrupted downloads leave in one repository's cache folder, without ever touching a file another
/// process is writing:
/// <list type="bullet">
/// <item><c>blobs/{etag}.incomplete</c> (LessonKit's, and older huggingface_hub's, resumable partial file): removed
/// once its blob is complete (nothing left to resume) or when it has not been written for a day.</item>
/// <item><c>blobs/{etag}.{8 hex}.incomplete</c> (huggingface_hub's per-process temporary file, never resumed):
/// removed when it has not been written for an hour; a live download writes every few seconds.</item>
/// <item><c>.locks/models--…/{etag}.lock</c>: removed when it is a day old and no partial file of that blob is
/// left.</item>
/// </list>
/// Every removal happens while holding the blob's lock, which every downloader (LessonKit and huggingface_hub)
/// holds while writing; a lock that is busy means the files stay. The idle times guard file systems where locks
/// silently do nothing. Failures are ignored: cleaning is a courtesy, never a reason for a download to fail.
/// </summary>
internal static partial class CacheCleanup
{
    /// <summary>A resumable partial file or a lock file older than this is stale.</summary>
    public static readonly TimeSpan StaleAfter = TimeSpan.FromDays(1);

    /// <summary>A per-process temporary file (never resumable) not written for this long belongs to a dead process.</summary>
    public static readonly TimeSpan DeadTemporaryAfter = TimeSpan.FromHours(1);

    private const string PartialSuffix = ".incomplete";
    private const string LockSuffix = ".lock";

    /// <summary>huggingface_hub's <c>{etag}.{uuid4().hex[:8]}.incomplete</c>: the etag, a dot, eight hex digits.</summary>
    [GeneratedRegex("^(?<etag>[0-9a-f]{40}|[0-9a-f]{64})\\.[0-9a-f]{8}$")]
    private static partial Regex PerProcessTemporary();

    /// <summary>Cleans the folder of <paramref name="layout"/>'s repository; returns the paths it removed.</summary>
    public static IReadOnlyList<string> Run(HubCacheLayout layout, DateTime? nowUtc = null)
    {
        DateTime now = nowUtc ?? DateTime.UtcNow;
        var removed = new List<string>();
        try
        {
            string blobs = Path.Combine(layout.RepoFolder, "blobs");
            string locks = Path.GetDirectoryName(layout.LockPath("x"))!;
            var partialsByEtag = (Directory.Exists(blobs) ? Directory.GetFiles(blobs, "*" + PartialSuffix) : [])
                .GroupBy(EtagOfPartial)
                .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
            var lockEtags = (Directory.Exists(locks) ? Directory.GetFiles(locks, "*" + LockSuffix) : [])
                .Select(p => Path.GetFileName(p)[..^LockSuffix.Length]);

            foreach (string etag in partialsByEtag.Keys.Union(lockEtags, StringComparer.Ordinal))
            {
                if (!HubNames.IsSafeServerName(etag)) continue;
                string[] partials = partialsByEtag.GetValueOrDefault(etag) ?? [];
                bool blobComplete = File.Exists(layout.BlobPath(etag));
                string[] stale = partials.Where(p => IsStalePartial(p, etag, blobComplete, now)).ToArray();
                string lockPath = layout.LockPath(etag);
                bool lockStale = File.Exists(lockPath) && now - File.GetLastWriteTimeUtc(lockPath) > StaleAfter;
                bool removeLock = lockStale && stale.Length == partials.Length;
                if (stale.Length == 0 && !removeLock) continue;

                // Held by a download right now: leave everything of this blob alone. The lock file is removed only
                // when it existed and was stale; a lock file made here just to clean is removed again too.
                bool lockExisted = File.Exists(lockPath);
                if (!lockExisted) Directory.CreateDirectory(locks);
                using var held = CacheLock.TryAcquire(lockPath, deleteOnRelease: removeLock || !lockExisted);
                if (held is null) continue;
                foreach (string partial in stale)
                {
                    if (TryDelete(partial)) removed.Add(partial);
                }
                if (removeLock) removed.Add(lockPath);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A courtesy only: a folder that cannot be listed or a file that cannot be removed stays.
        }
        return removed;
    }

    /// <summary>The blob a partial file belongs to: <c>{etag}.incomplete</c> or <c>{etag}.{8 hex}.incomplete</c>.</summary>
    private static string EtagOfPartial(string path)
    {
        string stem = Path.GetFileName(path)[..^PartialSuffix.Length];
        return PerProcessTemporary().Match(stem) is { Success: true } m ? m.Groups["etag"].Value : stem;
    }

    private static bool IsStalePartial(string path, string etag, bool blobComplete, DateTime now)
    {
        TimeSpan idle = now - File.GetLastWriteTimeUtc(path);
        bool resumable = Path.GetFileName(path) == etag + PartialSuffix;
        return resumable
            ? blobComplete || idle > StaleAfter
            : idle > DeadTemporaryAfter;
    }

    private static bool TryDelete(string path)
    {
        try
        {
            File.Delete(path);
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
