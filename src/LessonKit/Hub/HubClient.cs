namespace LessonKit.Hub;

/// <summary>
/// Downloads model files from the Hugging Face Hub into Hugging Face's own cache layout, so a model fetched here
/// is also found by Python's <c>transformers</c> / <c>huggingface_hub</c>, and the other way round.
/// <para>
/// A second load makes no request at all when the cache already holds every file. With <c>HF_HUB_OFFLINE=1</c>
/// only the cache is used. Interrupted downloads resume; every file is checked against the hash the Hub names it by
/// before it joins the cache, and damaged ones are thrown away. Failures are
/// <see cref="HubException"/>s whose messages say what to do.
/// </para>
/// </summary>
internal sealed class HubClient
{
    private readonly HubOptions _options;
    private readonly HubSettings _settings;
    private readonly HubHttp _http;

    /// <summary>Creates a client; settings not given in <paramref name="options"/> come from the environment (see <see cref="HubOptions"/>).</summary>
    public HubClient(HubOptions? options = null)
    {
        _options = options ?? new HubOptions();
        _settings = HubSettings.Resolve(_options);
        _http = new HubHttp(_settings, _options.Handler);
    }

    /// <summary>The Hub address: <c>HF_ENDPOINT</c> or <c>https://huggingface.co</c>.</summary>
    public string Endpoint => _settings.Endpoint;

    /// <summary>The cache folder: <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>.</summary>
    public string CacheDirectory => _settings.CacheDirectory;

    /// <summary>True when only the cache is used (<c>HF_HUB_OFFLINE=1</c>).</summary>
    public bool Offline => _settings.Offline;

    /// <summary>True when an access token (<c>HF_TOKEN</c>) will be sent to the Hub. The token itself is never exposed.</summary>
    public bool HasToken => _settings.Token is not null;

    /// <summary>How long a download waits for the server to answer or send more data before it counts as stalled.</summary>
    public TimeSpan Timeout => _settings.Timeout;

    /// <summary>How long to wait for the Hub's answer about a file (its commit and ETag).</summary>
    public TimeSpan MetadataTimeout => _settings.MetadataTimeout;

    /// <summary>
    /// Makes sure <paramref name="files"/> of model <paramref name="repoId"/> at <paramref name="revision"/> are in the
    /// cache, downloading only the missing ones, and returns the snapshot folder holding them
    /// (<c>{cache}/models--owner--name/snapshots/{commit}</c>).
    /// </summary>
    /// <param name="repoId">A Hub model name such as <c>gpt2</c> or <c>openai-community/gpt2</c>.</param>
    /// <param name="files">Files inside the repository, such as <c>config.json</c> and <c>model.safetensors</c>.</param>
    /// <param name="revision">Branch, tag or commit hash; default <c>main</c>.</param>
    /// <param name="progress">Receives progress; when null the default display writes to the console (see <see cref="HubOptions.ShowProgress"/>).</param>
    /// <param name="cancellationToken">Stops the download; what arrived so far is kept and resumed next time.</param>
    /// <exception cref="ArgumentException">An invalid model name, revision or file name.</exception>
    /// <exception cref="HubException">The files could not be obtained; the message says why and what to do.</exception>
    public async Task<string> DownloadModelAsync(string repoId, IReadOnlyList<string> files, string revision = "main",
        IProgress<DownloadProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        string repo = HubNames.NormalizeRepoId(repoId);
        HubNames.ValidateRevision(revision);
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0) throw new ArgumentException("The list of files to download is empty; name at least one, e.g. config.json.", nameof(files));
        string[] wanted = files.Select(HubNames.ValidateFileName).Distinct(StringComparer.Ordinal).ToArray();

        var layout = new HubCacheLayout(CacheDirectory, repo, _options.SymlinksSupported);
        if (FindInCache(layout, revision, wanted, out var missing) is { } cached) return cached;
        if (Offline) throw OfflineMiss(layout, revision, missing);

        var reporter = progress as DownloadProgressReporter ??
                       (progress is null && _options.ShowProgress ? DownloadProgressReporter.ForConsole(_options.ProgressWriter) : null);
        IProgress<DownloadProgress>? sink = progress ?? reporter;
        try
        {
            string folder = await DownloadMissingAsync(layout, revision, wanted, sink, reporter, cancellationToken).ConfigureAwait(false);
            reporter?.End(folder);
            return folder;
        }
        catch (HubException e)
        {
            reporter?.Interrupt();
            throw Redacted(e);
        }
        catch
        {
            reporter?.Interrupt();
            throw;
        }
    }

    /// <summary>Blocking version of <see cref="DownloadModelAsync"/> for notebook cells and scripts.</summary>
    public string DownloadModel(string repoId, IReadOnlyList<string> files, string revision = "main",
        IProgress<DownloadProgress>? progress = null) =>
        // Task.Run: never block on a synchronization context the async code might need.
        Task.Run(() => DownloadModelAsync(repoId, files, revision, progress)).GetAwaiter().GetResult();

    /// <summary>
    /// The snapshot folder when every file is already cached for <paramref name="revision"/>, else null.
    /// Makes no request.
    /// </summary>
    public string? FindCachedModel(string repoId, IReadOnlyList<string> files, string revision = "main")
    {
        var layout = new HubCacheLayout(CacheDirectory, HubNames.NormalizeRepoId(repoId), _options.SymlinksSupported);
        string[] wanted = files.Select(HubNames.ValidateFileName).ToArray();
        return FindInCache(layout, HubNames.ValidateRevision(revision), wanted, out _);
    }

    /// <summary>Describes the client without revealing the token.</summary>
    public override string ToString() =>
        $"HubClient {{ Endpoint = {Endpoint}, CacheDirectory = {CacheDirectory}, Offline = {Offline}, " +
        $"Token = {(HasToken ? "set (hidden)" : "none")}, Timeout = {Format.Duration(Timeout)} }}";

    private async Task<string> DownloadMissingAsync(HubCacheLayout layout, string revision, string[] files,
        IProgress<DownloadProgress>? progress, DownloadProgressReporter? reporter, CancellationToken cancellationToken)
    {
        // Leftovers of interrupted downloads (this kit's or Python's) that nobody can resume or is writing.
        CacheCleanup.Run(layout);

        // A commit hash pins the snapshot. A branch or tag is resolved by the first HEAD; the other files are then
        // asked for at that commit, so all files come from one snapshot even if the branch moves meanwhile.
        string? commit = HubNames.IsCommitHash(revision) ? revision : null;
        bool announced = false;
        foreach (string file in files)
        {
            if (commit is not null && HubCacheLayout.IsPresent(layout.PointerPath(commit, file))) continue;

            var request = new FileRequest(layout.RepoId, file, revision, _http.ResolveUrl(layout.RepoId, commit ?? revision, file));
            RemoteFile remote = await _http.GetMetadataAsync(request, cancellationToken).ConfigureAwait(false);
            if (commit is null)
            {
                commit = remote.Commit;
            }
            else if (remote.Commit != commit)
            {
                throw new HubException(HubErrorKind.BadResponse,
                    $"The Hub answered '{file}' of '{layout.RepoId}' with commit {remote.Commit}, though commit {commit} was asked for. " +
                    "Run the cell again; if it persists, check HF_ENDPOINT.");
            }

            string pointer = layout.PointerPath(commit, file);
            string blob = layout.BlobPath(remote.Etag);
            if (!HubCacheLayout.IsPresent(pointer))
            {
                if (File.Exists(blob))
                {
                    WriteCache(request, pointer, () => layout.LinkIntoSnapshot(blob, pointer, newBlob: false));
                }
                else
                {
                    if (!announced && reporter is not null)
                    {
                        int left = files.Count(f => !HubCacheLayout.IsPresent(layout.PointerPath(commit, f)));
                        reporter.Begin(layout.RepoId, Endpoint, left);
                    }
                    announced = true;
                    await DownloadBlobAsync(layout, request, remote, blob, pointer, progress, cancellationToken).ConfigureAwait(false);
                }
            }
            // Written only once the snapshot holds a file, so refs/ never names a commit without a snapshot folder
            // (huggingface_hub's scan_cache_dir calls that a corrupted cache).
            WriteCache(request, layout.RefPath(revision), () => layout.WriteRef(revision, commit));
        }
        return layout.SnapshotFolder(commit!);
    }

    private async Task DownloadBlobAsync(HubCacheLayout layout, FileRequest request, RemoteFile remote, string blob,
        string pointer, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string lockPath = layout.LockPath(remote.Etag);
        CacheLock held;
        try
        {
            layout.CreateFolders();
            held = await CacheLock.AcquireAsync(lockPath, () =>
            {
                if (_options.ShowProgress)
                    (_options.ProgressWriter ?? Console.Out).WriteLine($"  waiting: another process is downloading {request.FileName} into the cache");
            }, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BlobDownload.CannotWrite(_settings, request, lockPath, e);
        }

        using (held)
        {
            // Someone else may have finished this file while we waited for the lock.
            if (HubCacheLayout.IsPresent(pointer)) return;
            if (File.Exists(blob))
            {
                WriteCache(request, pointer, () => layout.LinkIntoSnapshot(blob, pointer, newBlob: false));
                return;
            }
            await BlobDownload.RunAsync(_http, _settings, _options, request, remote, blob, progress, cancellationToken).ConfigureAwait(false);
            WriteCache(request, pointer, () => layout.LinkIntoSnapshot(blob, pointer, newBlob: true));
        }
    }

    /// <summary>Runs a cache write, turning file-system errors into a <see cref="HubException"/> that names the path.</summary>
    private void WriteCache(FileRequest request, string path, Action write)
    {
        try
        {
            write();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw BlobDownload.CannotWrite(_settings, request, path, e);
        }
    }

    /// <summary>The snapshot folder if the revision's commit is known locally and every file is in its snapshot.</summary>
    private static string? FindInCache(HubCacheLayout layout, string revision, string[] files, out string[] missing)
    {
        string? commit = layout.ReadCommit(revision);
        if (commit is null)
        {
            missing = files;
            return null;
        }
        // A link to a deleted blob counts as missing.
        missing = files.Where(f => !HubCacheLayout.IsPresent(layout.PointerPath(commit, f))).ToArray();
        return missing.Length == 0 ? layout.SnapshotFolder(commit) : null;
    }

    private HubException OfflineMiss(HubCacheLayout layout, string revision, string[] missing)
    {
        string where = layout.ReadCommit(revision) is { } commit
            ? $"the cached snapshot {layout.SnapshotFolder(commit)} lacks {string.Join(", ", missing)}"
            : Directory.Exists(layout.RepoFolder)
                ? $"the cache folder {layout.RepoFolder} has no snapshot for revision '{revision}'"
                : $"there is no {layout.FolderName} folder in the cache ({CacheDirectory})";
        return new HubException(HubErrorKind.NotInOfflineCache,
            $"{_settings.OfflineReason}, so nothing is downloaded, and '{layout.RepoId}' is not fully in the cache: {where}. " +
            $"Either {(_settings.OfflineReason.StartsWith("HF_") ? "unset HF_HUB_OFFLINE" : "leave HubOptions.Offline unset")} and run once with a network connection so the files are cached, or copy a " +
            "checkpoint folder (config.json, model.safetensors, vocab.json and merges.txt) to this machine and pass its " +
            "path instead of the model name." + HubErrors.TryTheTinyCheckpoint());
    }

    /// <summary>Belt and braces: no message leaves this class with the token in it (a server could echo it).</summary>
    private HubException Redacted(HubException e)
    {
        if (_settings.Token is not { } token || !e.Message.Contains(token, StringComparison.Ordinal)) return e;
        return new HubException(e.Kind, e.Message.Replace(token, "***", StringComparison.Ordinal), e.InnerException)
        { StatusCode = e.StatusCode };
    }
}
