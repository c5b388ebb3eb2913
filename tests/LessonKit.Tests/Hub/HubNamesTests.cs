using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

public class HubNamesTests
{
    [Theory]
    [InlineData("gpt2", "gpt2")]
    [InlineData("distilgpt2", "distilgpt2")]
    [InlineData("gpt2-xl", "gpt2-xl")]
    [InlineData("openai-community/gpt2", "openai-community/gpt2")]
    [InlineData("  gpt2-medium \n", "gpt2-medium")]
    [InlineData("Some_User/my.model-v2", "Some_User/my.model-v2")]
    public void AcceptsHubNamesAndKeepsThemAsGiven(string name, string expected) =>
        Assert.Equal(expected, HubNames.NormalizeRepoId(name));

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b/c")]
    [InlineData("..")]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData(".hidden")]
    [InlineData("-dash")]
    [InlineData("trailing-")]
    [InlineData("a--b")]
    [InlineData("a..b")]
    [InlineData("owner/")]
    [InlineData("/gpt2")]
    [InlineData("gpt 2")]
    [InlineData("gpt2\\x")]
    [InlineData("gpt2?x=1")]
    [InlineData("repo.git")]
    [InlineData("ünïcode")]
    public void RefusesInvalidNamesSayingWhatIsAllowed(string name)
    {
        var e = Assert.Throws<ArgumentException>(() => HubNames.NormalizeRepoId(name));
        Assert.Contains("letters, digits", e.Message);
        Assert.Contains("owner/name", e.Message);
    }

    [Theory]
    [InlineData("../x", "contains '..'")]
    [InlineData("a/b/c", "has 2 slashes")]
    [InlineData("", "empty")]
    [InlineData("a--b", "contains '--'")]
    [InlineData("-x", "starting with '.' or '-'")]
    public void SaysWhatIsWrongWithAName(string name, string problem) =>
        Assert.Contains(problem, Assert.Throws<ArgumentException>(() => HubNames.NormalizeRepoId(name)).Message);

    [Fact]
    public void RefusesNullAndOverlongNames()
    {
        Assert.Throws<ArgumentException>(() => HubNames.NormalizeRepoId(null!));
        Assert.Equal(new string('a', 96), HubNames.NormalizeRepoId(new string('a', 96)));
        var e = Assert.Throws<ArgumentException>(() => HubNames.NormalizeRepoId(new string('a', 97)));
        Assert.Contains("longer than 96", e.Message);
    }

    [Theory]
    [InlineData("main")]
    [InlineData("v1.0")]
    [InlineData("refs/pr/1")]
    [InlineData("7d8a1c5e0b3f4a29c6e1d2b3a4f5e6d7c8b9a0f1")]
    public void AcceptsRevisions(string revision) => Assert.Equal(revision, HubNames.ValidateRevision(revision));

    [Theory]
    [InlineData("../main")]
    [InlineData("..")]
    [InlineData("refs//pr")]
    [InlineData("/main")]
    [InlineData("main/")]
    [InlineData("a b")]
    [InlineData("")]
    public void RefusesRevisionsThatCouldLeaveTheCache(string revision) =>
        Assert.Throws<ArgumentException>(() => HubNames.ValidateRevision(revision));

    [Theory]
    [InlineData("config.json")]
    [InlineData("onnx/model.onnx")]
    [InlineData("weird name.bin")]
    public void AcceptsFileNames(string file) => Assert.Equal(file, HubNames.ValidateFileName(file));

    [Theory]
    [InlineData("../secret")]
    [InlineData("a/../../b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\b")]
    [InlineData("C:x")]
    [InlineData("a//b")]
    [InlineData("./config.json")]
    [InlineData("")]
    public void RefusesFileNamesThatCouldLeaveTheSnapshot(string file) =>
        Assert.Throws<ArgumentException>(() => HubNames.ValidateFileName(file));

    [Theory]
    [InlineData("\"abc123\"", "abc123")]
    [InlineData("W/\"abc123\"", "abc123")]
    [InlineData("abc123", "abc123")]
    [InlineData("\"\"", null)]
    [InlineData(null, null)]
    public void NormalizesEtagsLikeHuggingFaceHub(string? raw, string? expected) =>
        Assert.Equal(expected, HubNames.NormalizeEtag(raw));

    [Theory]
    [InlineData("../../etc", false)]
    [InlineData("a/b", false)]
    [InlineData(".hidden", false)]
    [InlineData("0123abcd", true)]
    public void OnlyPlainServerNamesBecomeCachePaths(string name, bool safe) =>
        Assert.Equal(safe, HubNames.IsSafeServerName(name));

    [Fact]
    public void BuildsResolveUrlsLikeHfHubUrl()
    {
        var client = new HubClient(new HubOptions { Endpoint = "https://hub.example/", CacheDirectory = Path.GetTempPath(), EnvironmentVariables = _ => null });
        var http = new HubHttp(HubSettings.Resolve(new HubOptions { Endpoint = client.Endpoint, CacheDirectory = Path.GetTempPath(), EnvironmentVariables = _ => null }), null);
        Assert.Equal("https://hub.example", client.Endpoint);
        Assert.Equal("https://hub.example/gpt2/resolve/main/config.json", http.ResolveUrl("gpt2", "main", "config.json").AbsoluteUri);
        Assert.Equal("https://hub.example/o/m/resolve/refs%2Fpr%2F1/onnx/weird%20name.bin",
            http.ResolveUrl("o/m", "refs/pr/1", "onnx/weird name.bin").AbsoluteUri);
    }
}
