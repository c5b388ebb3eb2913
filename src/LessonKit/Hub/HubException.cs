namespace LessonKit.Hub;

/// <summary>What went wrong while getting a model from the Hugging Face Hub.</summary>
public enum HubErrorKind
{
    /// <summary>The model, the file or the revision does not exist on the Hub (HTTP 404).</summary>
    NotFound,
    /// <summary>
    /// Access was refused (HTTP 401/403): by the Hub, when the model is private or gated and HF_TOKEN is missing or
    /// lacks access; or by its file server, when even a fresh download link is refused.
    /// </summary>
    AccessDenied,
    /// <summary>The Hub could not be reached at all: no network, DNS failure, connection refused.</summary>
    Unreachable,
    /// <summary>The Hub did not answer, or stopped sending data, within the timeout.</summary>
    TimedOut,
    /// <summary>The connection broke off mid-file more often than the retry budget allows.</summary>
    Interrupted,
    /// <summary>HF_HUB_OFFLINE is set and a requested file is not in the cache.</summary>
    NotInOfflineCache,
    /// <summary>The downloaded bytes do not match the size or hash (SHA-256 or git blob SHA-1) the Hub announced; they were thrown away.</summary>
    Corrupted,
    /// <summary>The cache folder could not be written: the disk is full or the folder is not writable.</summary>
    DiskWrite,
    /// <summary>The server answered in a way a Hugging Face Hub never does (missing headers, unexpected status).</summary>
    BadResponse,
}

/// <summary>
/// A failure to get a model from the Hugging Face Hub, with a message written for a learner: what happened and
/// what to do next. The message never contains the access token.
/// </summary>
public sealed class HubException : Exception
{
    /// <summary>Creates the exception.</summary>
    public HubException(HubErrorKind kind, string message, Exception? inner = null) : base(message, inner) => Kind = kind;

    /// <summary>What went wrong, for code that wants to react (for example fall back to a local folder).</summary>
    public HubErrorKind Kind { get; }

    /// <summary>The HTTP status the Hub answered with, when the failure came from an HTTP answer.</summary>
    public int? StatusCode { get; init; }
}
