using System.Globalization;

namespace LessonKit.Hub;

/// <summary>
/// <see cref="HubOptions"/> with every gap filled from the environment, following huggingface_hub's
/// <c>constants.py</c>: HF_ENDPOINT, HF_HUB_CACHE (or the older HUGGINGFACE_HUB_CACHE), HF_HOME, XDG_CACHE_HOME,
/// HF_HUB_OFFLINE, HF_TOKEN (or the older HUGGING_FACE_HUB_TOKEN), HF_HUB_DOWNLOAD_TIMEOUT and HF_HUB_ETAG_TIMEOUT.
/// </summary>
internal sealed record HubSettings(string Endpoint, string CacheDirectory, bool Offline, string? Token, TimeSpan Timeout,
    TimeSpan MetadataTimeout)
{
    /// <summary>What made this client offline, for error messages: the option or the environment variable.</summary>
    public string OfflineReason { get; init; } = "HF_HUB_OFFLINE=1 is set";

    public const string DefaultEndpoint = "https://huggingface.co";
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(10);

    public static HubSettings Resolve(HubOptions options)
    {
        var env = options.EnvironmentVariables;
        string? Env(string name) => env(name) is { Length: > 0 } value ? value.Trim() : null;

        string endpoint = (options.Endpoint ?? Env("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        if (!Uri.TryCreate(endpoint, UriKind.Absolute, out var endpointUri) ||
            (endpointUri.Scheme != Uri.UriSchemeHttp && endpointUri.Scheme != Uri.UriSchemeHttps))
            throw new ArgumentException(
                $"The Hub endpoint '{endpoint}' is not an http(s) address. Set HF_ENDPOINT (or HubOptions.Endpoint) " +
                $"to something like {DefaultEndpoint}, or unset it.", nameof(options));

        string cache = options.CacheDirectory ?? Env("HF_HUB_CACHE") ?? Env("HUGGINGFACE_HUB_CACHE") ?? DefaultCache(Env);
        cache = Path.GetFullPath(ExpandHome(cache));

        bool offline = options.Offline ?? IsTrue(Env("HF_HUB_OFFLINE"));
        string? token = options.Token is { Length: > 0 } t ? t : Env("HF_TOKEN") ?? Env("HUGGING_FACE_HUB_TOKEN");

        TimeSpan timeout = options.Timeout ?? TimeoutFromEnvironment("HF_HUB_DOWNLOAD_TIMEOUT", Env("HF_HUB_DOWNLOAD_TIMEOUT"));
        TimeSpan metadataTimeout = options.MetadataTimeout ?? TimeoutFromEnvironment("HF_HUB_ETAG_TIMEOUT", Env("HF_HUB_ETAG_TIMEOUT"));
        if (timeout <= TimeSpan.Zero || metadataTimeout <= TimeSpan.Zero)
            throw new ArgumentException($"Hub timeouts must be positive, not {timeout} and {metadataTimeout}.", nameof(options));
        if (options.MaxRetries < 0)
            throw new ArgumentException($"MaxRetries must be 0 or more, not {options.MaxRetries}.", nameof(options));

        return new HubSettings(endpoint, cache, offline, token, timeout, metadataTimeout)
        {
            OfflineReason = options.Offline is true ? "HubOptions.Offline is true" : "HF_HUB_OFFLINE=1 is set",
        };
    }

    /// <summary>huggingface_hub's default: <c>$HF_HOME/hub</c>, with HF_HOME defaulting to <c>$XDG_CACHE_HOME/huggingface</c> or <c>~/.cache/huggingface</c>.</summary>
    private static string DefaultCache(Func<string, string?> env)
    {
        string home = env("HF_HOME")
            ?? Path.Combine(env("XDG_CACHE_HOME") ?? Path.Combine(UserHome(), ".cache"), "huggingface");
        return Path.Combine(ExpandHome(home), "hub");
    }

    private static string UserHome() => Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);

    private static string ExpandHome(string path) =>
        path == "~" ? UserHome()
        : path.StartsWith("~/", StringComparison.Ordinal) || path.StartsWith("~\\", StringComparison.Ordinal)
            ? Path.Combine(UserHome(), path[2..])
            : path;

    /// <summary>Same truthy spellings as huggingface_hub's <c>_is_true</c>.</summary>
    internal static bool IsTrue(string? value) =>
        value is not null && value.ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    private static TimeSpan TimeoutFromEnvironment(string variable, string? seconds)
    {
        if (seconds is null) return DefaultTimeout;
        if (double.TryParse(seconds, NumberStyles.Float, CultureInfo.InvariantCulture, out double s) && s > 0)
            return TimeSpan.FromSeconds(s);
        throw new ArgumentException(
            $"{variable} is '{seconds}', but it must be a positive number of seconds (for example 30).");
    }
}
