using System.Net;
using System.Net.Http.Headers;

namespace LessonKit.Hub;

/// <summary>What the Hub says about one file before it is downloaded (huggingface_hub's <c>HfFileMetadata</c>).</summary>
/// <param name="Commit">The commit the revision resolves to (<c>X-Repo-Commit</c>).</param>
/// <param name="Etag">The blob's name in the cache: <c>X-Linked-Etag</c> (sha256 of an LFS file) or <c>ETag</c>, without quotes.</param>
/// <param name="Size">The file's size in bytes (<c>X-Linked-Size</c> or <c>Content-Length</c>), when known.</param>
/// <param name="DownloadUrl">Where to GET the bytes: the resolve URL, or the CDN address the Hub redirects LFS files to.</param>
internal sealed record RemoteFile(string Commit, string Etag, long? Size, Uri DownloadUrl);

/// <summary>
/// The HTTP side: HEAD requests for metadata and GET requests for bytes, with the bearer token sent only to the
/// Hub itself (never to the CDN it redirects to), and redirects followed by hand as huggingface_hub does.
/// </summary>
internal sealed class HubHttp
{
    private const int MaxRedirects = 10;

    // One handler for the process: connections are pooled and DNS refreshed every few minutes. Redirects are not
    // followed automatically so the token can be dropped on the way to the CDN; no decompression so byte counts
    // match the file.
    private static readonly Lazy<HttpMessageHandler> SharedHandler = new(() => new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
    });

    private static readonly string UserAgent =
        $"LessonKit/{typeof(HubHttp).Assembly.GetName().Version?.ToString(3) ?? "0"} dotnet/{Environment.Version.ToString(2)}";

    private readonly HttpClient _client;
    private readonly HubSettings _settings;
    private readonly Uri _endpoint;

    public HubHttp(HubSettings settings, HttpMessageHandler? handler)
    {
        _settings = settings;
        _endpoint = new Uri(settings.Endpoint);
        _client = new HttpClient(handler ?? SharedHandler.Value, disposeHandler: false)
        {
            Timeout = System.Threading.Timeout.InfiniteTimeSpan, // timeouts are per step, set by the callers
        };
    }

    public bool HasToken => _settings.Token is not null;

    /// <summary><c>{endpoint}/{repoId}/resolve/{revision}/{file}</c>, as huggingface_hub's <c>hf_hub_url</c> builds it.</summary>
    public Uri ResolveUrl(string repoId, string revision, string file) =>
        new($"{_settings.Endpoint}/{repoId}/resolve/{Uri.EscapeDataString(revision)}/{HubNames.EscapeFilePath(file)}");

    /// <summary>
    /// HEAD the resolve URL. Redirects without Hub metadata (a renamed repository, e.g. gpt2 → openai-community/gpt2)
    /// are followed; a redirect that carries the metadata (an LFS file moved to the CDN) is where the bytes will be
    /// fetched from.
    /// </summary>
    public async Task<RemoteFile> GetMetadataAsync(FileRequest request, CancellationToken cancellationToken)
    {
        Uri url = request.Url;
        for (int hop = 0; hop <= MaxRedirects; hop++)
        {
            using var timer = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timer.CancelAfter(_settings.MetadataTimeout);
            using var message = NewRequest(HttpMethod.Head, url, offset: 0);
            HttpResponseMessage response;
            try
            {
                response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, timer.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
            {
                throw HubErrors.NoAnswer(request, _settings.Endpoint, _settings.MetadataTimeout, _settings.CacheDirectory, e);
            }
            catch (HttpRequestException e)
            {
                throw HubErrors.Unreachable(request, _settings.Endpoint, _settings.CacheDirectory, e);
            }

            using (response)
            {
                int status = (int)response.StatusCode;
                string? commit = HubErrors.Header(response, "X-Repo-Commit");
                string? etag = HubNames.NormalizeEtag(HubErrors.Header(response, "X-Linked-Etag") ?? RawEtag(response));
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    Uri next = new(url, location);
                    if (commit is not null && etag is not null)
                        return Checked(request, commit, etag, LinkedSize(response), next);
                    url = next;
                    continue;
                }
                if (!response.IsSuccessStatusCode)
                    throw HubErrors.ForStatus(response, request with { Url = url }, HasToken && SendsTokenTo(url));
                long? size = LinkedSize(response) ?? response.Content.Headers.ContentLength;
                return Checked(request, commit, etag, size, url);
            }
        }
        throw new HubException(HubErrorKind.BadResponse,
            $"The Hub at {_settings.Endpoint} redirected more than {MaxRedirects} times for '{request.FileName}' of " +
            $"'{request.RepoId}'. Check HF_ENDPOINT.");
    }

    /// <summary>
    /// GET the bytes from <paramref name="offset"/> on (a <c>Range</c> request when resuming), following redirects.
    /// Network failures are thrown as they are: the downloader decides whether to retry.
    /// </summary>
    public async Task<HttpResponseMessage> GetAsync(Uri url, long offset, CancellationToken cancellationToken)
    {
        for (int hop = 0; ; hop++)
        {
            using var message = NewRequest(HttpMethod.Get, url, offset);
            var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                url = new Uri(url, location);
                response.Dispose();
                continue;
            }
            return response;
        }
    }

    /// <summary>True when a request to <paramref name="url"/> carries the token: only requests to the Hub itself.</summary>
    public bool SendsTokenTo(Uri url) =>
        _settings.Token is not null && Uri.Compare(url, _endpoint, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    private HttpRequestMessage NewRequest(HttpMethod method, Uri url, long offset)
    {
        var message = new HttpRequestMessage(method, url);
        message.Headers.UserAgent.ParseAdd(UserAgent);
        message.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("identity"));
        if (SendsTokenTo(url))
            message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", _settings.Token);
        if (offset > 0)
            message.Headers.Range = new RangeHeaderValue(offset, null);
        return message;
    }

    private RemoteFile Checked(FileRequest request, string? commit, string? etag, long? size, Uri downloadUrl)
    {
        string notAHub = $"The server at {_settings.Endpoint} answered {request.Url}";
        string advice = $" so it does not behave like a Hugging Face Hub. Check HF_ENDPOINT (now {_settings.Endpoint}), or unset it to use {HubSettings.DefaultEndpoint}.";
        if (commit is null)
            throw new HubException(HubErrorKind.BadResponse, $"{notAHub} without an X-Repo-Commit header,{advice}");
        if (etag is null)
            throw new HubException(HubErrorKind.BadResponse, $"{notAHub} without an ETag,{advice}");
        if (!HubNames.IsSafeServerName(commit) || !HubNames.IsSafeServerName(etag))
            throw new HubException(HubErrorKind.BadResponse,
                $"{notAHub} with a commit hash or ETag that is not a plain name (it would be used as a file name),{advice}");
        if (size < 0)
            throw new HubException(HubErrorKind.BadResponse, $"{notAHub} with a negative size,{advice}");
        return new RemoteFile(commit, etag, size, downloadUrl);
    }

    private static string? RawEtag(HttpResponseMessage response) => HubErrors.Header(response, "ETag");

    private static long? LinkedSize(HttpResponseMessage response) =>
        long.TryParse(HubErrors.Header(response, "X-Linked-Size"), out long size) ? size : null;
}
