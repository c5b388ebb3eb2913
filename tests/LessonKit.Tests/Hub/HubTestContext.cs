using LessonKit.Hub;

namespace LessonKit.Tests.Hub;

/// <summary>
/// A test hub on 127.0.0.1 and a temporary cache folder, removed afterwards. Options never read the real
/// environment, so a learner's HF_TOKEN, HF_HUB_OFFLINE or ~/.cache is never touched.
/// </summary>
internal sealed class HubTestContext : IAsyncDisposable
{
    public const string Repo = "test-org/tiny-gpt2";

    public HubTestContext()
    {
        Hub = new TinyHub().AddRepo(Repo);
        Cache = Path.Combine(Path.GetTempPath(), "lessonkit-hub-tests", Guid.NewGuid().ToString("N"));
    }

    /// <summary>
    /// A test hub answering as huggingface.co does (<see cref="TinyHub.RealAnswers"/>), hosting the tiny checkpoint
    /// as <see cref="Repo"/>, as <c>openai-community/gpt2</c> (asked for as <c>gpt2</c>) and as
    /// <c>distilbert/distilgpt2</c> (asked for as <c>distilgpt2</c>), the renames huggingface.co has.
    /// </summary>
    public static HubTestContext WithRealAnswers()
    {
        var ctx = new HubTestContext();
        ctx.Hub.RealAnswers = true;
        ctx.Hub.AddRepo("openai-community/gpt2").AddRename("gpt2", "openai-community/gpt2")
            .AddRepo("distilbert/distilgpt2").AddRename("distilgpt2", "distilbert/distilgpt2");
        return ctx;
    }

    public TinyHub Hub { get; }
    public string Cache { get; }
    public string RepoFolder => Path.Combine(Cache, "models--test-org--tiny-gpt2");

    /// <summary>
    /// Options for a client talking to the test hub: short retry pauses, no console output. Timeouts stay generous
    /// so a busy machine never trips them; the stall tests set their own.
    /// </summary>
    public HubOptions Options(Dictionary<string, string>? environment = null) => new()
    {
        Endpoint = Hub.Endpoint,
        CacheDirectory = Cache,
        Offline = false,
        Timeout = TimeSpan.FromSeconds(10),
        MetadataTimeout = TimeSpan.FromSeconds(10),
        RetryDelay = TimeSpan.FromMilliseconds(10),
        ShowProgress = false,
        EnvironmentVariables = name => environment is not null && environment.TryGetValue(name, out var v) ? v : null,
    };

    public HubClient Client(Func<HubOptions, HubOptions>? adjust = null) =>
        new(adjust is null ? Options() : adjust(Options()));

    /// <summary>The cache folder of a model as asked for: <c>models--owner--name</c>.</summary>
    public string FolderOf(string repoId) => Path.Combine(Cache, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));

    public int Count(string method, string fileName) =>
        Hub.Requests.Count(r => r.Method == method && r.FileName == fileName);

    public async ValueTask DisposeAsync()
    {
        await Hub.DisposeAsync();
        try
        {
            if (Directory.Exists(Cache)) Directory.Delete(Cache, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
