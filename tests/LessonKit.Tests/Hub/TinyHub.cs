using System.Collections.Concurrent;
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
internal sealed record SeenRequest(string Method, string Path, string? Range, string? Authorization)
{
    /// <summary>The last path segment, e.g. <c>model.safetensors</c>.</summary>
    public string FileName => Uri.UnescapeDataString(Path[(Path.LastIndexOf('/') + 1)..]);
    public bool IsCdn => Path.StartsWith("/cdn/", StringComparison.Ordinal);
}

/// <summary>
/// A small Hugging Face Hub on 127.0.0.1 (a free port), written on a bare <see cref="TcpListener"/> so tests
/// control every byte: it serves <c>/{repo}/resolve/{revision}/{file}</c> for HEAD and GET with the Hub's headers
/// (<c>ETag</c> = git blob sha1, <c>X-Linked-Etag</c>/<c>X-Linked-Size</c> for LFS files, <c>X-Repo-Commit</c>,
/// <c>X-Error-Code</c>), answers <c>Range</c> requests with 206, can redirect renamed repositories and LFS files
/// (to <c>/cdn/{sha256}</c> on a second port) as the real Hub does, and injects faults: cut-off bodies, corrupted bytes, error
/// statuses, stalls. It records every request.
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

    public TinyHub()
    {
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _cdnListener = new TcpListener(IPAddress.Loopback, 0);
        _cdnListener.Start();
        _acceptLoops = [AcceptLoopAsync(_listener), AcceptLoopAsync(_cdnListener)];
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    public string Endpoint => $"http://127.0.0.1:{Port}";

    /// <summary>The "CDN" LFS files are redirected to: another port, so another origin, as on huggingface.co.</summary>
    public string CdnEndpoint => $"http://127.0.0.1:{((IPEndPoint)_cdnListener.LocalEndpoint).Port}";

    /// <summary>When set, resolve requests need <c>Authorization: Bearer {RequiredToken}</c>.</summary>
    public string? RequiredToken { get; set; }

    /// <summary>When true, LFS files answer 302 to <c>{CdnEndpoint}/cdn/{sha256}</c> as huggingface.co does.</summary>
    public bool LfsViaCdn { get; set; }

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

    private async Task AcceptLoopAsync(TcpListener listener)
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
            _connections.Add(Task.Run(() => ServeConnectionAsync(client)));
        }
    }

    private async Task ServeConnectionAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await ServeAsync(client.GetStream());
            }
            catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException)
            {
                // The client went away (for example it timed out on a stalled answer); nothing to do.
            }
        }
    }

    private async Task ServeAsync(NetworkStream stream)
    {
        var (method, target, headers) = await ReadRequestAsync(stream);
        headers.TryGetValue("Range", out string? range);
        headers.TryGetValue("Authorization", out string? auth);
        var seen = new SeenRequest(method, target, range, auth);
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

        if (target.StartsWith("/cdn/", StringComparison.Ordinal))
        {
            string sha = target["/cdn/".Length..];
            HostedFile? hosted = _repos.Values.SelectMany(r => r.Values).FirstOrDefault(f => f.Sha256 == sha);
            if (hosted is null) await WriteErrorAsync(stream, 404, []);
            else await WriteFileAsync(stream, method, hosted, range, fault, []);
            return;
        }

        int resolveAt = target.IndexOf("/resolve/", StringComparison.Ordinal);
        if (!target.StartsWith('/') || resolveAt < 0)
        {
            await WriteErrorAsync(stream, 404, []);
            return;
        }
        string repoId = target[1..resolveAt];
        string[] rest = target[(resolveAt + "/resolve/".Length)..].Split('/', 2);
        string revision = Uri.UnescapeDataString(rest[0]);
        string fileName = rest.Length > 1 ? string.Join('/', rest[1].Split('/').Select(Uri.UnescapeDataString)) : "";

        if (_renamed.TryGetValue(repoId, out string? newId))
        {
            await WriteHeadAsync(stream, 307, "Temporary Redirect",
                [("Location", $"/{newId}/resolve/{rest[0]}/{(rest.Length > 1 ? rest[1] : "")}")], contentLength: 0);
            return;
        }
        if (RequiredToken is not null && auth != $"Bearer {RequiredToken}")
        {
            await WriteErrorAsync(stream, 401, [("X-Error-Message", "Access to this model is restricted. You must be authenticated to access it.")]);
            return;
        }
        if (!_repos.TryGetValue(repoId, out var files))
        {
            await WriteErrorAsync(stream, 404, [("X-Error-Code", "RepoNotFound"), ("X-Error-Message", "Repository not found")]);
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
        if (file.Lfs)
        {
            hubHeaders.Add(("X-Linked-Etag", $"\"{file.Sha256}\""));
            hubHeaders.Add(("X-Linked-Size", file.Content.Length.ToString()));
            hubHeaders.Add(("ETag", $"\"{file.GitSha1}\""));
            if (LfsViaCdn)
            {
                hubHeaders.Add(("Location", $"{CdnEndpoint}/cdn/{file.Sha256}"));
                await WriteHeadAsync(stream, 302, "Found", hubHeaders, contentLength: 0);
                return;
            }
        }
        else
        {
            hubHeaders.Add(("ETag", $"\"{file.GitSha1}\""));
        }
        await WriteFileAsync(stream, method, file, range, fault, hubHeaders);
    }

    private async Task WriteFileAsync(NetworkStream stream, string method, HostedFile file, string? range,
        HubFault? fault, List<(string, string)> headers)
    {
        byte[] content = file.Content;
        long start = 0;
        int status = 200;
        string reason = "OK";
        headers.Add(("Accept-Ranges", "bytes"));
        if (range is not null && method == "GET" && fault is not HubFault.IgnoreRange)
        {
            // Only the form clients send when resuming: "bytes=N-".
            start = long.Parse(range["bytes=".Length..].TrimEnd('-'));
            if (start >= content.Length)
            {
                await WriteErrorAsync(stream, 416, [("Content-Range", $"bytes */{content.Length}")]);
                return;
            }
            status = 206;
            reason = "Partial Content";
            headers.Add(("Content-Range", $"bytes {start}-{content.Length - 1}/{content.Length}"));
        }
        byte[] body = content[(int)start..];
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
