using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;

namespace LessonKit.Tests.Hub;

/// <summary>Something the test hub does wrong on purpose for one request.</summary>
internal abstract record HubFault
{
    /// <summary>Send the headers and <paramref name="AfterBytes"/> bytes of the body, then close the connection.</summary>
    public sealed record CutOff(long AfterBytes) : HubFault;
    /// <summary>Send the body with one byte changed.</summary>
    public sealed record Corrupt : HubFault;
    /// <summary>Answer with this status; <paramref name="Message"/> may contain {auth} to echo the Authorization header.</summary>
    public sealed record Status(int Code, string? ErrorCode = null, string? Message = null) : HubFault;
    /// <summary>Send the headers and <paramref name="AfterBytes"/> bytes, then stay silent with the connection open.</summary>
    public sealed record StallBody(long AfterBytes) : HubFault;
    /// <summary>Accept the connection and read the request, but never answer.</summary>
    public sealed record StallBeforeHeaders : HubFault;
    /// <summary>Answer a Range request with the whole file (200), as a server without range support does.</summary>
    public sealed record IgnoreRange : HubFault;
}

/// <summary>A request the test hub received.</summary>
/// <param name="Path">The path, without the query.</param>
/// <param name="OnCdn">True when it reached the CDN's port rather than the Hub's.</param>
internal sealed record SeenRequest(string Method, string Path, string? Range, string? Authorization,
    string Query = "", string? AcceptEncoding = null, bool OnCdn = false)
{
    /// <summary>The last path segment, e.g. <c>model.safetensors</c>.</summary>
    public string FileName => Uri.UnescapeDataString(Path[(Path.LastIndexOf('/') + 1)..]);
    public bool IsCdn => OnCdn;
    public bool IsResolveCache => Path.StartsWith("/api/resolve-cache/", StringComparison.Ordinal);
}

/// <summary>
/// A small Hugging Face Hub on 127.0.0.1 (free ports), written on bare <see cref="TcpListener"/>s so tests control
/// every byte. It serves <c>/{repo}/resolve/{revision}/{file}</c> for HEAD and GET with the Hub's headers
/// (<c>ETag</c> = git blob sha1, <c>X-Linked-Etag</c>/<c>X-Linked-Size</c> for LFS files, <c>X-Repo-Commit</c>,
/// <c>X-Error-Code</c>), answers <c>Range</c> requests with 206, redirects renamed repositories, and injects faults:
/// cut-off bodies, corrupted bytes, error statuses, stalls. It records every request.
/// <para>
/// Two ways of answering. The simple one (default) serves files straight from the resolve URL. With
/// <see cref="RealAnswers"/> it answers as huggingface.co does today: a renamed repository gets a relative 307 to its
/// new name; a small file a relative 307 to <c>/api/resolve-cache/models/{repo}/{commit}/{file}?…</c> carrying
/// <c>X-Repo-Commit</c> and <c>X-Linked-Etag</c> (its git blob sha1) but no size, which answers 200; an LFS file a
/// 302 to the CDN (a second listener, so another origin) with <c>X-Linked-Etag</c> (its quoted sha256),
/// <c>X-Linked-Size</c>, <c>X-Repo-Commit</c> and a 1 KB body of its own; the CDN link is signed and expires after
/// <see cref="CdnLinkLifetime"/> on the hub's clock (<see cref="AdvanceClock"/>), after which the CDN answers 403;
/// the CDN's own <c>ETag</c> is a 64-hex hash that is not the file's sha256; a missing repository is 401 with
/// <c>X-Error-Code: RepoNotFound</c>; text files are gzip-compressed when the request accepts gzip.
/// <see cref="ForcedEncoding"/> makes it a compressing proxy that compresses text files even when not asked.
/// </para>
/// </summary>
internal sealed class TinyHub : IAsyncDisposable
{
    public const string Commit = "7d8a1c5e0b3f4a29c6e1d2b3a4f5e6d7c8b9a0f1";

    private readonly TcpListener _listener;
    private readonly TcpListener _cdnListener;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _acceptLoops;
    private readonly ConcurrentBag<Task> _connections = [];
    private readonly ConcurrentQueue<SeenRequest> _requests = new();
    private readonly ConcurrentDictionary<string, Dictionary<string, HostedFile>> _repos = new();
    private readonly ConcurrentDictionary<string, string> _renamed = new();
    private readonly List<Func<SeenRequest, HubFault?>> _faultRules = [];
    private readonly object _gate = new();
    private readonly byte[] _signingKey = RandomNumberGenerator.GetBytes(32);
    private long _clockOffsetTicks;

    public TinyHub()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _cdnListener = new TcpListener(IPAddress.Loopback, 0);
        _cdnListener.Start();
        _acceptLoops = [AcceptLoopAsync(_listener, onCdn: false), AcceptLoopAsync(_cdnListener, onCdn: true)];
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The "CDN" LFS files are redirected to: another port, so another origin, as on huggingface.co.</summary>
    public string CdnEndpoint => $"http://127.0.0.1:{((IPEndPoint)_cdnListener.LocalEndpoint).Port}";

    /// <summary>When set, the Hub's own addresses (not the CDN) need <c>Authorization: Bearer {RequiredToken}</c>.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>Simple answers only: when true, LFS files answer 302 to an unsigned <c>{CdnEndpoint}/cdn/{sha256}/{file}</c>.</summary>
    public bool LfsViaCdn { get; set; }

    /// <summary>Answer as huggingface.co does (see the class summary) instead of the simple way.</summary>
    public bool RealAnswers { get; set; }

    /// <summary>
    /// A compressing proxy: text files (not LFS) in 200 answers are sent with this <c>Content-Encoding</c> whatever the
    /// request accepts, and Range requests for them get the whole compressed file. "gzip", "deflate" and "br" compress
    /// for real; any other name labels the plain bytes with it (an encoding the client cannot know).
    /// </summary>
    public string? ForcedEncoding { get; set; }

    /// <summary>How long a signed CDN link stays valid (on the hub's clock).</summary>
    public TimeSpan CdnLinkLifetime { get; set; } = TimeSpan.FromHours(1);

    /// <summary>The hub's clock: real time plus whatever <see cref="AdvanceClock"/> added.</summary>
    public DateTimeOffset Now => DateTimeOffset.UtcNow + TimeSpan.FromTicks(Interlocked.Read(ref _clockOffsetTicks));

    /// <summary>Moves the hub's clock forward, so CDN links handed out before may expire.</summary>
    public void AdvanceClock(TimeSpan by) => Interlocked.Add(ref _clockOffsetTicks, by.Ticks);

    public IReadOnlyList<SeenRequest> Requests => [.. _requests];

    public static string FixtureFolder => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2");

    /// <summary>The files a GPT-2 checkpoint needs, as the model loader asks for them.</summary>
    public static readonly string[] CheckpointFiles = ["config.json", "model.safetensors", "vocab.json", "merges.txt"];

    /// <summary>Hosts every file of <paramref name="folder"/> (default: the tiny GPT-2 fixture); <c>*.safetensors</c> are LFS files.</summary>
    public TinyHub AddRepo(string repoId, string? folder = null)
    {
        folder ??= FixtureFolder;
        var files = Directory.GetFiles(folder).ToDictionary(
            path => Path.GetFileName(path),
            path => new HostedFile(System.IO.File.ReadAllBytes(path), Lfs: path.EndsWith(".safetensors", StringComparison.Ordinal)),
            StringComparer.Ordinal);
        _repos[repoId] = files;
        return this;
    }

    /// <summary>Requests for <paramref name="oldId"/> get a relative 307 to <paramref name="newId"/> (like gpt2 → openai-community/gpt2).</summary>
    public TinyHub AddRename(string oldId, string newId)
    {
        _renamed[oldId] = newId;
        return this;
    }

    /// <summary>The hosted bytes of a file.</summary>
    public HostedFile File(string repoId, string fileName) => _repos[repoId][fileName];

    /// <summary>The CDN's own ETag for a file: 64 hex digits, but not the file's sha256 (as a real CDN's is not).</summary>
    public static string CdnEtag(HostedFile file) => Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("cdn-object:" + file.Sha256)));

    /// <summary>Applies <paramref name="fault"/> to the next <paramref name="times"/> matching requests.</summary>
    public void AddFault(string method, string fileName, HubFault fault, int times = 1)
    {
        int left = times;
        AddFaultRule(r =>
        {
            if (r.Method != method || r.FileName != fileName) return null;
            return Interlocked.Decrement(ref left) >= 0 ? fault : null;
        });
    }

    /// <summary>Applies <paramref name="fault"/> to every matching request.</summary>
    public void AddFaultAlways(string method, string fileName, HubFault fault) =>
        AddFaultRule(r => r.Method == method && r.FileName == fileName ? fault : null);

    public void AddFaultRule(Func<SeenRequest, HubFault?> rule)
    {
        lock (_gate) _faultRules.Add(rule);
    }

    public void ClearFaults()
    {
        lock (_gate) _faultRules.Clear();
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _cdnListener.Stop();
        try
        {
            await Task.WhenAll([.. _acceptLoops, .. _connections]).WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException or TimeoutException)
        {
        }
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync(TcpListener listener, bool onCdn)
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(_stop.Token);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            _connections.Add(Task.Run(() => ServeConnectionAsync(client, onCdn)));
        }
    }

    private async Task ServeConnectionAsync(TcpClient client, bool onCdn)
    {
        using (client)
        {
            try
            {
                await ServeAsync(client.GetStream(), onCdn);
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (for example it timed out on a stalled answer); nothing to do.
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream, bool onCdn)
    {
        var (method, target, headers) = await ReadRequestAsync(stream);
        headers.TryGetValue("Range", out string? range);
        headers.TryGetValue("Authorization", out string? auth);
        headers.TryGetValue("Accept-Encoding", out string? acceptEncoding);
        int queryAt = target.IndexOf('?');
        string path = queryAt < 0 ? target : target[..queryAt];
        string query = queryAt < 0 ? "" : target[(queryAt + 1)..];
        var seen = new SeenRequest(method, path, range, auth, query, acceptEncoding, onCdn);
        _requests.Enqueue(seen);

        HubFault? fault;
        lock (_gate) fault = _faultRules.Select(rule => rule(seen)).FirstOrDefault(f => f is not null);

        if (fault is HubFault.StallBeforeHeaders)
        {
            await Task.Delay(Timeout.Infinite, _stop.Token);
            return;
        }
        if (fault is HubFault.Status status)
        {
            var extra = new List<(string, string)>();
            if (status.ErrorCode is not null) extra.Add(("X-Error-Code", status.ErrorCode));
            if (status.Message is not null) extra.Add(("X-Error-Message", status.Message.Replace("{auth}", auth ?? "")));
            await WriteErrorAsync(stream, status.Code, extra);
            return;
        }

        if (onCdn)
        {
            await ServeCdnAsync(stream, seen, fault);
            return;
        }
        if (RequiredToken is not null && auth != $"Bearer {RequiredToken}" && !IsRenamed(path))
        {
            await WriteErrorAsync(stream, 401, [("X-Error-Message", "Access to this model is restricted. You must be authenticated to access it.")]);
            return;
        }
        if (RealAnswers && path.StartsWith("/api/resolve-cache/models/", StringComparison.Ordinal))
        {
            await ServeResolveCacheAsync(stream, seen, fault);
            return;
        }

        int resolveAt = path.IndexOf("/resolve/", StringComparison.Ordinal);
        if (!path.StartsWith('/') || resolveAt < 0)
        {
            await WriteErrorAsync(stream, 404, []);
            return;
        }
        string repoId = path[1..resolveAt];
        string[] rest = path[(resolveAt + "/resolve/".Length)..].Split('/', 2);
        string revision = Uri.UnescapeDataString(rest[0]);
        string escapedFile = rest.Length > 1 ? rest[1] : "";
        string fileName = string.Join('/', escapedFile.Split('/').Select(Uri.UnescapeDataString));

        if (_renamed.TryGetValue(repoId, out string? newId))
        {
            await WriteRedirectAsync(stream, method, 307, "Temporary Redirect", $"/{newId}/resolve/{rest[0]}/{escapedFile}", []);
            return;
        }
        if (!_repos.TryGetValue(repoId, out var files))
        {
            // huggingface.co answers an anonymous request for a missing (or private) repository with 401.
            await WriteErrorAsync(stream, RealAnswers ? 401 : 404, [("X-Error-Code", "RepoNotFound"), ("X-Error-Message", "Repository not found")]);
            return;
        }
        if (revision != "main" && revision != Commit)
        {
            await WriteErrorAsync(stream, 404, [("X-Error-Code", "RevisionNotFound"), ("X-Error-Message", $"Invalid rev id: {revision}")]);
            return;
        }
        if (!files.TryGetValue(fileName, out var file))
        {
            await WriteErrorAsync(stream, 404, [("X-Error-Code", "EntryNotFound"), ("X-Repo-Commit", Commit),
                ("X-Error-Message", $"{fileName} does not exist on \"{revision}\"")]);
            return;
        }

        var hubHeaders = new List<(string, string)> { ("X-Repo-Commit", Commit) };
        if (RealAnswers)
        {
            if (file.Lfs)
            {
                hubHeaders.Add(("X-Linked-Etag", $"\"{file.Sha256}\""));
                hubHeaders.Add(("X-Linked-Size", file.Content.Length.ToString(CultureInfo.InvariantCulture)));
                await WriteRedirectAsync(stream, method, 302, "Found", SignedCdnUrl(file, fileName), hubHeaders, padBodyTo: 1024);
            }
            else
            {
                hubHeaders.Add(("X-Linked-Etag", $"\"{file.GitSha1}\""));
                string back = Uri.EscapeDataString($"/{repoId}/resolve/{rest[0]}/{escapedFile}");
                string etag = Uri.EscapeDataString($"\"{file.GitSha1}\"");
                await WriteRedirectAsync(stream, method, 307, "Temporary Redirect",
                    $"/api/resolve-cache/models/{repoId}/{Commit}/{escapedFile}?{back}=&etag={etag}", hubHeaders);
            }
            return;
        }

        if (file.Lfs)
        {
            hubHeaders.Add(("X-Linked-Etag", $"\"{file.Sha256}\""));
            hubHeaders.Add(("X-Linked-Size", file.Content.Length.ToString(CultureInfo.InvariantCulture)));
            hubHeaders.Add(("ETag", $"\"{file.GitSha1}\""));
            if (LfsViaCdn)
            {
                hubHeaders.Add(("Location", $"{CdnEndpoint}/cdn/{file.Sha256}/{escapedFile}"));
                await WriteHeadAsync(stream, 302, "Found", hubHeaders, contentLength: 0);
                return;
            }
        }
        else
        {
            hubHeaders.Add(("ETag", $"\"{file.GitSha1}\""));
        }
        await WriteFileAsync(stream, method, file, range, fault, hubHeaders, EncodingFor(file, acceptEncoding, range));
    }

    private bool IsRenamed(string path) =>
        path.IndexOf("/resolve/", StringComparison.Ordinal) is > 1 and var at && _renamed.ContainsKey(path[1..at]);

    /// <summary><c>/api/resolve-cache/models/{repo}/{commit}/{file}</c>: the small file itself, with its git sha1 as ETag.</summary>
    private async Task ServeResolveCacheAsync(NetworkStream stream, SeenRequest seen, HubFault? fault)
    {
        string rest = seen.Path["/api/resolve-cache/models/".Length..];
        string? repoId = _repos.Keys.Where(id => rest.StartsWith(id + "/", StringComparison.Ordinal)).MaxBy(id => id.Length);
        string[] commitAndFile = repoId is null ? [] : rest[(repoId.Length + 1)..].Split('/', 2);
        string fileName = commitAndFile.Length == 2 ? string.Join('/', commitAndFile[1].Split('/').Select(Uri.UnescapeDataString)) : "";
        if (repoId is null || commitAndFile[0] != Commit || !_repos[repoId].TryGetValue(fileName, out var file) || file.Lfs)
        {
            await WriteErrorAsync(stream, 404, []);
            return;
        }
        await WriteFileAsync(stream, seen.Method, file, seen.Range, fault,
            [("X-Repo-Commit", Commit), ("ETag", $"\"{file.GitSha1}\"")], EncodingFor(file, seen.AcceptEncoding, seen.Range));
    }

    /// <summary><c>/cdn/{sha256}/{file}</c>: LFS bytes, checked for a valid unexpired signature in real mode.</summary>
    private async Task ServeCdnAsync(NetworkStream stream, SeenRequest seen, HubFault? fault)
    {
        string[] parts = seen.Path.Split('/', StringSplitOptions.RemoveEmptyEntries);
        HostedFile? hosted = parts.Length == 3 && parts[0] == "cdn"
            ? _repos.Values.SelectMany(r => r.Values).FirstOrDefault(f => f.Sha256 == parts[1])
            : null;
        if (hosted is null)
        {
            await WriteErrorAsync(stream, 404, []);
            return;
        }
        if (RealAnswers && !IsValidSignature(seen))
        {
            byte[] xml = Encoding.UTF8.GetBytes("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>");
            await WriteHeadAsync(stream, 403, "Forbidden", [("Content-Type", "application/xml")], xml.Length);
            if (seen.Method == "GET") await stream.WriteAsync(xml, _stop.Token);
            return;
        }
        await WriteFileAsync(stream, seen.Method, hosted, seen.Range, fault,
            [("ETag", $"\"{CdnEtag(hosted)}\""), ("Content-Type", "application/octet-stream")], encoding: null);
    }

    private string SignedCdnUrl(HostedFile file, string escapedFile)
    {
        string path = $"/cdn/{file.Sha256}/{escapedFile}";
        long expires = (Now + CdnLinkLifetime).ToUnixTimeSeconds();
        return $"{CdnEndpoint}{path}?Expires={expires}&Signature={Sign(path, expires)}";
    }

    private string Sign(string path, long expires) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(_signingKey, Encoding.UTF8.GetBytes($"{path}|{expires}")));

    private bool IsValidSignature(SeenRequest seen)
    {
        var query = seen.Query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p => p.Split('=', 2))
            .ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "", StringComparer.Ordinal);
        return query.TryGetValue("Expires", out string? e) && long.TryParse(e, CultureInfo.InvariantCulture, out long expires) &&
               query.TryGetValue("Signature", out string? signature) && signature == Sign(seen.Path, expires) &&
               Now.ToUnixTimeSeconds() < expires;
    }

    /// <summary>
    /// The Content-Encoding a text file is sent with: the forced one (a compressing proxy), else gzip in real mode
    /// when the request accepts it and asks for no range; LFS files are never compressed.
    /// </summary>
    private string? EncodingFor(HostedFile file, string? acceptEncoding, string? range)
    {
        if (file.Lfs) return null;
        if (ForcedEncoding is not null) return ForcedEncoding;
        bool acceptsGzip = acceptEncoding?.Split(',').Any(e => e.Split(';')[0].Trim() == "gzip") == true;
        return RealAnswers && acceptsGzip && range is null ? "gzip" : null;
    }

    private async Task WriteFileAsync(NetworkStream stream, string method, HostedFile file, string? range,
        HubFault? fault, List<(string, string)> headers, string? encoding)
    {
        byte[] content = file.Content;
        long start = 0;
        int status = 200;
        string reason = "OK";
        headers.Add(("Accept-Ranges", "bytes"));
        byte[] body;
        if (encoding is not null)
        {
            // The whole file, compressed; a range of compressed bytes is not offered.
            body = Encode(content, encoding);
            headers.Add(("Content-Encoding", encoding));
        }
        else
        {
            if (range is not null && method == "GET" && fault is not HubFault.IgnoreRange)
            {
                // Only the form clients send when resuming: "bytes=N-".
                start = long.Parse(range["bytes=".Length..].TrimEnd('-'), CultureInfo.InvariantCulture);
                if (start >= content.Length)
                {
                    await WriteErrorAsync(stream, 416, [("Content-Range", $"bytes */{content.Length}")]);
                    return;
                }
                status = 206;
                reason = "Partial Content";
                headers.Add(("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}"));
            }
            body = content[(int)start..];
        }
        if (fault is HubFault.Corrupt && body.Length > 0)
        {
            body = (byte[])body.Clone();
            body[body.Length / 2] ^= 0xFF;
        }
        await WriteHeadAsync(stream, status, reason, headers, body.Length);
        if (method == "HEAD") return;

        switch (fault)
        {
            case HubFault.CutOff cut:
                await stream.WriteAsync(body.AsMemory(0, (int)Math.Min(cut.AfterBytes, body.Length)), _stop.Token);
                return; // closing the connection leaves the body short
            case HubFault.StallBody stall:
                await stream.WriteAsync(body.AsMemory(0, (int)Math.Min(stall.AfterBytes, body.Length)), _stop.Token);
                await stream.FlushAsync(_stop.Token);
                await Task.Delay(Timeout.Infinite, _stop.Token);
                return;
            default:
                await stream.WriteAsync(body, _stop.Token);
                return;
        }
    }

    private static byte[] Encode(byte[] content, string encoding)
    {
        if (encoding is not ("gzip" or "deflate" or "br")) return content; // an encoding nobody can decode: the label only
        var output = new MemoryStream();
        using (Stream compressor = encoding switch
        {
            "gzip" => new GZipStream(output, CompressionLevel.Optimal, leaveOpen: true),
            "deflate" => new ZLibStream(output, CompressionLevel.Optimal, leaveOpen: true),
            _ => new BrotliStream(output, CompressionLevel.Optimal, leaveOpen: true),
        })
        {
            compressor.Write(content);
        }
        return output.ToArray();
    }

    /// <summary>A redirect with a short text body of its own (as huggingface.co sends), written on GET only.</summary>
    private async Task WriteRedirectAsync(NetworkStream stream, string method, int status, string reason, string location,
        List<(string, string)> headers, int padBodyTo = 0)
    {
        byte[] body = Encoding.UTF8.GetBytes($"{reason}. Redirecting to {location}".PadRight(padBodyTo));
        headers.Add(("Location", location));
        headers.Add(("Content-Type", "text/plain; charset=utf-8"));
        headers.Add(("ETag", $"W/\"{body.Length:x}-{Convert.ToHexStringLower(SHA1.HashData(body))[..27]}\""));
        await WriteHeadAsync(stream, status, reason, headers, body.Length);
        if (method == "GET") await stream.WriteAsync(body, _stop.Token);
    }

    private Task WriteErrorAsync(NetworkStream stream, int status, List<(string, string)> headers)
    {
        string reason = status switch
        {
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            416 => "Range Not Satisfiable",
            500 => "Internal Server Error",
            503 => "Service Unavailable",
            _ => "Error",
        };
        return WriteHeadAsync(stream, status, reason, headers, contentLength: 0);
    }

    private async Task WriteHeadAsync(NetworkStream stream, int status, string reason, List<(string Name, string Value)> headers, long contentLength)
    {
        var text = new StringBuilder($"HTTP/1.1 {status} {reason}\r\n");
        foreach (var (name, value) in headers) text.Append($"{name}: {value}\r\n");
        text.Append($"Content-Length: {contentLength}\r\nConnection: close\r\n\r\n");
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text.ToString()), _stop.Token);
    }

    private async Task<(string Method, string Target, Dictionary<string, string> Headers)> ReadRequestAsync(NetworkStream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (!(bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n'))
        {
            if (await stream.ReadAsync(one, _stop.Token) == 0) throw new IOException("client closed before sending a request");
            bytes.Add(one[0]);
            if (bytes.Count > 16_384) throw new IOException("request head too long");
        }
        string[] lines = Encoding.ASCII.GetString([.. bytes]).Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        string[] requestLine = lines[0].Split(' ');
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string line in lines.Skip(1))
        {
            int colon = line.IndexOf(':');
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return (requestLine[0], requestLine[1], headers);
    }

    /// <summary>A hosted file and the hashes the Hub would name it by.</summary>
    internal sealed record HostedFile(byte[] Content, bool Lfs)
    {
        public string Sha256 { get; } = Convert.ToHexStringLower(SHA256.HashData(Content));

        /// <summary>Git's blob id: sha1 of "blob {size}\0" followed by the content; the Hub's ETag for files kept in git.</summary>
        public string GitSha1 { get; } = GitBlobId(Content);

        private static string GitBlobId(byte[] content)
        {
            using var sha1 = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            sha1.AppendData(Encoding.ASCII.GetBytes($"blob {content.Length}\0"));
            sha1.AppendData(content);
            return Convert.ToHexStringLower(sha1.GetHashAndReset());
        }

        /// <summary>The name of this file's blob in the cache.</summary>
        public string Etag => Lfs ? Sha256 : GitSha1;
    }
}
