namespace LessonKit.Tests.Hub;

/// <summary>
/// The checks huggingface_hub makes when it reads a cache, restated in C# (the Python package is not on this
/// machine): <c>try_to_load_from_cache</c> (file_download.py), which <c>transformers</c> uses to find a file without
/// a request, and <c>_scan_cached_repo</c> (utils/_cache_manager.py), behind <c>scan_cache_dir</c> and
/// <c>hf cache scan</c>, which calls a repository folder corrupted when any of these fail. A cache LessonKit wrote must
/// pass them so Python finds and trusts it.
/// </summary>
internal static class HuggingFaceCacheChecks
{
    /// <summary>Files the scan skips (huggingface_hub's <c>FILES_TO_IGNORE</c>).</summary>
    private static readonly string[] FilesToIgnore = [".DS_Store"];

    /// <summary>What <c>try_to_load_from_cache</c> answers.</summary>
    public abstract record Lookup
    {
        public sealed record Found(string Path) : Lookup;
        /// <summary>The cache records that the file does not exist at that commit (<c>_CACHED_NO_EXIST</c>).</summary>
        public sealed record CachedNoExist : Lookup;
        public sealed record NotCached : Lookup;
    }

    /// <summary>
    /// <c>try_to_load_from_cache(repo_id, filename, cache_dir, revision)</c>: the revision is read from
    /// <c>refs/{revision}</c> as it is (no trimming), then <c>.no_exist/{commit}/{file}</c>, then the snapshot.
    /// </summary>
    public static Lookup TryToLoadFromCache(string cacheDirectory, string repoId, string fileName, string revision = "main")
    {
        string repoCache = Path.Combine(cacheDirectory, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
        if (!Directory.Exists(repoCache)) return new Lookup.NotCached();
        string refs = Path.Combine(repoCache, "refs");
        string snapshots = Path.Combine(repoCache, "snapshots");
        if (Directory.Exists(refs))
        {
            string revisionFile = Path.Combine(refs, revision);
            if (File.Exists(revisionFile)) revision = File.ReadAllText(revisionFile);
        }
        if (File.Exists(Path.Combine(repoCache, ".no_exist", revision, fileName))) return new Lookup.CachedNoExist();
        if (!Directory.Exists(snapshots)) return new Lookup.NotCached();
        if (!Directory.GetFileSystemEntries(snapshots).Select(Path.GetFileName).Contains(revision)) return new Lookup.NotCached();
        string cached = Path.Combine(snapshots, revision, fileName);
        return IsFile(cached) ? new Lookup.Found(cached) : new Lookup.NotCached();
    }

    /// <summary>
    /// <c>_scan_cached_repo</c> for every <c>models--*</c> folder in the cache: the problems it would raise as
    /// <c>CorruptedCacheException</c>, empty when the cache is sound.
    /// </summary>
    public static IReadOnlyList<string> Scan(string cacheDirectory)
    {
        var problems = new List<string>();
        foreach (string repo in Directory.GetDirectories(cacheDirectory).Where(d => !Path.GetFileName(d).StartsWith('.')))
            problems.AddRange(ScanRepo(repo));
        return problems;
    }

    public static IReadOnlyList<string> ScanRepo(string repoPath)
    {
        var problems = new List<string>();
        string name = Path.GetFileName(repoPath);
        if (!Directory.Exists(repoPath)) return [$"Repo path is not a directory: {repoPath}"];
        if (!name.Contains("--", StringComparison.Ordinal)) return [$"Repo path is not a valid HuggingFace cache directory: {repoPath}"];
        string type = name[..name.IndexOf("--", StringComparison.Ordinal)][..^1];
        if (type is not ("dataset" or "model" or "space")) return [$"Repo type must be dataset, model or space, found {type}"];

        string snapshots = Path.Combine(repoPath, "snapshots");
        string refs = Path.Combine(repoPath, "refs");
        if (!Directory.Exists(snapshots)) return [$"Snapshots dir doesn't exist in cached repo: {snapshots}"];

        var refsByCommit = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        if (File.Exists(refs)) return [$"Refs directory cannot be a file: {refs}"];
        if (Directory.Exists(refs))
        {
            foreach (string refFile in Directory.GetFiles(refs, "*", SearchOption.AllDirectories))
            {
                if (FilesToIgnore.Contains(Path.GetFileName(refFile))) continue;
                string commit = File.ReadAllText(refFile); // read as it is: a trailing newline would be part of the hash
                if (!refsByCommit.TryGetValue(commit, out var names)) refsByCommit[commit] = names = [];
                names.Add(Path.GetRelativePath(refs, refFile));
            }
        }

        foreach (string revision in Directory.GetFileSystemEntries(snapshots))
        {
            if (FilesToIgnore.Contains(Path.GetFileName(revision))) continue;
            if (IsFile(revision))
            {
                problems.Add($"Snapshots folder corrupted. Found a file: {revision}");
                continue;
            }
            foreach (string file in Directory.GetFileSystemEntries(revision, "*", SearchOption.AllDirectories))
            {
                if (Directory.Exists(file)) continue;
                if (!IsFile(file)) problems.Add($"Blob missing (broken symlink): {file}");
            }
            refsByCommit.Remove(Path.GetFileName(revision));
        }
        if (refsByCommit.Count > 0)
            problems.Add($"Reference(s) refer to missing commit hashes: {string.Join(", ", refsByCommit.Select(r => $"{r.Key} ({string.Join(", ", r.Value)})"))}");
        return problems;
    }

    /// <summary>Python's <c>os.path.isfile</c>: follows symlinks; false for a dangling one.</summary>
    private static bool IsFile(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info.Exists;
        return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
    }
}
