using System.Net;
using System.Net.Http.Headers;

namespace LessonKit.Hub;

/// <summary>What the Hub says about one file before it is downloaded (huggingface_hub's <c>HfFileMetadata</c>).</summary>
/// <param name="Commit">The commit the revision resolves to (<c>X-Repo-Commit</c>).</param>
/// <param name="Etag">The blob's name in the cache: <c>X-Linked-Etag</c> (sha256 of an LFS file) or <c>ETag</c>, without quotes.</param>
/// <param name="Size">The file's size in bytes (<c>X-Linked-Size</c> or <c>Content-Length</c>), when known.</param>
/// <param name="DownloadUrl">Where to GET the bytes: the last Hub address the HEAD reached (e.g. <c>/api/resolve-cache/…</c>), or the signed CDN address the Hub redirects LFS files to.</param>
internal sealed record RemoteFile(string Commit, string Etag, long? Size, Uri DownloadUrl);

/// <summary>
/// The HTTP side: HEAD requests for metadata and GET requests for bytes, with the bearer token sent only to the
/// Hub itself (never to the CDN it redirects to), and redirects followed by hand as huggingface_hub does. Every
/// request asks for the bytes as they are (<c>Accept-Encoding: identity</c>); what a proxy compresses anyway is
/// decoded by <see cref="ContentDecoding"/>.
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
        RefuseRedirectFollowingHandler(handler);
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
    /// HEAD the resolve URL and read the Hub's answer about the file, following redirects the way huggingface_hub's
    /// <c>get_hf_file_metadata</c> does: redirects that stay on the same host are followed (a renamed repository,
    /// <c>/gpt2/resolve/main/f</c> → <c>/openai-community/gpt2/resolve/main/f</c>, then the small-file hop to
    /// <c>/api/resolve-cache/…</c>); a redirect to another host (the file CDN, for LFS files) ends the walk, and the
    /// answer about the file is read from that redirect itself (<c>X-Linked-Etag</c>, <c>X-Linked-Size</c>), never
    /// from the CDN, whose own ETag is not the file's hash.
    /// </summary>
    public async Task<RemoteFile> GetMetadataAsync(FileRequest request, CancellationToken cancellationToken)
    {
        Uri url = request.Url;
        // The Hub's headers on a same-host redirect (the resolve-cache hop carries X-Repo-Commit and X-Linked-Etag)
        // describe the file; the final answer's own ETag only counts when nothing on the way named the file.
        string? commitOnTheWay = null;
        string? etagOnTheWay = null;
        long? sizeOnTheWay = null;
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
                ThrowIfTheHandlerFollowedARedirect(response, url, request);
                int status = (int)response.StatusCode;
                string? commit = HubErrors.Header(response, "X-Repo-Commit");
                string? linkedEtag = HubNames.NormalizeEtag(HubErrors.Header(response, "X-Linked-Etag"));
                if (status is >= 300 and < 400 && response.Headers.Location is { } location)
                {
                    Uri next = new(url, location);
                    if (SameOrigin(next, url))
                    {
                        commitOnTheWay = commit ?? commitOnTheWay;
                        etagOnTheWay = linkedEtag ?? etagOnTheWay;
                        sizeOnTheWay = LinkedSize(response) ?? sizeOnTheWay;
                        url = next;
                        continue;
                    }
                    // To another host: the bytes come from there, the Hub's answer about them is this redirect.
                    // Its Content-Length is the size of the redirect's own short body, never the file's.
                    return Checked(request, commit ?? commitOnTheWay, linkedEtag ?? etagOnTheWay ?? RawEtag(response),
                        LinkedSize(response) ?? sizeOnTheWay, next);
                }
                if (!response.IsSuccessStatusCode)
                    throw HubErrors.ForStatus(response, request with { Url = url }, HasToken && SendsTokenTo(url));
                // A compressed answer's Content-Length counts compressed bytes, not the file's (a proxy may compress
                // even though the request asked for identity).
                long? size = LinkedSize(response) ?? sizeOnTheWay ??
                             (ContentDecoding.IsIdentity(response) ? response.Content.Headers.ContentLength : null);
                return Checked(request, commit ?? commitOnTheWay, linkedEtag ?? etagOnTheWay ?? RawEtag(response), size, url);
            }
        }
        throw new HubException(HubErrorKind.BadResponse,
            $"The Hub at {_settings.Endpoint} redirected more than {MaxRedirects} times for '{request.FileName}' of " +
            $"'{request.RepoId}'. Check HF_ENDPOINT.");
    }

    /// <summary>
    /// GET the bytes from <paramref name="offset"/> on (a <c>Range</c> request when resuming), following at most
    /// <see cref="MaxRedirects"/> redirects, the token sent only to the Hub. Returns the answer and the address that
    /// gave it. Network failures are thrown as they are: the downloader decides whether to retry.
    /// </summary>
    public async Task<(HttpResponseMessage Response, Uri From)> GetAsync(Uri url, long offset, CancellationToken cancellationToken)
    {
        for (int hop = 0; ; hop++)
        {
            using var message = NewRequest(HttpMethod.Get, url, offset);
            var response = await _client.SendAsync(message, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            try
            {
                ThrowIfTheHandlerFollowedARedirect(response, url, request: null);
            }
            catch
            {
                response.Dispose();
                throw;
            }
            if ((int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location && hop < MaxRedirects)
            {
                url = new Uri(url, location);
                response.Dispose();
                continue;
            }
            return (response, url);
        }
    }

    /// <summary>True when <paramref name="url"/> is on the Hub itself (same scheme, host and port as the endpoint).</summary>
    public bool IsHub(Uri url) => SameOrigin(url, _endpoint);

    /// <summary>True when a request to <paramref name="url"/> carries the token: only requests to the Hub itself.</summary>
    public bool SendsTokenTo(Uri url) => _settings.Token is not null && IsHub(url);

    private static bool SameOrigin(Uri a, Uri b) =>
        Uri.Compare(a, b, UriComponents.SchemeAndServer, UriFormat.Unescaped, StringComparison.OrdinalIgnoreCase) == 0;

    /// <summary>
    /// A handler that follows redirects by itself hides the Hub's answer about the file (it sits on the redirect,
    /// not on the CDN's answer), so the client would name the blob after the CDN's ETag. Refused with a clear error
    /// on the first answer that shows it.
    /// </summary>
    private void ThrowIfTheHandlerFollowedARedirect(HttpResponseMessage response, Uri asked, FileRequest? request)
    {
        if (response.RequestMessage?.RequestUri is not { } answered || answered == asked) return;
        string what = request is null ? "" : $" for '{request.FileName}' of '{request.RepoId}'";
        throw new HubException(HubErrorKind.BadResponse,
            $"HubOptions.Handler followed a redirect by itself{what} (asked {Redact(asked)}, answered by {Redact(answered)}). " +
            "LessonKit must see the Hub's redirects: the answer about a file (its commit, hash and size) is on the redirect, " +
            "and the access token must not follow it to the file CDN. Give HubOptions a handler that does not follow " +
            "redirects (HttpClientHandler or SocketsHttpHandler with AllowAutoRedirect = false), or leave HubOptions.Handler unset.");
    }

    /// <summary>An address for a message: without its query, which holds a signed CDN link's signature.</summary>
    private static string Redact(Uri url) => url.GetLeftPart(UriPartial.Path);

    /// <summary>
    /// Walks a handler chain (through <see cref="DelegatingHandler.InnerHandler"/>) for a .NET handler set to follow
    /// redirects by itself; such a handler is refused when the client is made, before any request.
    /// </summary>
    internal static void RefuseRedirectFollowingHandler(HttpMessageHandler? handler)
    {
        for (var h = handler; h is not null; h = (h as DelegatingHandler)?.InnerHandler)
        {
            bool follows = h switch
            {
                HttpClientHandler client => client.AllowAutoRedirect,
                SocketsHttpHandler sockets => sockets.AllowAutoRedirect,
                _ => false,
            };
            if (follows)
                throw new ArgumentException(
                    $"HubOptions.Handler ({h.GetType().Name}) follows redirects by itself (AllowAutoRedirect is true). LessonKit " +
                    "must see the Hub's redirects: the answer about a file (its commit, hash and size) is on the redirect, and " +
                    "the access token must not follow it to the file CDN. Set AllowAutoRedirect = false on that handler, or " +
                    "leave HubOptions.Handler unset.", "options");
        }
    }

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

    /// <summary>The answer's own <c>ETag</c>, normalized; the file's name only when no <c>X-Linked-Etag</c> says otherwise.</summary>
    private static string? RawEtag(HttpResponseMessage response) => HubNames.NormalizeEtag(HubErrors.Header(response, "ETag"));

    private static long? LinkedSize(HttpResponseMessage response) =>
        long.TryParse(HubErrors.Header(response, "X-Linked-Size"), out long size) ? size : null;
}
