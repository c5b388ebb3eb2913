using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

public class HubSettingsTests
{
    private static HubClient ClientWith(Dictionary<string, string> environment, HubOptions? options = null) =>
        new((options ?? new HubOptions()) with { EnvironmentVariables = name => environment.GetValueOrDefault(name) });

    private static string Home => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    [Fact]
    public void DefaultsMatchHuggingFaceHub()
    {
        var client = ClientWith([]);
        Assert.Equal("https://huggingface.co", client.Endpoint);
        Assert.Equal(Path.Combine(Home, ".cache", "huggingface", "hub"), client.CacheDirectory);
        Assert.False(client.Offline);
        Assert.False(client.HasToken);
        Assert.Equal(TimeSpan.FromSeconds(10), client.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(10), client.MetadataTimeout);
    }

    [Fact]
    public void CacheFollowsHfHubCacheThenHfHomeThenXdgCacheHome()
    {
        string root = Path.GetTempPath();
        Assert.Equal(Path.Combine(root, "xdg", "huggingface", "hub"),
            ClientWith(new() { ["XDG_CACHE_HOME"] = Path.Combine(root, "xdg") }).CacheDirectory);
        Assert.Equal(Path.Combine(root, "hf", "hub"),
            ClientWith(new() { ["XDG_CACHE_HOME"] = Path.Combine(root, "xdg"), ["HF_HOME"] = Path.Combine(root, "hf") }).CacheDirectory);
        Assert.Equal(Path.Combine(root, "legacy"),
            ClientWith(new() { ["HF_HOME"] = Path.Combine(root, "hf"), ["HUGGINGFACE_HUB_CACHE"] = Path.Combine(root, "legacy") }).CacheDirectory);
        Assert.Equal(Path.Combine(root, "direct"),
            ClientWith(new() { ["HF_HOME"] = Path.Combine(root, "hf"), ["HUGGINGFACE_HUB_CACHE"] = Path.Combine(root, "legacy"), ["HF_HUB_CACHE"] = Path.Combine(root, "direct") }).CacheDirectory);
        Assert.Equal(Path.Combine(Home, "models"), ClientWith(new() { ["HF_HUB_CACHE"] = "~/models" }).CacheDirectory);
        Assert.Equal(Path.Combine(root, "explicit"),
            ClientWith(new() { ["HF_HUB_CACHE"] = Path.Combine(root, "direct") }, new HubOptions { CacheDirectory = Path.Combine(root, "explicit") }).CacheDirectory);
    }

    [Theory]
    [InlineData("1", true)]
    [InlineData("true", true)]
    [InlineData("YES", true)]
    [InlineData("on", true)]
    [InlineData("0", false)]
    [InlineData("false", false)]
    [InlineData("", false)]
    public void OfflineFollowsHfHubOffline(string value, bool offline) =>
        Assert.Equal(offline, ClientWith(new() { ["HF_HUB_OFFLINE"] = value }).Offline);

    [Fact]
    public void ExplicitOptionsWinOverTheEnvironment()
    {
        var client = ClientWith(new() { ["HF_HUB_OFFLINE"] = "1", ["HF_ENDPOINT"] = "https://mirror.example/", ["HF_TOKEN"] = "hf_env" },
            new HubOptions { Offline = false, Endpoint = "http://127.0.0.1:9", Timeout = TimeSpan.FromSeconds(3) });
        Assert.False(client.Offline);
        Assert.Equal("http://127.0.0.1:9", client.Endpoint);
        Assert.True(client.HasToken);
        Assert.Equal(TimeSpan.FromSeconds(3), client.Timeout);
    }

    [Fact]
    public void ReadsEndpointTokenAndTimeoutFromTheEnvironment()
    {
        var client = ClientWith(new() { ["HF_ENDPOINT"] = "https://mirror.example/", ["HUGGING_FACE_HUB_TOKEN"] = "hf_old", ["HF_HUB_DOWNLOAD_TIMEOUT"] = "2.5", ["HF_HUB_ETAG_TIMEOUT"] = "4" });
        Assert.Equal("https://mirror.example", client.Endpoint);
        Assert.True(client.HasToken);
        Assert.Equal(TimeSpan.FromSeconds(2.5), client.Timeout);
        Assert.Equal(TimeSpan.FromSeconds(4), client.MetadataTimeout);
    }

    [Fact]
    public void BadSettingsSayWhatIsExpected()
    {
        var timeout = Assert.Throws<ArgumentException>(() => ClientWith(new() { ["HF_HUB_DOWNLOAD_TIMEOUT"] = "soon" }));
        Assert.Contains("HF_HUB_DOWNLOAD_TIMEOUT", timeout.Message);
        var endpoint = Assert.Throws<ArgumentException>(() => ClientWith(new() { ["HF_ENDPOINT"] = "huggingface.co" }));
        Assert.Contains("HF_ENDPOINT", endpoint.Message);
        Assert.Throws<ArgumentException>(() => ClientWith([], new HubOptions { MaxRetries = -1 }));
    }

    [Fact]
    public void DescriptionsNeverShowTheToken()
    {
        const string token = "hf_SuperSecretValue123";
        var options = new HubOptions { Token = token, EnvironmentVariables = _ => null };
        var client = new HubClient(options);
        Assert.True(client.HasToken);
        Assert.DoesNotContain(token, options.ToString());
        Assert.DoesNotContain(token, client.ToString());
        Assert.Contains("hidden", client.ToString());
    }
}
