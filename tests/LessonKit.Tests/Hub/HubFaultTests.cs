using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>Everything that can go wrong on the way: each ends in a clear message and a cache with no half files.</summary>
public class HubFaultTests
{
    private const string Weights = "model.safetensors";

    private static void AssertNoBlobFor(HubTestContext ctx, string file)
    {
        string blobs = Path.Combine(ctx.RepoFolder, "blobs");
        string etag = ctx.Hub.File(HubTestContext.Repo, file).Etag;
        Assert.False(File.Exists(Path.Combine(blobs, etag)), $"{file} must not be in the cache as a blob");
        Assert.False(File.Exists(Path.Combine(ctx.RepoFolder, "snapshots", TinyHub.Commit, file)), $"{file} must not be in the snapshot");
    }

    private static string PartialPath(HubTestContext ctx, string file) =>
        Path.Combine(ctx.RepoFolder, "blobs", ctx.Hub.File(HubTestContext.Repo, file).Etag + ".incomplete");

    [Fact]
    public async Task ACutOffTransferResumesWithARangeRequest()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", Weights, new HubFault.CutOff(1_000_000));

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);

        var gets = ctx.Hub.Requests.Where(r => r.Method == "GET" && r.FileName == Weights).ToArray();
        Assert.Equal(2, gets.Length);
        Assert.Null(gets[0].Range);
        Assert.Equal("bytes=1000000-", gets[1].Range);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
        Assert.False(File.Exists(PartialPath(ctx, Weights)));
    }

    [Fact]
    public async Task AfterTheRetriesTheErrorIsClearAndTheNextRunResumes()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFaultAlways("GET", Weights, new HubFault.CutOff(500_000));

        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { MaxRetries = 2 }).DownloadModelAsync(HubTestContext.Repo, [Weights]));
        Assert.Equal(HubErrorKind.Interrupted, e.Kind);
        Assert.Contains("broke off 3 times", e.Message);
        Assert.Contains("1.5 MB of 6.6 MB received", e.Message);
        Assert.Contains("the server closed the connection before the file was complete", e.Message);
        Assert.Contains(PartialPath(ctx, Weights), e.Message);
        Assert.Contains("resume", e.Message);
        Assert.Equal(3, ctx.Count("GET", Weights));
        Assert.Equal(1_500_000, new FileInfo(PartialPath(ctx, Weights)).Length); // kept for the next run
        AssertNoBlobFor(ctx, Weights);

        ctx.Hub.ClearFaults();
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal("bytes=1500000-", ctx.Hub.Requests.Last(r => r.Method == "GET").Range);
        // The resumed file passes the sha256 check, so the prefix from the first run was hashed too.
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task AServerThatIgnoresRangeMakesTheDownloadStartOver()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", Weights, new HubFault.CutOff(700_000));
        ctx.Hub.AddFaultRule(r => r.Method == "GET" && r.Range is not null ? new HubFault.IgnoreRange() : null);

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task AServerErrorMidDownloadIsRetried()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", Weights, new HubFault.Status(503));
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal(2, ctx.Count("GET", Weights));
        Assert.True(File.Exists(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task ACorruptedBodyFailsVerificationAndLeavesNothingBehind()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFaultAlways("GET", Weights, new HubFault.Corrupt());

        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json", Weights]));
        Assert.Equal(HubErrorKind.Corrupted, e.Kind);
        Assert.Contains("SHA-256", e.Message);
        Assert.Contains(ctx.Hub.File(HubTestContext.Repo, Weights).Sha256, e.Message);
        Assert.Contains("deleted", e.Message);
        Assert.Contains("nothing was added to the cache", e.Message);
        AssertNoBlobFor(ctx, Weights);
        Assert.False(File.Exists(PartialPath(ctx, Weights)));
        Assert.Equal(1, ctx.Count("GET", Weights)); // a damaged file is not retried silently
        // What did verify stays: config.json is cached.
        Assert.True(File.Exists(Path.Combine(ctx.RepoFolder, "snapshots", TinyHub.Commit, "config.json")));
    }

    [Fact]
    public async Task UnknownModelNamesTheGpt2Checkpoints()
    {
        await using var ctx = new HubTestContext();
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt3", TinyHub.CheckpointFiles));
        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Equal(404, e.StatusCode);
        Assert.Contains("no model named 'gpt3'", e.Message);
        Assert.Contains("gpt2, gpt2-medium, gpt2-large, gpt2-xl and distilgpt2", e.Message);
        Assert.False(Directory.Exists(Path.Combine(ctx.Cache, "models--gpt3")));
    }

    [Fact]
    public async Task ARepoNotFoundAnswerWith401IsStillAnUnknownModel()
    {
        // huggingface.co answers 401 + X-Error-Code: RepoNotFound to anonymous requests for missing or private repos.
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("HEAD", "config.json", new HubFault.Status(401, "RepoNotFound", "Repository not found"));
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Contains("HF_TOKEN", e.Message);
        Assert.Contains("Repository not found", e.Message);
    }

    [Fact]
    public async Task UnknownFileAndRevisionSayWhichIsMissing()
    {
        await using var ctx = new HubTestContext();
        var file = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json", "pytorch_model.bin"]));
        Assert.Equal(HubErrorKind.NotFound, file.Kind);
        Assert.Contains("has no file 'pytorch_model.bin' at revision 'main'", file.Message);

        var revision = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"], revision: "v9"));
        Assert.Contains("has no revision 'v9'", revision.Message);

        ctx.Hub.AddFault("HEAD", "vocab.json", new HubFault.Status(404)); // a plain 404 without the Hub's error code
        var plain = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]));
        Assert.Contains($"no model named '{HubTestContext.Repo}'", plain.Message);
        Assert.Contains("no file 'vocab.json'", plain.Message);
        Assert.Contains("gpt2-xl", plain.Message);
    }

    [Fact]
    public async Task AccessDeniedSaysToSetHfToken()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.RequiredToken = "hf_needed";
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("set the HF_TOKEN environment variable", e.Message);
        Assert.Contains("huggingface.co/settings/tokens", e.Message);

        ctx.Hub.RequiredToken = null;
        ctx.Hub.AddFault("HEAD", "config.json", new HubFault.Status(403));
        var forbidden = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.AccessDenied, forbidden.Kind);
        Assert.Equal(403, forbidden.StatusCode);
    }

    [Fact]
    public async Task TheTokenIsSentButNeverShown()
    {
        const string token = "hf_TopSecretToken0123456789";
        await using var ctx = new HubTestContext();
        ctx.Hub.RequiredToken = token;
        var output = new StringWriter();
        var client = new HubClient(ctx.Options(new() { ["HF_TOKEN"] = token }) with { ShowProgress = true, ProgressWriter = output });

        await client.DownloadModelAsync(HubTestContext.Repo, ["config.json", Weights]);
        Assert.All(ctx.Hub.Requests, r => Assert.Equal($"Bearer {token}", r.Authorization));
        Assert.DoesNotContain(token, output.ToString());
        Assert.DoesNotContain(token, client.ToString());

        // A wrong token: refused, and the message says a token was sent without showing it.
        const string wrong = "hf_WrongToken9876543210";
        var denied = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Token = wrong }).DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]));
        Assert.Contains("was sent but does not give access", denied.Message);
        Assert.DoesNotContain(wrong, denied.ToString());

        // Even a server that echoes the Authorization header back in its error message does not leak it.
        ctx.Hub.AddFault("HEAD", "merges.txt", new HubFault.Status(403, null, "bad credentials: {auth}"));
        var echoed = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Token = token }).DownloadModelAsync(HubTestContext.Repo, ["merges.txt"]));
        Assert.DoesNotContain(token, echoed.ToString());
        Assert.Contains("bad credentials: Bearer ***", echoed.Message);
    }

    [Fact]
    public async Task AServerThatNeverAnswersTimesOut()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFaultAlways("HEAD", "config.json", new HubFault.StallBeforeHeaders());
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { MetadataTimeout = TimeSpan.FromMilliseconds(300) }).DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        // The bound only tells "gave up" from "kept waiting": the server never answers.
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(HubErrorKind.TimedOut, e.Kind);
        Assert.Contains("did not answer within 0.3 s", e.Message);
        Assert.Contains("HF_HUB_ETAG_TIMEOUT", e.Message);
    }

    [Fact]
    public async Task AStalledTransferTimesOutAndResumes()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", Weights, new HubFault.StallBody(2_000_000));
        string snapshot = await ctx.Client(o => o with { Timeout = TimeSpan.FromMilliseconds(500) })
            .DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal("bytes=2000000-", ctx.Hub.Requests.Last(r => r.Method == "GET").Range);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task ATransferThatKeepsStallingGivesUp()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFaultAlways("GET", Weights, new HubFault.StallBody(100_000));
        var watch = Stopwatch.StartNew();
        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Timeout = TimeSpan.FromMilliseconds(500), MaxRetries = 1 }).DownloadModelAsync(HubTestContext.Repo, [Weights]));
        // Two stalls of 0.5 s; the bound only tells "gave up" from "kept waiting" (the server never sends the rest).
        Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), $"took {watch.Elapsed}");
        Assert.Equal(HubErrorKind.TimedOut, e.Kind);
        Assert.Contains("stalled 2 times", e.Message);
        Assert.Contains("sent nothing for 0.5 s", e.Message);
        Assert.Equal(200_000, new FileInfo(PartialPath(ctx, Weights)).Length);
        AssertNoBlobFor(ctx, Weights);
    }

    [Fact]
    public async Task CancellingKeepsWhatArrivedForTheNextRun()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", Weights, new HubFault.StallBody(2_000_000));
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights], cancellationToken: cancel.Token));
        Assert.Equal(2_000_000, new FileInfo(PartialPath(ctx, Weights)).Length);
        AssertNoBlobFor(ctx, Weights);

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal("bytes=2000000-", ctx.Hub.Requests.Last(r => r.Method == "GET").Range);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task ARefusedConnectionSaysHowToWorkOffline()
    {
        await using var ctx = new HubTestContext();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now

        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Endpoint = $"http://127.0.0.1:{port}" }).DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.Unreachable, e.Kind);
        Assert.Contains("connection was refused", e.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", e.Message);
        Assert.Contains("pass its path instead of the model name", e.Message);
        Assert.Contains(ctx.Cache, e.Message);
    }

    [Fact]
    public async Task ADnsFailureIsNamed()
    {
        await using var ctx = new HubTestContext();
        var handler = new ThrowingHandler(new HttpRequestException(HttpRequestError.NameResolutionError, "Name or service not known (huggingface.co:443)"));
        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Endpoint = "https://huggingface.co", Handler = handler }).DownloadModelAsync("gpt2", ["config.json"]));
        Assert.Equal(HubErrorKind.Unreachable, e.Kind);
        Assert.Contains("could not be resolved (DNS failure", e.Message);
        Assert.Contains("HF_HUB_OFFLINE=1", e.Message);
    }

    [Fact]
    public async Task AFullDiskKeepsThePartialFileAndTheNextRunResumes()
    {
        await using var ctx = new HubTestContext();
        const long room = 3_000_000;
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client(o => o with
        {
            OpenPartialFile = path => new FullDiskStream(path, room),
        }).DownloadModelAsync(HubTestContext.Repo, [Weights]));

        Assert.Equal(HubErrorKind.DiskWrite, e.Kind);
        Assert.Contains("The disk is full", e.Message);
        Assert.Contains("free at least 3.6 MB", e.Message);
        Assert.Contains("resumes from there", e.Message);
        Assert.Equal(room, new FileInfo(PartialPath(ctx, Weights)).Length);
        AssertNoBlobFor(ctx, Weights);

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, [Weights]);
        Assert.Equal($"bytes={room}-", ctx.Hub.Requests.Last(r => r.Method == "GET").Range);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task TooLittleFreeSpaceIsReportedBeforeDownloading()
    {
        await using var ctx = new HubTestContext();
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client(o => o with { FreeSpaceProbe = _ => 1_000_000 })
            .DownloadModelAsync(HubTestContext.Repo, ["config.json", Weights]));
        Assert.Equal(HubErrorKind.DiskWrite, e.Kind);
        Assert.Contains("needs 6.6 MB more but only 1.0 MB is free", e.Message);
        Assert.Contains("HF_HUB_CACHE", e.Message);
        Assert.Equal(0, ctx.Count("GET", Weights));
        Assert.Equal(1, ctx.Count("GET", "config.json"));
    }

    [Fact]
    public async Task AnUnwritableCacheSaysWhichFolder()
    {
        await using var ctx = new HubTestContext();
        Directory.CreateDirectory(ctx.Cache);
        File.WriteAllText(Path.Combine(ctx.Cache, "models--test-org--tiny-gpt2"), "a file where the repo folder should be");
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.DiskWrite, e.Kind);
        Assert.Contains(ctx.Cache, e.Message);
        Assert.Contains("HF_HUB_CACHE", e.Message);
    }

    [Fact]
    public async Task AServerThatIsNotAHubIsCalledOut()
    {
        await using var ctx = new HubTestContext();
        var handler = new ThrowingHandler(null); // answers 200 with no Hub headers
        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Handler = handler }).DownloadModelAsync(HubTestContext.Repo, ["config.json"]));
        Assert.Equal(HubErrorKind.BadResponse, e.Kind);
        Assert.Contains("X-Repo-Commit", e.Message);
        Assert.Contains("HF_ENDPOINT", e.Message);
    }

    /// <summary>Throws the given exception for every request, or answers a bare 200 when none is given.</summary>
    private sealed class ThrowingHandler(Exception? error) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            error is null ? Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)) : Task.FromException<HttpResponseMessage>(error);
    }

    /// <summary>A file on a disk with room for <paramref name="room"/> bytes: writing more fails with ENOSPC, as on a full disk.</summary>
    private sealed class FullDiskStream(string path, long room)
        : FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.Read, bufferSize: 1)
    {
        public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            long fits = Math.Max(0, room - Length);
            if (buffer.Length <= fits)
            {
                await base.WriteAsync(buffer, cancellationToken);
                return;
            }
            await base.WriteAsync(buffer[..(int)fits], cancellationToken); // a short write, then the error
            throw new IOException("No space left on device", 28);
        }
    }
}
