namespace LessonKit.Hub;

/// <summary>
/// Settings for downloading a model from the Hugging Face Hub (<c>HookedGpt2.FromPretrained(name, hub: ...)</c>).
/// Every setting left <c>null</c> comes from the same environment variables
/// the Python <c>huggingface_hub</c> library reads, so both share one cache and one configuration.
/// </summary>
public sealed record HubOptions
{
    /// <summary>Hub address; default <c>HF_ENDPOINT</c>, else <c>https://huggingface.co</c>.</summary>
    public string? Endpoint { get; init; }

    /// <summary>Cache folder; default <c>HF_HUB_CACHE</c>, else <c>HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>.</summary>
    public string? CacheDirectory { get; init; }

    /// <summary>Use the cache only, never the network; default <c>HF_HUB_OFFLINE</c> (1, true, yes or on).</summary>
    public bool? Offline { get; init; }

    /// <summary>Access token for private or gated models; default <c>HF_TOKEN</c>. Sent as a bearer token, never printed.</summary>
    public string? Token { get; init; }

    /// <summary>
    /// While downloading a file: how long to wait for the server to answer or send the next piece of data before
    /// the attempt counts as stalled (and is resumed); default <c>HF_HUB_DOWNLOAD_TIMEOUT</c> (seconds), else 10 seconds.
    /// </summary>
    public TimeSpan? Timeout { get; init; }

    /// <summary>
    /// How long to wait for the Hub's answer about a file (the HEAD request that finds its commit and ETag);
    /// default <c>HF_HUB_ETAG_TIMEOUT</c> (seconds), else 10 seconds.
    /// </summary>
    public TimeSpan? MetadataTimeout { get; init; }

    /// <summary>How many times one file's download is resumed after the connection breaks off (default 5, as huggingface_hub).</summary>
    public int MaxRetries { get; init; } = 5;

    /// <summary>Pause before resuming a broken download (default 1 second).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Show download progress when no <see cref="IProgress{T}"/> is passed (default true), and loading progress for a
    /// weights file of 1 GB or more (gpt2-medium and larger), which takes seconds to read.
    /// </summary>
    public bool ShowProgress { get; init; } = true;

    /// <summary>Where the default progress display writes; default <see cref="Console.Out"/>.</summary>
    public TextWriter? ProgressWriter { get; init; }

    /// <summary>
    /// HTTP handler to send requests through (tests, proxies). It must not follow redirects by itself: the Hub's
    /// answer about a file (commit, hash, size) is on its redirects, and the token must not follow them to the file
    /// CDN. An <see cref="HttpClientHandler"/> or <see cref="SocketsHttpHandler"/> (also inside
    /// <see cref="DelegatingHandler"/>s) with <c>AllowAutoRedirect = true</c> is refused when the client is made; any
    /// other handler seen following a redirect fails the first request with a message saying so. When null a shared
    /// handler is used that does not follow redirects by itself.
    /// </summary>
    public HttpMessageHandler? Handler { get; init; }

    /// <summary>Weights files at least this big show loading progress (tests lower it).</summary>
    internal long LoadProgressThresholdBytes { get; init; } = 1L << 30;

    /// <summary>Reads an environment variable; tests replace it so the real environment never leaks in.</summary>
    internal Func<string, string?> EnvironmentVariables { get; init; } = Environment.GetEnvironmentVariable;

    /// <summary>Opens the partial download file (tests replace it to simulate a full disk).</summary>
    internal Func<string, Stream>? OpenPartialFile { get; init; }

    /// <summary>Free bytes on the disk holding a folder, or null when unknown (tests replace it).</summary>
    internal Func<string, long?>? FreeSpaceProbe { get; init; }

    /// <summary>Force symlink support on or off instead of probing the cache folder (tests).</summary>
    internal bool? SymlinksSupported { get; init; }

    /// <summary>Describes the options without revealing the token.</summary>
    public override string ToString() =>
        $"HubOptions {{ Endpoint = {Endpoint ?? "(environment)"}, CacheDirectory = {CacheDirectory ?? "(environment)"}, " +
        $"Offline = {(Offline?.ToString() ?? "(environment)")}, Token = {(Token is null ? "(environment)" : "(set, hidden)")}, " +
        $"Timeout = {(Timeout?.ToString() ?? "(environment)")}, MetadataTimeout = {(MetadataTimeout?.ToString() ?? "(environment)")}, " +
        $"MaxRetries = {MaxRetries} }}";
}
