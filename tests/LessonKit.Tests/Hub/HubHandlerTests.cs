using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>
/// A custom <see cref="HubOptions.Handler"/> (a proxy, logging): one that does not follow redirects works through the
/// whole chain; one that follows them by itself gets a clear error at once instead of a download named after the
/// CDN's ETag.
/// </summary>
public class HubHandlerTests
{
    [Fact]
    public async Task AHandlerThatLeavesRedirectsAloneWorksThroughTheWholeChain()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        using var counting = new CountingHandler { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } };

        string snapshot = await ctx.Client(o => o with { Handler = counting }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles);

        Assert.Equal(ctx.Hub.Requests.Count, counting.Requests);
        Assert.Single(ctx.Hub.Requests, r => r.IsCdn);
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Equal(ctx.Hub.File("openai-community/gpt2", file).Content, File.ReadAllBytes(Path.Combine(snapshot, file)));
    }

    [Fact]
    public async Task ADotNetHandlerSetToFollowRedirectsIsRefusedWhenTheClientIsMade()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        using var plain = new HttpClientHandler(); // AllowAutoRedirect is true by default
        var e = Assert.Throws<ArgumentException>(() => ctx.Client(o => o with { Handler = plain }));
        Assert.Contains("HubOptions.Handler (HttpClientHandler) follows redirects by itself", e.Message);
        Assert.Contains("AllowAutoRedirect = false", e.Message);

        // Also behind a DelegatingHandler, and for SocketsHttpHandler.
        using var wrapped = new CountingHandler { InnerHandler = new SocketsHttpHandler() };
        var inner = Assert.Throws<ArgumentException>(() => new HubClient(ctx.Options() with { Handler = wrapped }));
        Assert.Contains("(SocketsHttpHandler)", inner.Message);

        // And through FromPretrained, before any request.
        using var again = new HttpClientHandler();
        Assert.Throws<ArgumentException>(() => HookedGpt2.FromPretrained("gpt2", hub: ctx.Options() with { Handler = again }));
        Assert.Empty(ctx.Hub.Requests);
    }

    [Fact]
    public async Task AHandlerThatFollowsRedirectsInItsOwnCodeFailsAtTheFirstAnswer()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        using var following = new FollowingHandler { InnerHandler = new SocketsHttpHandler { AllowAutoRedirect = false } };

        var e = await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { Handler = following }).DownloadModelAsync("gpt2", ["model.safetensors", "config.json"]));
        Assert.Equal(HubErrorKind.BadResponse, e.Kind);
        Assert.Contains("HubOptions.Handler followed a redirect by itself for 'model.safetensors' of 'gpt2'", e.Message);
        Assert.Contains("AllowAutoRedirect = false", e.Message);
        Assert.DoesNotContain("Signature=", e.Message); // the signed link is not printed
        Assert.DoesNotContain(ctx.Hub.Requests, r => r.Method == "GET"); // stopped after the first HEAD, before any download
        Assert.False(Directory.Exists(Path.Combine(ctx.FolderOf("gpt2"), "blobs")));
    }

    /// <summary>Counts requests and passes them on.</summary>
    private sealed class CountingHandler : DelegatingHandler
    {
        private int _requests;
        public int Requests => _requests;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _requests);
            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>Follows redirects by sending a new request to each Location, as hand-written retry/redirect handlers do.</summary>
    private sealed class FollowingHandler : DelegatingHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            for (int hop = 0; hop < 10 && (int)response.StatusCode is >= 300 and < 400 && response.Headers.Location is { } location; hop++)
            {
                var next = new HttpRequestMessage(request.Method, new Uri(response.RequestMessage!.RequestUri!, location));
                response.Dispose();
                response = await base.SendAsync(next, cancellationToken);
            }
            return response;
        }
    }
}
