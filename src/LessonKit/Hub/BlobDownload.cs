using System.Buffers;
using System.Net;
using System.Security.Cryptography;

namespace LessonKit.Hub;

/// <summary>
/// Downloads one blob the way huggingface_hub does: into <c>blobs/{etag}.incomplete</c>, resuming with an HTTP
/// <c>Range</c> request where an earlier attempt stopped, then checking the size (and the SHA-256 when the ETag is
/// one, as for LFS files) before the file is renamed to <c>blobs/{etag}</c>. So the cache never holds a half or
/// damaged blob: a failed check deletes the partial file; a broken connection keeps it for the next resume.
/// </summary>
internal sealed class BlobDownload : IDisposable
{
    private const int BufferSize = 256 * 1024;

    private readonly HubHttp _http;
    private readonly HubSettings _settings;
    private readonly HubOptions _options;
    private readonly FileRequest _request;
    private readonly RemoteFile _remote;
    private readonly string _partialPath;
    private readonly Stream _file;
    private readonly IncrementalHash? _sha256;
    private long _written;
    private long? _expected;

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
        download.Tracker?.Complete(download._written);
    }

    private ProgressTracker? Tracker { get; set; }

    private async Task RunAsync(IProgress<DownloadProgress>? progress, CancellationToken cancellationToken)
    {
        await PrepareResumeAsync(cancellationToken).ConfigureAwait(false);
        Tracker = new ProgressTracker(_request.FileName, _written, progress);
        Tracker.Update(_written, _expected, force: true);

        int failures = 0;
        while (await TryTransferAsync(cancellationToken).ConfigureAwait(false) is { } failure)
        {
            failures++;
            if (failures > _options.MaxRetries) throw GaveUp(failures, failure);
            await Task.Delay(_options.RetryDelay, cancellationToken).ConfigureAwait(false);
        }
        Tracker.Update(_written, _expected, force: true);
        Verify();
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
            byte[] buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
            try
            {
                int n;
                while ((n = await _file.ReadAsync(buffer.AsMemory(0, BufferSize), cancellationToken).ConfigureAwait(false)) > 0)
                    _sha256.AppendData(buffer, 0, n);
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(buffer);
            }
        }
        _file.Position = _written;
        if (_expected is long total) EnsureFreeSpace(total - _written);
    }

    /// <summary>
    /// One GET from the current position to the end. Returns null when the file is complete, or the problem that
    /// stopped it when another attempt may help (connection dropped, stalled, server briefly failing).
    /// Errors no retry can fix are thrown.
    /// </summary>
    private async Task<Exception?> TryTransferAsync(CancellationToken cancellationToken)
    {
        if (_expected is long wanted && _written == wanted) return null;

        // One timer for the attempt, restarted before every read: a stalled connection fails after Timeout.
        using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timer.CancelAfter(_settings.Timeout);
        HttpResponseMessage response;
        try
        {
            response = await _http.GetAsync(_remote.DownloadUrl, _written, timer.Token).ConfigureAwait(false);
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
            if (AcceptResponse(response) is { } refused) return refused;
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
                while (true)
                {
                    timer.CancelAfter(_settings.Timeout);
                    int n;
                    try
                    {
                        n = await body.ReadAsync(buffer.AsMemory(0, BufferSize), timer.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                    {
                        return Stalled();
                    }
                    catch (Exception e) when (e is IOException or HttpRequestException)
                    {
                        return e;
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
    /// so the partial file is emptied first; HTTP errors that another try will not fix are thrown.
    /// </summary>
    private Exception? AcceptResponse(HttpResponseMessage response)
    {
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
                _expected ??= response.Content.Headers.ContentLength;
                return null;
            case HttpStatusCode.RequestedRangeNotSatisfiable:
                StartOver();
                return new IOException("the server could not resume (HTTP 416); starting over");
            default:
                if (HubErrors.IsTransient(response.StatusCode))
                    return new HttpRequestException($"HTTP {(int)response.StatusCode} {response.ReasonPhrase}");
                throw HubErrors.ForStatus(response, _request with { Url = _remote.DownloadUrl },
                    _http.SendsTokenTo(_remote.DownloadUrl));
        }
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

    /// <summary>Size and (for LFS files) SHA-256 must match what the Hub announced; otherwise the bytes are thrown away.</summary>
    private void Verify()
    {
        if (_expected is long expected && _written != expected)
            throw Corrupted($"{Format.Count(_written)} bytes arrived but the Hub announced {Format.Count(expected)}");
        if (_sha256 is null) return;
        string actual = Convert.ToHexStringLower(_sha256.GetHashAndReset());
        if (actual != _remote.Etag)
            throw Corrupted($"its SHA-256 is {actual} but the Hub says it is {_remote.Etag}");
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
