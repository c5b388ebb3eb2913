using System.Buffers;
using System.Net;
using System.Security.Cryptography;
using System.Text;

namespace LessonKit.Hub;

/// <summary>
/// Downloads one blob into <c>blobs/{etag}.incomplete</c>, resuming with an HTTP <c>Range</c> request where an
/// earlier attempt stopped, then checks it before it is renamed to <c>blobs/{etag}</c>: its size when the Hub
/// announced one, and its content whenever the ETag names it (the SHA-256 of an LFS file, the git blob SHA-1 of a
/// file kept in git). So the cache never holds a half, damaged or still-compressed blob: a failed check deletes the
/// partial file; a broken connection keeps it for the next resume. A signed CDN link that expires mid-download is
/// renewed through the Hub and the download goes on from the partial file.
/// </summary>
internal sealed class BlobDownload : IDisposable
{
    private const int BufferSize = 256 * 1024;

    /// <summary>How many fresh CDN links one download may ask the Hub for (each after the previous one made progress).</summary>
    private const int MaxLinkRenewals = 10;

    private readonly HubHttp _http;
    private readonly HubSettings _settings;
    private readonly HubOptions _options;
    private readonly FileRequest _request;
    private readonly string _partialPath;
    private readonly Stream _file;
    private readonly IncrementalHash? _sha256;
    private RemoteFile _remote;
    private long _written;
    private long? _expected;
    /// <summary>Set once a server answered a range request with compressed bytes: from then on every attempt starts at 0.</summary>
    private bool _rangesUnusable;

    private BlobDownload(HubHttp http, HubSettings settings, HubOptions options, FileRequest request, RemoteFile remote,
        string partialPath, Stream file)
    {
        _http = http;
        _settings = settings;
        _options = options;
        _request = request;
        _remote = remote;
        _partialPath = partialPath;
        _file = file;
        _expected = remote.Size;
        _sha256 = HubNames.IsSha256(remote.Etag) ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
    }

    /// <summary>Downloads <paramref name="remote"/> to <paramref name="blobPath"/>, reporting progress on the way.</summary>
    public static async Task RunAsync(HubHttp http, HubSettings settings, HubOptions options, FileRequest request,
        RemoteFile remote, string blobPath, IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        string partialPath = blobPath + ".incomplete";
        Stream file;
        try
        {
            file = options.OpenPartialFile?.Invoke(partialPath) ?? new FileStream(partialPath, new FileStreamOptions
            {
                Mode = FileMode.OpenOrCreate,
                Access = FileAccess.ReadWrite,
                Share = FileShare.Read,
                BufferSize = 0, // unbuffered: what is on disk is exactly what was written, also after a failed write
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw CannotWrite(settings, request, partialPath, e);
        }

        using var download = new BlobDownload(http, settings, options, request, remote, partialPath, file);
        try
        {
            await download.RunAsync(progress, cancellationToken).ConfigureAwait(false);
            File.Move(partialPath, blobPath, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Network errors never get here (they are retried or turned into HubExceptions): this is the disk.
            throw IsDiskFull(e) ? download.DiskFull(e) : CannotWrite(settings, request, partialPath, e);
        }
        catch (HubException)
        {
            download.DeleteIfEmpty(); // a failure before the first byte leaves no empty partial file behind
            throw;
        }
        download.Tracker?.Complete(download._written);
    }

    private ProgressTracker? Tracker { get; set; }

    private async Task RunAsync(IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        await PrepareResumeAsync(cancellationToken).ConfigureAwait(false);
        Tracker = new ProgressTracker(_request.FileName, _written, progress);
        Tracker.Update(_written, _expected, force: true);

        int failures = 0;
        int renewals = 0;
        long? renewedAt = null; // bytes on disk when the current link was handed out
        while (await TryTransferAsync(cancellationToken).ConfigureAwait(false) is { } failure)
        {
            if (failure is LinkRefused refused)
            {
                // A fresh link refused before a single new byte: not an expiry, the file server (or something on
                // the way to it) says no.
                if (renewedAt == _written || renewals == MaxLinkRenewals) throw FileServerRefused(refused, renewals);
                await RenewLinkAsync(cancellationToken).ConfigureAwait(false);
                renewals++;
                renewedAt = _written;
                continue;
            }
            failures++;
            if (failures > _options.MaxRetries) throw GaveUp(failures, failure);
            await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
        }
        Tracker.Update(_written, _expected, force: true);
        await VerifyAsync(cancellationToken).ConfigureAwait(false);
        _file.Dispose(); // closed before the rename (Windows cannot rename an open file)
    }

    /// <summary>Picks up bytes left by an interrupted download: their hash is taken so the check covers the whole file.</summary>
    private async Task PrepareResumeAsync(CancellationToken cancellationToken)
    {
        _written = _file.Length;
        if (_expected is long expected && _written > expected) StartOver(); // cannot be a prefix of this blob
        if (_sha256 is not null && _written > 0)
        {
            _file.Position = 0;
            await HashFileAsync(_sha256, cancellationToken).ConfigureAwait(false);
        }
        _file.Position = _written;
        if (_expected is long total) EnsureFreeSpace(total - _written);
    }

    /// <summary>
    /// Asks the Hub again where the file is (its signed CDN link expired) and carries on from the partial file.
    /// When the Hub itself refuses, that is a real access problem and its message says so.
    /// </summary>
    private async Task RenewLinkAsync(CancellationToken cancellationToken)
    {
        // Pinned to the commit, so the fresh link is for the same file even if the branch moved meanwhile.
        var again = _request with { Url = _http.ResolveUrl(_request.RepoId, _remote.Commit, _request.FileName) };
        RemoteFile fresh = await _http.GetMetadataAsync(again, cancellationToken).ConfigureAwait(false);
        if (fresh.Etag != _remote.Etag)
            throw new HubException(HubErrorKind.BadResponse,
                $"Asked again for '{_request.FileName}' of '{_request.RepoId}' at commit {_remote.Commit}, the Hub named it " +
                $"{fresh.Etag} instead of {_remote.Etag}. The {Format.Bytes(_written)} already downloaded are kept in " +
                $"{_partialPath}. Run the cell again; if it persists, check HF_ENDPOINT.");
        _remote = _remote with { DownloadUrl = fresh.DownloadUrl };
    }

    /// <summary>
    /// One GET from the current position to the end. Returns null when the file is complete, or the problem that
    /// stopped it when another attempt may help (connection dropped, stalled, server briefly failing, CDN link
    /// expired). Errors no retry can fix are thrown.
    /// </summary>
    private async Task<Exception?> TryTransferAsync(CancellationToken cancellationToken)
    {
        if (_expected is long wanted && _written == wanted) return null;
        if (_rangesUnusable && _written > 0) StartOver();

        // One timer for the attempt, restarted before every read: a stalled connection fails after Timeout.
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(_settings.Timeout);
        HttpResponseMessage response;
        Uri from;
        try
        {
            (response, from) = await _http.GetAsync(_remote.DownloadUrl, _written, timer.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Stalled();
        }
        catch (HttpRequestException e)
        {
            return e;
        }

        using (response)
        {
            string[] encodings = ContentDecoding.Encodings(response);
            if (AcceptResponse(response, from, encodings) is { } refused) return refused;
            if (_expected is long total) EnsureFreeSpace(total - _written);

            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                Stream body;
                try
                {
                    body = await response.Content.ReadAsStreamAsync(timer.Token).ConfigureAwait(false);
                }
                catch (Exception e) when (e is IOException or HttpRequestException)
                {
                    return e;
                }
                await using Stream decoded = ContentDecoding.Decode(body, encodings);
                while (true)
                {
                    timer.CancelAfter(_settings.Timeout);
                    int n;
                    try
                    {
                        n = await decoded.ReadAsync(buffer.AsMemory(0, BufferSize), timer.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return Stalled();
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        return e;
                    }
                    catch (InvalidDataException e)
                    {
                        throw Corrupted($"the server sent it {string.Join(" + ", encodings)}-compressed, and the compressed data is damaged ({e.Message})");
                    }
                    if (n == 0) break;
                    if (_expected is long limit && _written + n > limit)
                        throw Corrupted($"the server sent more than the {Format.Count(limit)} bytes the Hub announced");
                    await WriteAsync(buffer, n, cancellationToken).ConfigureAwait(false);
                    Tracker!.Update(_written, _expected);
                }
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return Stalled();
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }

        if (_expected is long expected && _written < expected)
            return new IOException($"the connection closed after {Format.Bytes(_written)} of {Format.Bytes(expected)}");
        return null;
    }

    /// <summary>
    /// Checks the answer to a (possibly ranged) GET. A server that ignores the range sends the whole file again,
    /// so the partial file is emptied first; compressed bytes are accepted only when they can be decoded, and
    /// only from the start of the file; a 401/403 from the CDN (not the Hub) is an expired link, to be renewed;
    /// HTTP errors that another try will not fix are thrown.
    /// </summary>
    private Exception? AcceptResponse(HttpResponseMessage response, Uri from, string[] encodings)
    {
        if (response.IsSuccessStatusCode && encodings.Length > 0)
        {
            if (ContentDecoding.Unsupported(encodings) is { } unknown) throw CannotDecode(unknown, from);
            if (response.StatusCode == HttpStatusCode.PartialContent)
            {
                // A range of compressed bytes cannot be decoded on its own: fetch the whole file, without ranges.
                _rangesUnusable = true;
                StartOver();
                return new IOException($"the server sent a {string.Join(" + ", encodings)}-compressed part of the file; starting over without resuming");
            }
        }
        switch (response.StatusCode)
        {
            case HttpStatusCode.PartialContent:
                var range = response.Content.Headers.ContentRange;
                if (range?.From != _written)
                {
                    string asked = Format.Count(_written);
                    StartOver();
                    return new IOException(
                        $"the server sent bytes from {range?.From?.ToString() ?? "an unknown position"} instead of {asked}; starting over");
                }
                _expected ??= range.Length;
                return null;
            case HttpStatusCode.OK:
                if (_written > 0) StartOver();
                // A compressed answer's Content-Length counts compressed bytes: the size stays unknown (checked by hash).
                if (encodings.Length == 0) _expected ??= response.Content.Headers.ContentLength;
                return null;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                StartOver();
                return new IOException("the server could not resume (HTTP 416); starting over");
            case HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden when !_http.IsHub(from):
                // Signed CDN links expire (after an hour on huggingface.co); the CDN then answers 403.
                return new LinkRefused((int)response.StatusCode, response.ReasonPhrase, from);
            default:
                if (HubErrors.IsTransient(response.StatusCode))
                    return new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                throw HubErrors.ForStatus(response, _request with { Url = from }, _http.SendsTokenTo(from));
        }
    }

    /// <summary>The CDN refused the download link: it probably expired while the file was downloading.</summary>
    private sealed class LinkRefused(int status, string? reason, Uri from) : Exception($"HTTP {status} {reason} from {from.GetLeftPart(UriPartial.Path)}")
    {
        public int Status { get; } = status;
        public Uri From { get; } = from;
    }

    private async Task WriteAsync(byte[] buffer, int count, CancellationToken cancellationToken)
    {
        try
        {
            await _file.WriteAsync(buffer.AsMemory(0, count), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Keep what reached the disk: it is a correct prefix of the file, and the next run resumes after it.
            _written = SafeLength();
            throw IsDiskFull(e) ? DiskFull(e) : CannotWrite(_settings, _request, _partialPath, e);
        }
        _sha256?.AppendData(buffer, 0, count);
        _written += count;
    }

    /// <summary>
    /// The size must match what the Hub announced, and the content the ETag names: the SHA-256 for a 64-hex ETag
    /// (LFS files), git's blob id <c>sha1("blob {size}\0" + content)</c> for a 40-hex ETag (files kept in git, such
    /// as config.json). Otherwise the bytes are thrown away.
    /// </summary>
    private async Task VerifyAsync(CancellationToken cancellationToken)
    {
        if (_expected is long expected && _written != expected)
            throw Corrupted($"{Format.Count(_written)} bytes arrived but the Hub announced {Format.Count(expected)}");
        if (_sha256 is not null)
        {
            string actual = Convert.ToHexStringLower(_sha256.GetHashAndReset());
            if (actual != _remote.Etag)
                throw Corrupted($"its SHA-256 is {actual} but the Hub says it is {_remote.Etag}");
        }
        else if (HubNames.IsGitBlobId(_remote.Etag))
        {
            // The header needs the final size, which a compressed answer only tells at the end: hash from the disk.
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {_written}\0"));
            _file.Position = 0;
            await HashFileAsync(sha1, cancellationToken).ConfigureAwait(false);
            string actual = Convert.ToHexStringLower(sha1.GetHashAndReset());
            if (actual != _remote.Etag)
                throw Corrupted($"its git blob SHA-1 is {actual} but the Hub says it is {_remote.Etag}");
        }
    }

    /// <summary>Feeds the partial file from its current position to its end into <paramref name="hash"/>.</summary>
    private async Task HashFileAsync(IncrementalHash hash, CancellationToken cancellationToken)
    {
        byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            int n;
            while ((n = await _file.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                hash.AppendData(buffer, 0, n);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private void DeleteIfEmpty()
    {
        if (!File.Exists(_partialPath) || SafeLength() != 0) return;
        _file.Dispose();
        try { File.Delete(_partialPath); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
    }

    private void StartOver()
    {
        _file.SetLength(0);
        _file.Position = 0;
        _written = 0;
        _sha256?.GetHashAndReset();
    }

    private void EnsureFreeSpace(long needed)
    {
        if (needed <= 0) return;
        long? free = _options.FreeSpaceProbe is { } probe ? probe(_settings.CacheDirectory) : FreeSpace(_settings.CacheDirectory);
        if (free is long available && available < needed)
            throw new HubException(HubErrorKind.DiskWrite,
                $"Not enough disk space for '{_request.FileName}' of '{_request.RepoId}': it needs {Format.Bytes(needed)} more " +
                $"but only {Format.Bytes(available)} is free on the disk holding the cache ({_settings.CacheDirectory}). " +
                "Free some space, or set HF_HUB_CACHE to a folder on a bigger disk, and run the cell again.");
    }

    private static long? FreeSpace(string folder)
    {
        try
        {
            return new DriveInfo(folder).AvailableFreeSpace;
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException)
        {
            return null; // unknown: let the download try
        }
    }

    private long SafeLength()
    {
        try { return _file.Length; }
        catch (Exception e) when (e is IOException or ObjectDisposedException) { return _written; }
    }

    private TimeoutException Stalled() =>
        new($"the server sent nothing for {Format.Duration(_settings.Timeout)}");

    /// <summary>ENOSPC / EDQUOT on Unix, ERROR_DISK_FULL / ERROR_HANDLE_DISK_FULL on Windows.</summary>
    internal static bool IsDiskFull(Exception e) =>
        e.HResult is 28 or 122 or unchecked((int)0x80070070) or unchecked((int)0x80070027);

    private HubException DiskFull(Exception e)
    {
        long remaining = _expected is long total ? total - _written : 0;
        string need = remaining > 0 ? $"at least {Format.Bytes(remaining)}" : "some space";
        return new HubException(HubErrorKind.DiskWrite,
            $"The disk is full: '{_request.FileName}' of '{_request.RepoId}' does not fit in the cache at {_settings.CacheDirectory}. " +
            $"The {Format.Bytes(_written)} already downloaded are kept in {_partialPath} and the download resumes from there: " +
            $"free {need} and run the cell again. (Or set HF_HUB_CACHE to a folder on a bigger disk; the download then " +
            "starts over there and you can delete the partial file.)", e);
    }

    internal static HubException CannotWrite(HubSettings settings, FileRequest request, string path, Exception e) =>
        new(HubErrorKind.DiskWrite,
            $"Could not write '{request.FileName}' of '{request.RepoId}' to {path}: {e.Message} " +
            $"Check that the cache folder {settings.CacheDirectory} is writable and has free space, or set HF_HUB_CACHE " +
            "to a folder you can write to.", e);

    private HubException Corrupted(string what)
    {
        _file.Dispose();
        File.Delete(_partialPath);
        return new HubException(HubErrorKind.Corrupted,
            $"The download of '{_request.FileName}' of '{_request.RepoId}' is damaged: {what}. The damaged download was " +
            $"deleted ({_partialPath}) and nothing was added to the cache. Run the cell again to download it afresh; " +
            "if it happens again, something between you and the Hub (a proxy, an antivirus, or the mirror set in " +
            "HF_ENDPOINT) is changing the file.");
    }

    /// <summary>A compression this client cannot undo: refused before any of it reaches the cache.</summary>
    private HubException CannotDecode(string encoding, Uri from) =>
        new(HubErrorKind.BadResponse,
            $"'{_request.FileName}' of '{_request.RepoId}' arrived compressed as '{encoding}' (Content-Encoding) from " +
            $"{from.GetLeftPart(UriPartial.Authority)}, although LessonKit asked for the file as it is; LessonKit decodes gzip, " +
            "deflate and br only, so nothing was stored. Something between you and the Hub (a proxy or the mirror set in " +
            "HF_ENDPOINT) compresses downloads: ask for it to pass them unchanged, or set HTTPS_PROXY / HF_ENDPOINT to one that does.");

    /// <summary>The CDN refused a link the Hub had just handed out: not an expiry.</summary>
    private HubException FileServerRefused(LinkRefused refused, int renewals)
    {
        string kept = _written > 0
            ? $" The {Format.Bytes(_written)} already downloaded are kept in {_partialPath}; the next run resumes from there."
            : "";
        string why = renewals == MaxLinkRenewals
            ? $"after {renewals} fresh download links from the Hub, each of which expired before the file was complete"
            : "even a fresh download link the Hub had just handed out";
        return new HubException(HubErrorKind.AccessDenied,
            $"The Hub found '{_request.FileName}' of '{_request.RepoId}', but its file server refused the download ({refused.Message}) " +
            $"{why}. The Hub itself gave access, so this is not about HF_TOKEN: a proxy or firewall may block " +
            $"{refused.From.Host}, or the computer's clock may be far off (signed links carry an expiry time).{kept} " +
            "Check the connection to that host and run the cell again.")
        { StatusCode = refused.Status };
    }

    private HubException GaveUp(int failures, Exception lastFailure)
    {
        string received = _expected is long total
            ? $"{Format.Bytes(_written)} of {Format.Bytes(total)} received"
            : $"{Format.Bytes(_written)} received";
        string what = lastFailure is TimeoutException
            ? $"The download of '{_request.FileName}' of '{_request.RepoId}' stalled {failures} times in a row " +
              $"({lastFailure.Message}; {received})."
            : $"The connection broke off {failures} times while downloading '{_request.FileName}' of '{_request.RepoId}' " +
              $"({received}; last problem: {HubErrors.Describe(lastFailure)}).";
        string keep = _written > 0
            ? $" What arrived is kept in {_partialPath}; run the cell again to resume from there (the file joins the cache only once it is complete and verified)."
            : " Run the cell again to retry.";
        return new HubException(lastFailure is TimeoutException ? HubErrorKind.TimedOut : HubErrorKind.Interrupted,
            what + keep + " If it keeps failing, check your connection or set HF_HUB_DOWNLOAD_TIMEOUT to more seconds. " +
            HubErrors.HowToWorkOffline(_settings.CacheDirectory), lastFailure);
    }

    public void Dispose()
    {
        _file.Dispose();
        _sha256?.Dispose();
    }
}
