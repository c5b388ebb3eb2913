using LessonKit.Hub;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Hub;

/// <summary>
/// Downloads through the answers huggingface.co gives today (<see cref="TinyHub.RealAnswers"/>): renames, the
/// resolve-cache hop for small files, the LFS 302 to a signed, expiring CDN link, 401 for a missing repository.
/// </summary>
public class HubRealChainTests
{
    private const string Weights = "model.safetensors";
    private static readonly string[] SmallFiles = ["config.json", "vocab.json", "merges.txt"];

    [Theory]
    [InlineData("gpt2", "openai-community/gpt2")]
    [InlineData("distilgpt2", "distilbert/distilgpt2")]
    [InlineData(HubTestContext.Repo, HubTestContext.Repo)]
    public async Task TheWholeChainEndsInAVerifiedCacheAndAWorkingModel(string asked, string servedFrom)
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        using (var model = HookedGpt2.FromPretrained(asked, hub: ctx.Options()))
        {
            using var tokens = TinyGpt2.ReferenceTokens();
            using var logits = model.Forward(tokens);
            TensorAssert.CloseToValues(logits[0, 7], TinyGpt2.Expected.LogitsAtPosition[7], 1e-4, $"logits of {asked} after the real chain");
        }

        // Small files: [rename 307 →] resolve 307 (X-Repo-Commit, X-Linked-Etag, no size) → resolve-cache 200.
        string[] configHeads = ctx.Hub.Requests.Where(r => r.Method == "HEAD" && r.FileName == "config.json").Select(r => r.Path).ToArray();
        string[] expectedHeads =
        [
            .. asked != servedFrom ? [$"/{asked}/resolve/main/config.json"] : Array.Empty<string>(),
            $"/{servedFrom}/resolve/main/config.json",
            $"/api/resolve-cache/models/{servedFrom}/{TinyHub.Commit}/config.json",
        ];
        Assert.Equal(expectedHeads, configHeads);
        foreach (string file in SmallFiles)
        {
            var get = Assert.Single(ctx.Hub.Requests, r => r.Method == "GET" && r.FileName == file);
            Assert.Equal($"/api/resolve-cache/models/{servedFrom}/{TinyHub.Commit}/{file}", get.Path);
            Assert.Contains("etag=", get.Query); // the resolve-cache address is used as the Hub gave it
        }

        // The LFS file: the HEAD walk stops at the 302 to the CDN (never a HEAD there); one GET on the signed link.
        Assert.DoesNotContain(ctx.Hub.Requests, r => r.IsCdn && r.Method == "HEAD");
        var cdn = Assert.Single(ctx.Hub.Requests, r => r.IsCdn);
        Assert.Equal($"/cdn/{ctx.Hub.File(servedFrom, Weights).Sha256}/{Weights}", cdn.Path);
        Assert.Contains("Signature=", cdn.Query);
        Assert.All(ctx.Hub.Requests, r => Assert.Equal("identity", r.AcceptEncoding));

        // Cached under the name asked for, blobs named by the file's own hashes: never by the CDN's ETag.
        string folder = ctx.FolderOf(asked);
        string snapshot = Path.Combine(folder, "snapshots", TinyHub.Commit);
        Assert.Equal(TinyHub.Commit, File.ReadAllText(Path.Combine(folder, "refs", "main")));
        var blobs = Directory.GetFiles(Path.Combine(folder, "blobs")).Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(TinyHub.CheckpointFiles.Select(f => ctx.Hub.File(servedFrom, f).Etag).Order(), blobs);
        Assert.DoesNotContain(TinyHub.CdnEtag(ctx.Hub.File(servedFrom, Weights)), blobs);
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Equal(ctx.Hub.File(servedFrom, file).Content, File.ReadAllBytes(Path.Combine(snapshot, file)));

        // And Python finds it: huggingface_hub's cache lookup and scan accept what was written.
        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
        foreach (string file in TinyHub.CheckpointFiles)
        {
            var found = Assert.IsType<HuggingFaceCacheChecks.Lookup.Found>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, asked, file));
            Assert.Equal(Path.Combine(snapshot, file), found.Path);
        }
        Assert.StartsWith(HubCacheLayout.CacheDirTagSignature + "\n", File.ReadAllText(Path.Combine(ctx.Cache, "CACHEDIR.TAG")));
    }

    [Fact]
    public async Task TheTokenGoesToEveryHubAddressAndNeverToTheCdn()
    {
        const string token = "hf_RealChainToken0123";
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.RequiredToken = token;
        await ctx.Client(o => o with { Token = token }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles);

        Assert.Contains(ctx.Hub.Requests, r => r.IsResolveCache);
        Assert.All(ctx.Hub.Requests.Where(r => !r.IsCdn), r => Assert.Equal($"Bearer {token}", r.Authorization));
        Assert.Null(Assert.Single(ctx.Hub.Requests, r => r.IsCdn).Authorization);
    }

    [Fact]
    public async Task AMissingRepositoryAnswered401IsAnUnknownModel()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt3", TinyHub.CheckpointFiles));
        Assert.Equal(HubErrorKind.NotFound, e.Kind);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("no model named 'gpt3'", e.Message);
        Assert.Contains("Repository not found", e.Message);
        Assert.False(Directory.Exists(ctx.FolderOf("gpt3")));
    }

    [Fact]
    public async Task ACutOffCdnTransferResumesAfterItsSignedLinkExpired()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        int cdnGets = 0;
        ctx.Hub.AddFaultRule(r =>
        {
            if (!r.IsCdn || r.Method != "GET") return null;
            switch (Interlocked.Increment(ref cdnGets))
            {
                case 1:
                    return new HubFault.CutOff(1_000_000);
                case 2:
                    // The learner's connection came back two hours later: the link the Hub handed out has expired.
                    ctx.Hub.AdvanceClock(TimeSpan.FromHours(2));
                    return null;
                default:
                    return null;
            }
        });

        string snapshot = await ctx.Client().DownloadModelAsync("gpt2", ["config.json", Weights]);

        var gets = ctx.Hub.Requests.Where(r => r.IsCdn).ToArray();
        Assert.Equal(3, gets.Length);
        Assert.Null(gets[0].Range);
        Assert.Equal("bytes=1000000-", gets[1].Range);   // refused: expired
        Assert.Equal("bytes=1000000-", gets[2].Range);   // the fresh link, from where the partial file ends
        Assert.NotEqual(gets[1].Query, gets[2].Query);
        // The fresh link came from the Hub, asked at the pinned commit (rename hop, then the 302).
        Assert.Equal(2, ctx.Hub.Requests.Count(r => r.Method == "HEAD" && r.Path == $"/openai-community/gpt2/resolve/{TinyHub.Commit}/{Weights}"));
        Assert.Equal(ctx.Hub.File("openai-community/gpt2", Weights).Content, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
        Assert.Empty(Directory.GetFiles(Path.Combine(ctx.FolderOf("gpt2"), "blobs"), "*.incomplete"));
    }

    [Fact]
    public async Task WhenTheHubItselfRefusesTheFreshLinkItIsAnAccessProblemAndThePartialFileStays()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.AddFault("GET", Weights, new HubFault.CutOff(1_000_000));
        ctx.Hub.AddFaultRule(r =>
        {
            if (r.IsCdn && r.Range is not null)
            {
                ctx.Hub.AdvanceClock(TimeSpan.FromHours(2)); // the link expired...
                ctx.Hub.RequiredToken = "hf_only_for_members"; // ...and meanwhile the model became gated
            }
            return null;
        });

        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt2", [Weights]));
        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Equal(401, e.StatusCode);
        Assert.Contains("The Hugging Face Hub refused access to 'gpt2'", e.Message);
        Assert.Contains("private or gated", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
        string partial = Path.Combine(ctx.FolderOf("gpt2"), "blobs", ctx.Hub.File("openai-community/gpt2", Weights).Sha256 + ".incomplete");
        Assert.Equal(1_000_000, new FileInfo(partial).Length);
    }

    [Fact]
    public async Task AFileServerThatRefusesEvenAFreshLinkIsNotCalledGated()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.AddFaultRule(r => r.IsCdn ? new HubFault.Status(403) : null);

        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt2", [Weights]));
        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Equal(403, e.StatusCode);
        Assert.Contains("its file server refused the download", e.Message);
        Assert.Contains("even a fresh download link", e.Message);
        Assert.Contains("not about HF_TOKEN", e.Message);
        Assert.Contains("127.0.0.1", e.Message);
        Assert.DoesNotContain("private or gated", e.Message);
        Assert.Equal(2, ctx.Hub.Requests.Count(r => r.IsCdn));  // the first link, then one fresh one: no loop
        Assert.Empty(Directory.GetFiles(Path.Combine(ctx.FolderOf("gpt2"), "blobs")));
    }

    [Fact]
    public async Task AGatedAnswerFromTheHubSaysToSetAToken()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.AddFault("HEAD", "config.json", new HubFault.Status(401, "GatedRepo", "Access to model gpt2 is restricted."));
        var e = await Assert.ThrowsAsync<HubException>(() => ctx.Client().DownloadModelAsync("gpt2", ["config.json"]));
        Assert.Equal(HubErrorKind.AccessDenied, e.Kind);
        Assert.Contains("accept its terms", e.Message);
        Assert.Contains("HF_TOKEN", e.Message);
    }
}
