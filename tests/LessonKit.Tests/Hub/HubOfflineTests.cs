using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>HF_HUB_OFFLINE=1: the cache only, never the network.</summary>
public class HubOfflineTests
{
    [Fact]
    public async Task OfflineUsesAFilledCacheWithoutAnyRequest()
    {
        await using var ctx = new HubTestContext();
        string online = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles);
        int requests = ctx.Hub.Requests.Count;

        var offline = new HubClient(ctx.Options(new() { ["HF_HUB_OFFLINE"] = "1" }) with { Offline = null });
        Assert.True(offline.Offline);
        Assert.Equal(online, await offline.DownloadModelAsync(HubTestContext.Repo, TinyHub.CheckpointFiles));
        Assert.Equal(requests, ctx.Hub.Requests.Count);
    }

    [Fact]
    public async Task OfflineWithAnEmptyCacheSaysHowToGetTheModel()
    {
        await using var ctx = new HubTestContext();
        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Offline = true }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));
        Assert.Equal(HubErrorKind.NotInOfflineCache, e.Kind);
        Assert.Contains("HubOptions.Offline is true", e.Message);
        Assert.Contains("leave HubOptions.Offline unset", e.Message);
        Assert.DoesNotContain("HF_HUB_OFFLINE", e.Message); // the variable is not what made this client offline
        Assert.Contains("no models--gpt2 folder in the cache", e.Message);
        Assert.Contains("run once with a network connection", e.Message);
        Assert.Contains("copy a checkpoint folder", e.Message);
        Assert.Contains("pass its path instead of the model name", e.Message);
        Assert.Empty(ctx.Hub.Requests);
    }

    [Fact]
    public async Task OfflineFromTheEnvironmentSaysToUnsetTheVariable()
    {
        await using var ctx = new HubTestContext();
        var offline = new HubClient(ctx.Options(new() { ["HF_HUB_OFFLINE"] = "1" }) with { Offline = null });
        var e = await Assert.ThrowsAsync<HubException>(() => offline.DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));
        Assert.Contains("HF_HUB_OFFLINE=1 is set", e.Message);
        Assert.Contains("unset HF_HUB_OFFLINE", e.Message);
        Assert.Empty(ctx.Hub.Requests);
    }

    [Fact]
    public async Task OfflineWithAPartialCacheNamesTheMissingFiles()
    {
        await using var ctx = new HubTestContext();
        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);
        int requests = ctx.Hub.Requests.Count;

        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Offline = true }).DownloadModelAsync(HubTestContext.Repo, ["config.json", "model.safetensors", "vocab.json"]));
        Assert.Equal(HubErrorKind.NotInOfflineCache, e.Kind);
        Assert.Contains("lacks model.safetensors, vocab.json", e.Message);
        Assert.Equal(requests, ctx.Hub.Requests.Count);

        var branch = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Offline = true }).DownloadModelAsync(HubTestContext.Repo, ["config.json"], revision: "dev"));
        Assert.Contains("no snapshot for revision 'dev'", branch.Message);
    }

    [Fact]
    public async Task AFirstRunThatCannotReachTheHubSaysHowToTryTheLessonOnTheTinyCheckpoint()
    {
        await using var ctx = new HubTestContext();
        var offline = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Offline = true }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));

        // Nothing listens on the endpoint: what a learner without a network sees on the README's first command.
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        int port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        var unreachable = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Endpoint = $"http://127.0.0.1:{port}" }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));
        Assert.Equal(HubErrorKind.Unreachable, unreachable.Kind);

        string root = RepositoryRoot();
        foreach (var e in new[] { offline, unreachable })
        {
            string[] lines = e.Message.Split('\n');
            string command = Assert.Single(lines, l => l.Contains("--model", StringComparison.Ordinal)).Trim();
            Assert.Equal("dotnet run -c Release --project src/LessonKit.Runner -- run lessons/2.1-transformer-architecture.ipynb " +
                         "--model tests/LessonKit.Tests/Fixtures/tiny-gpt2", command);
            Assert.Contains(lines, l => l.Contains("LESSONKIT_MODEL_OVERRIDE", StringComparison.Ordinal));
            Assert.Equal("Its weights are random: every cell runs, but the numbers it shows mean nothing.", lines[^1]);
        }
        // The command names what is really there.
        Assert.True(File.Exists(Path.Combine(root, "src", "LessonKit.Runner", "LessonKit.Runner.csproj")));
        Assert.True(File.Exists(Path.Combine(root, "lessons", "2.1-transformer-architecture.ipynb")));
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.True(File.Exists(Path.Combine(root, "tests", "LessonKit.Tests", "Fixtures", "tiny-gpt2", file)), file);
    }

    /// <summary>The folder holding LessonKit.slnx, found upward from the test binaries.</summary>
    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "LessonKit.slnx"))) return dir.FullName;
        throw new DirectoryNotFoundException("LessonKit.slnx not found above " + AppContext.BaseDirectory);
    }
}
