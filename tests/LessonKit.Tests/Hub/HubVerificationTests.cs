using System.Net;
using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>Every file is checked against the hash its ETag names, and the cache never holds compressed bytes.</summary>
public class HubVerificationTests
{
    [Fact]
    public async Task ASmallFileWhoseGitSha1DoesNotMatchIsRefusedAndNothingReachesTheSnapshot()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.AddFaultAlways("GET", "config.json", new HubFault.Corrupt()); // same size, one byte changed

        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));
        var hosted = ctx.Hub.File("openai-community/gpt2", "config.json");
        Assert.Equal(HubErrorKind.Corrupted, e.Kind);
        Assert.Contains("'config.json' of 'gpt2' is damaged", e.Message);
        Assert.Contains($"git blob SHA-1 is ", e.Message);
        Assert.Contains($"the Hub says it is {hosted.GitSha1}", e.Message);
        Assert.Contains("nothing was added to the cache", e.Message);

        string folder = ctx.FolderOf("gpt2");
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder, "snapshots")));
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "blobs")));  // no blob, no partial file
        Assert.False(Directory.Exists(Path.Combine(folder, "refs")));      // no ref to a snapshot that does not exist
        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.NotCached>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "config.json"));
        Assert.Equal(0, ctx.Hub.Requests.Count(r => r.IsCdn)); // stopped at the first bad file
    }

    [Fact]
    public async Task ASmallFileOfTheRightSizeButWrongContentIsCaughtInSimpleAnswersToo()
    {
        // The simple hub announces the size (Content-Length), so only the hash can tell.
        await using var ctx = new HubTestContext();
        ctx.Hub.AddFault("GET", "vocab.json", new HubFault.Corrupt());
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]));
        Assert.Equal(HubErrorKind.Corrupted, e.Kind);
        Assert.Contains(ctx.Hub.File(HubTestContext.Repo, "vocab.json").GitSha1, e.Message);

        // The next run downloads it afresh and it verifies.
        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]);
        Assert.Equal(ctx.Hub.File(HubTestContext.Repo, "vocab.json").Content, File.ReadAllBytes(Path.Combine(snapshot, "vocab.json")));
    }

    [Theory]
    [InlineData("gzip")]
    [InlineData("deflate")]
    [InlineData("br")]
    public async Task AProxyThatCompressesUnaskedIsDecodedBeforeAnythingIsStored(string encoding)
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.ForcedEncoding = encoding;

        string snapshot = await ctx.Client().DownloadModelAsync("gpt2", TinyHub.CheckpointFiles);

        Assert.Contains(ctx.Hub.Requests, r => r.Method == "GET" && r.FileName == "vocab.json"); // it did go through the proxy
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Equal(ctx.Hub.File("openai-community/gpt2", file).Content, File.ReadAllBytes(Path.Combine(snapshot, file)));
        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
    }

    [Fact]
    public async Task ACompressedTransferCutOffStartsOverAndIsStillDecoded()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.ForcedEncoding = "gzip";
        ctx.Hub.AddFault("GET", "vocab.json", new HubFault.CutOff(20_000));

        string snapshot = await ctx.Client().DownloadModelAsync("gpt2", ["vocab.json"]);

        var gets = ctx.Hub.Requests.Where(r => r.Method == "GET" && r.FileName == "vocab.json").ToArray();
        Assert.Equal(2, gets.Length); // the proxy sent the whole compressed file again
        Assert.Equal(ctx.Hub.File("openai-community/gpt2", "vocab.json").Content, File.ReadAllBytes(Path.Combine(snapshot, "vocab.json")));
    }

    [Fact]
    public async Task AnEncodingNobodyCanDecodeIsRefusedAndNothingIsStored()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.ForcedEncoding = "zstd";

        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt2", ["config.json"]));
        Assert.Equal(HubErrorKind.BadResponse, e.Kind);
        Assert.Contains("arrived compressed as 'zstd'", e.Message);
        Assert.Contains("nothing was stored", e.Message);
        Assert.Contains("proxy", e.Message);
        string folder = ctx.FolderOf("gpt2");
        Assert.Empty(Directory.GetFiles(Path.Combine(folder, "blobs")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(folder, "snapshots")));
    }

    [Fact]
    public async Task AHandlerThatAsksForGzipAndDecodesItselfStillStoresTheFileAsItIs()
    {
        // huggingface.co gzips text files for clients that accept gzip; this handler accepts and decodes it.
        await using var ctx = HubTestContext.WithRealAnswers();
        using var handler = new SocketsHttpHandler { AllowAutoRedirect = false, AutomaticDecompression = DecompressionMethods.All };

        string snapshot = await ctx.Client(o => o with { Handler = handler }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles);

        Assert.Contains("gzip", ctx.Hub.Requests.First(r => r.Method == "GET" && r.FileName == "vocab.json").AcceptEncoding);
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Equal(ctx.Hub.File("openai-community/gpt2", file).Content, File.ReadAllBytes(Path.Combine(snapshot, file)));
    }
}
