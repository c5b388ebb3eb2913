using System.Collections.Concurrent;

namespace LessonKit.Hub;

/// <summary>
/// Paths in huggingface_hub's cache, so the Python tools and this kit share downloads:
/// <code>
/// {cache}/models--{owner}--{name}/
///     blobs/{etag}                          the file's bytes, named by ETag (sha256 for LFS files, git sha1 otherwise)
///     refs/{revision}                       the commit hash the revision (e.g. main) pointed to when last seen
///     snapshots/{commit}/{file}             a relative symlink to ../../blobs/{etag}
/// {cache}/.locks/models--{owner}--{name}/{etag}.lock    held while a blob is being downloaded
/// {cache}/CACHEDIR.TAG                  tells backup tools to skip the cache (the Cache Directory Tagging Specification)
/// </code>
/// huggingface_hub also writes <c>.no_exist/{commit}/{file}</c> (files it asked for that the repository lacks) and
/// names its partial files <c>blobs/{etag}.{8 hex}.incomplete</c>; both are left as they are here, and never read.
/// </summary>
internal sealed class HubCacheLayout
{
    private static readonly ConcurrentDictionary<string, bool> SymlinkSupportByFolder = new();
    private readonly bool? _forcedSymlinkSupport;

    public HubCacheLayout(string cacheDirectory, string repoId, bool? forcedSymlinkSupport = null)
    {
        CacheDirectory = cacheDirectory;
        RepoId = repoId;
        FolderName = "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);
        RepoFolder = Path.Combine(cacheDirectory, FolderName);
        _forcedSymlinkSupport = forcedSymlinkSupport;
    }

    public string CacheDirectory { get; }
    public string RepoId { get; }
    /// <summary><c>models--owner--name</c>, as huggingface_hub's <c>repo_folder_name</c>.</summary>
    public string FolderName { get; }
    public string RepoFolder { get; }

    public string BlobPath(string etag) => Path.Combine(RepoFolder, "blobs", etag);
    public string LockPath(string etag) => Path.Combine(CacheDirectory, ".locks", FolderName, etag + ".lock");
    public string SnapshotFolder(string commit) => Path.Combine(RepoFolder, "snapshots", commit);
    public string RefPath(string revision) => Path.Combine(RepoFolder, "refs", Path.Combine(revision.Split('/')));

    /// <summary>
    /// The first line of a <c>CACHEDIR.TAG</c>, fixed by the Cache Directory Tagging Specification
    /// (https://bford.info/cachedir/); huggingface_hub writes the same file.
    /// </summary>
    public const string CacheDirTagSignature = "Signature: 8a477f597d28d172789f06886806bc55";

    /// <summary>
    /// Creates <c>blobs/</c> and <c>snapshots/</c> before the first blob is written (huggingface_hub's
    /// <c>scan_cache_dir</c> calls a repository folder without <c>snapshots/</c> corrupted), and tags the cache
    /// folder with <c>CACHEDIR.TAG</c> if it has none.
    /// </summary>
    public void CreateFolders()
    {
        Directory.CreateDirectory(Path.Combine(RepoFolder, "blobs"));
        Directory.CreateDirectory(Path.Combine(RepoFolder, "snapshots"));
        string tag = Path.Combine(CacheDirectory, "CACHEDIR.TAG");
        if (File.Exists(tag)) return;
        try
        {
            File.WriteAllText(tag, CacheDirTagSignature + "\n" +
                "# This file is a cache directory tag: the Hugging Face Hub cache, shared by LessonKit and huggingface_hub.\n" +
                "# For information about cache directory tags see https://bford.info/cachedir/\n");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Only a hint for backup tools.
        }
    }

    /// <summary>Where a repository file appears in a snapshot (sub-folders of the repository become sub-folders here).</summary>
    public string PointerPath(string commit, string file) =>
        Path.Combine(SnapshotFolder(commit), Path.Combine(file.Split('/')));

    /// <summary>
    /// True when <paramref name="path"/> is a file whose content can be read: a regular file, or a symlink whose
    /// blob still exists. (<see cref="File.Exists"/> is true for a dangling symlink on Unix.)
    /// </summary>
    public static bool IsPresent(string path)
    {
        var info = new FileInfo(path);
        if (info.LinkTarget is null) return info.Exists;
        try
        {
            return info.ResolveLinkTarget(returnFinalTarget: true) is FileInfo { Exists: true };
        }
        catch (IOException)
        {
            return false; // a link loop
        }
    }

    /// <summary>The commit a revision points to: the revision itself when it is a commit hash, else the content of <c>refs/{revision}</c>.</summary>
    public string? ReadCommit(string revision)
    {
        if (HubNames.IsCommitHash(revision)) return revision;
        string refPath = RefPath(revision);
        if (!File.Exists(refPath)) return null;
        string commit = File.ReadAllText(refPath).Trim();
        return HubNames.IsSafeServerName(commit) ? commit : null;
    }

    /// <summary>Records which commit a branch or tag points to; skipped when the revision is already the commit or nothing changed.</summary>
    public void WriteRef(string revision, string commit)
    {
        if (revision == commit) return;
        string refPath = RefPath(revision);
        if (File.Exists(refPath) && File.ReadAllText(refPath) == commit) return;
        Directory.CreateDirectory(Path.GetDirectoryName(refPath)!);
        File.WriteAllText(refPath, commit); // no newline, as huggingface_hub writes it
    }

    /// <summary>
    /// Makes <paramref name="pointerPath"/> show the blob: a relative symlink as huggingface_hub makes. Where
    /// symlinks are not possible (Windows without developer mode, some network drives) it does what
    /// huggingface_hub does: a blob that was just downloaded is moved into the snapshot, an older one is copied.
    /// </summary>
    public void LinkIntoSnapshot(string blobPath, string pointerPath, bool newBlob)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(pointerPath)!);
        // A stale entry (for example a symlink to a blob deleted by hand) is replaced.
        if (File.Exists(pointerPath) || new FileInfo(pointerPath).LinkTarget is not null) File.Delete(pointerPath); // deletes the link, not its blob

        if (SymlinksSupported())
        {
            string relative = Path.GetRelativePath(Path.GetDirectoryName(pointerPath)!, blobPath);
            try
            {
                File.CreateSymbolicLink(pointerPath, relative);
                return;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Fall through to a real file.
            }
        }
        if (newBlob) File.Move(blobPath, pointerPath, overwrite: true);
        else File.Copy(blobPath, pointerPath, overwrite: true);
    }

    /// <summary>Probes once per cache folder whether a relative symlink can be made there (huggingface_hub's <c>are_symlinks_supported</c>).</summary>
    private bool SymlinksSupported()
    {
        if (_forcedSymlinkSupport is bool forced) return forced;
        return SymlinkSupportByFolder.GetOrAdd(CacheDirectory, static folder =>
        {
            string probe = Path.Combine(folder, ".symlink-probe-" + Guid.NewGuid().ToString("N"));
            try
            {
                Directory.CreateDirectory(probe);
                File.WriteAllText(Path.Combine(probe, "source"), "");
                File.CreateSymbolicLink(Path.Combine(probe, "link"), "source");
                return true;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or PlatformNotSupportedException)
            {
                return false;
            }
            finally
            {
                try { Directory.Delete(probe, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
            }
        });
    }
}
