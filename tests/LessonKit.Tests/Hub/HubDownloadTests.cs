using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>Downloads from the test hub that go right, and the cache they leave behind.</summary>
public class HubDownloadTests
{
    [Fact]
    public async Task DownloadsIntoHuggingFaceCacheLayout()
    {
        await using var ctx = new HubTestContext();
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);

        Assert.Equal(Path.Combine(ctx.RepoFolder, "snapshots", TinyHub.Commit), snapshot);
        // refs/main holds the bare commit hash, no newline, as huggingface_hub writes it.
        Assert.Equal(TinyHub.Commit, File.ReadAllText(Path.Combine(ctx.RepoFolder, "refs", "main")));

        var expectedBlobs = TinyHub.CheckpointFiles.Select(f => ctx.Hub.File(HubTestContext.Repo, f).Etag).Order().ToArray();
        var blobs = Directory.GetFiles(Path.Combine(ctx.RepoFolder, "blobs")).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(expectedBlobs, blobs); // named by sha256 (LFS) or git sha1, nothing .incomplete left
        Assert.Equal(["blobs", "refs", "snapshots"], Directory.GetDirectories(ctx.RepoFolder).Select(d => Path.GetFileName(d)!).Order().ToArray());

        foreach (string file in TinyHub.CheckpointFiles)
        {
            var hosted = ctx.Hub.File(HubTestContext.Repo, file);
            string pointer = Path.Combine(snapshot, file);
            Assert.Equal($"../../blobs/{hosted.Etag}", new FileInfo(pointer).LinkTarget);
            Assert.Equal(hosted.Content, File.ReadAllBytes(pointer));
        }
        Assert.Equal(64, ctx.Hub.File(HubTestContext.Repo, "model.safetensors").Etag.Length); // the LFS file's blob is its sha256
        Assert.Equal(40, ctx.Hub.File(HubTestContext.Repo, "config.json").Etag.Length);       // a git file's blob is its git sha1
    }

    [Fact]
    public async Task AsksForTheBranchOnceThenPinsTheCommit()
    {
        await using var ctx = new HubTestContext();
        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);

        var heads = ctx.Hub.Requests.Where(r => r.Method == "HEAD").Select(r => r.Path).ToArray();
        Assert.Equal($"/{HubTestContext.Repo}/resolve/main/config.json", heads[0]);
        Assert.All(heads.Skip(1), path => Assert.Contains($"/resolve/{TinyHub.Commit}/", path));
        Assert.All(TinyHub.CheckpointFiles, f => Assert.Equal(1, ctx.Count("GET", f)));
        Assert.All(ctx.Hub.Requests, r => Assert.Null(r.Range));
        Assert.All(ctx.Hub.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task SecondLoadMakesNoRequest()
    {
        await using var ctx = new HubTestContext();
        string first = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);
        int requests = ctx.Hub.Requests.Count;
        Assert.Equal(2 * TinyHub.CheckpointFiles.Length, requests);

        string second = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);
        Assert.Equal(first, second);
        Assert.Equal(requests, ctx.Hub.Requests.Count);
        Assert.Equal(first, ctx.Client().FindCachedModel(HubTestContext.Repo, TinyHub.CheckpointFiles));
    }

    [Fact]
    public async Task DownloadsOnlyWhatIsMissing()
    {
        await using var ctx = new HubTestContext();
        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);
        Assert.Null(ctx.Client().FindCachedModel(HubTestContext.Repo, ["config.json", "vocab.json"]));

        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json", "vocab.json"]);
        Assert.Equal(1, ctx.Count("GET", "config.json"));
        Assert.Equal(1, ctx.Count("GET", "vocab.json"));
    }

    [Fact]
    public async Task ABrokenSnapshotLinkIsRepaired()
    {
        await using var ctx = new HubTestContext();
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);
        var hosted = ctx.Hub.File(HubTestContext.Repo, "config.json");
        File.Delete(Path.Combine(ctx.RepoFolder, "blobs", hosted.Etag)); // the link now points nowhere

        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);
        Assert.Equal(2, ctx.Count("GET", "config.json"));
        Assert.Equal(hosted.Content, File.ReadAllBytes(Path.Combine(snapshot, "config.json")));
    }

    [Fact]
    public async Task ACommitHashRevisionWritesNoRefAndIsServedFromCacheNextTime()
    {
        await using var ctx = new HubTestContext();
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"], revision: TinyHub.Commit);
        Assert.EndsWith(TinyHub.Commit, snapshot);
        Assert.False(Directory.Exists(Path.Combine(ctx.RepoFolder, "refs")));
        int requests = ctx.Hub.Requests.Count;

        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"], revision: TinyHub.Commit);
        Assert.Equal(requests, ctx.Hub.Requests.Count);
    }

    [Fact]
    public async Task ARenamedRepositoryIsCachedUnderTheNameAsked()
    {
        // huggingface.co serves "gpt2" from "openai-community/gpt2" through a relative redirect; Python caches it as models--gpt2.
        await using var ctx = new HubTestContext();
        ctx.Hub.AddRepo("openai-community/gpt2").AddRename("gpt2", "openai-community/gpt2");

        string snapshot = await ctx.Client().DownloadModelAsync("gpt2", ["config.json", "model.safetensors"]);
        Assert.Equal(Path.Combine(ctx.Cache, "models--gpt2", "snapshots", TinyHub.Commit), snapshot);
        Assert.Equal(TinyHub.Commit, File.ReadAllText(Path.Combine(ctx.Cache, "models--gpt2", "refs", "main")));
        Assert.False(Directory.Exists(Path.Combine(ctx.Cache, "models--openai-community--gpt2")));
        Assert.Contains(ctx.Hub.Requests, r => r.Path.StartsWith("/openai-community/gpt2/resolve/", StringComparison.Ordinal));
    }

    [Fact]
    public async Task LfsFilesComeFromTheCdnWithoutTheToken()
    {
        await using var ctx = new HubTestContext();
        ctx.Hub.LfsViaCdn = true;
        ctx.Hub.RequiredToken = "hf_cdn_test_token";

        string snapshot = await ctx.Client(o => o with { Token = "hf_cdn_test_token" })
            .DownloadModelAsync(HubTestContext.Repo, ["config.json", "model.safetensors"]);

        var hosted = ctx.Hub.File(HubTestContext.Repo, "model.safetensors");
        Assert.Equal($"../../blobs/{hosted.Sha256}", new FileInfo(Path.Combine(snapshot, "model.safetensors")).LinkTarget);
        var cdn = Assert.Single(ctx.Hub.Requests, r => r.IsCdn);
        Assert.Equal("GET", cdn.Method);
        Assert.Null(cdn.Authorization); // the token goes to the Hub only, never to the CDN
        Assert.All(ctx.Hub.Requests.Where(r => !r.IsCdn), r => Assert.Equal("Bearer hf_cdn_test_token", r.Authorization));
    }

    [Fact]
    public async Task WithoutSymlinksNewBlobsMoveIntoTheSnapshotAsInHuggingFaceHub()
    {
        await using var ctx = new HubTestContext();
        string snapshot = await ctx.Client(o => o with { SymlinksSupported = false })
            .DownloadModelAsync(HubTestContext.Repo, ["config.json", "model.safetensors"]);

        foreach (string file in new[] { "config.json", "model.safetensors" })
        {
            var info = new FileInfo(Path.Combine(snapshot, file));
            Assert.Null(info.LinkTarget);
            Assert.Equal(ctx.Hub.File(HubTestContext.Repo, file).Content, File.ReadAllBytes(info.FullName));
        }
        Assert.Empty(Directory.GetFiles(Path.Combine(ctx.RepoFolder, "blobs")));
        int requests = ctx.Hub.Requests.Count;
        await ctx.Client(o => o with { SymlinksSupported = false }).DownloadModelAsync(HubTestContext.Repo, ["config.json", "model.safetensors"]);
        Assert.Equal(requests, ctx.Hub.Requests.Count);
    }

    [Fact]
    public async Task AnExistingBlobIsLinkedWithoutDownloadingAgain()
    {
        // Two repositories sharing a file (same etag) share one blob, as in huggingface_hub.
        await using var ctx = new HubTestContext();
        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]);
        string blobs = Path.Combine(ctx.RepoFolder, "blobs");
        string etag = ctx.Hub.File(HubTestContext.Repo, "vocab.json").Etag;
        // Forget the snapshot, keep the blob: the next load relinks it.
        Directory.Delete(Path.Combine(ctx.RepoFolder, "snapshots"), recursive: true);

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]);
        Assert.Equal(1, ctx.Count("GET", "vocab.json"));
        Assert.Equal($"../../blobs/{etag}", new FileInfo(Path.Combine(snapshot, "vocab.json")).LinkTarget);
        Assert.True(File.Exists(Path.Combine(blobs, etag)));
    }

    [Fact]
    public async Task TwoClientsDownloadingTogetherFetchEachFileOnce()
    {
        await using var ctx = new HubTestContext();
        var a = ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["model.safetensors"]);
        var b = ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["model.safetensors"]);
        string[] folders = await Task.WhenAll(a, b);

        Assert.Equal(folders[0], folders[1]);
        Assert.Equal(1, ctx.Count("GET", "model.safetensors"));
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, "model.safetensors").Content,
            File.ReadAllBytes(Path.Combine(folders[0], "model.safetensors")));
    }

    [Fact]
    public async Task TheBlockingWrapperReturnsTheSameFolder()
    {
        await using var ctx = new HubTestContext();
        string snapshot = ctx.Client().DownloadModel(HubTestContext.Repo, ["config.json"]);
        Assert.True(File.Exists(Path.Combine(snapshot, "config.json")));
    }

    [Fact]
    public async Task InvalidNamesAreRefusedBeforeAnyRequest()
    {
        await using var ctx = new HubTestContext();
        var client = ctx.Client();
        foreach (string bad in new[] { "../x", "a/b/c", "..", "" })
            await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadModelAsync(bad, ["config.json"]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadModelAsync(HubTestContext.Repo, ["../../escape"]));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadModelAsync(HubTestContext.Repo, ["config.json"], revision: "../main"));
        await Assert.ThrowsAsync<ArgumentException>(() => client.DownloadModelAsync(HubTestContext.Repo, []));
        Assert.Empty(ctx.Hub.Requests);
        Assert.False(Directory.Exists(ctx.Cache));
    }

    [Fact]
    public async Task ReportsProgressEndingWithACompletedReportPerFile()
    {
        await using var ctx = new HubTestContext();
        var reports = new List<DownloadProgress>();
        var progress = new SynchronousProgress(reports.Add);
        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json", "model.safetensors"], progress: progress);

        foreach (string file in new[] { "config.json", "model.safetensors" })
        {
            var mine = reports.Where(r => r.FileName == file).ToList();
            long size = ctx.Hub.File(HubTestContext.Repo, file).Content.Length;
            Assert.True(mine.Count >= 2);
            Assert.Equal(0, mine[0].BytesDone);
            Assert.All(mine, r => Assert.Equal(size, r.BytesTotal));
            Assert.Equal(mine.Select(r => r.BytesDone).Order(), mine.Select(r => r.BytesDone)); // never goes back
            Assert.True(mine[^1].Completed);
            Assert.Equal(size, mine[^1].BytesDone);
            Assert.Single(mine, r => r.Completed);
        }
    }

    [Fact]
    public async Task TheDefaultDisplayWritesOneLinePerFileAndASummary()
    {
        await using var ctx = new HubTestContext();
        var output = new StringWriter();
        await ctx.Client(o => o with { ShowProgress = true, ProgressWriter = output })
            .DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);

        string[] lines = output.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.DoesNotContain('\r', output.ToString().Replace(Environment.NewLine, "\n"));
        Assert.Equal($"Downloading {HubTestContext.Repo} from {ctx.Hub.Endpoint} (4 files)", lines[0]);
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Single(lines, l => l.StartsWith($"  {file}  ", StringComparison.Ordinal) && l.Contains("done in"));
        Assert.StartsWith("Downloaded 4 files (8.1 MB) in ", lines[^1]);
        Assert.EndsWith(Path.Combine(ctx.RepoFolder, "snapshots", TinyHub.Commit), lines[^1]);

        // A cached load prints nothing.
        var again = new StringWriter();
        await ctx.Client(o => o with { ShowProgress = true, ProgressWriter = again })
            .DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);
        Assert.Equal("", again.ToString());
    }

    /// <summary>Unlike <see cref="Progress{T}"/>, reports on the calling thread, so the list is complete when the download returns.</summary>
    private sealed class SynchronousProgress(Action<DownloadProgress> onReport) : IProgress<DownloadProgress>
    {
        public void Report(DownloadProgress value) => onReport(value);
    }
}
