using System.Net;
using System.Net.Sockets;

namespace LessonKit.Hub;

/// <summary>
/// The learner-facing error messages: each says what happened, to which model and file, and what to do.
/// Kept in one place so the wording stays consistent.
/// </summary>
internal static class HubErrors
{
    private const string CheckpointFiles = "config.json, model.safetensors, vocab.json and merges.txt";

    /// <summary>The two ways to work without the Hub, appended to every "cannot reach" message.</summary>
    public static string HowToWorkOffline(string cacheDirectory) =>
        "To work without a network: load the model once on a connected machine so it lands in the cache " +
        $"({cacheDirectory}), then set HF_HUB_OFFLINE=1; or copy a checkpoint folder ({CheckpointFiles}) " +
        "to this machine and pass its path instead of the model name.";

    /// <summary>The random-weight checkpoint that ships with the repository, relative to the repository's folder.</summary>
    public const string TinyCheckpoint = "tests/LessonKit.Tests/Fixtures/tiny-gpt2";

    /// <summary>
    /// For a first run that cannot reach the Hub: how to try a lesson at once on the tiny checkpoint (the README's
    /// command with <c>--model</c>), and that its numbers mean nothing. Starts on a new line.
    /// </summary>
    public static string TryTheTinyCheckpoint() =>
        "\nTo try a lesson right now without the Hub, run it on the tiny checkpoint that ships with LessonKit " +
        "(from the repository's folder):\n" +
        $"  dotnet run -c Release --project src/LessonKit.Runner -- run lessons/2.1-transformer-architecture.ipynb --model {TinyCheckpoint}\n" +
        $"(in a notebook: set {HookedGpt2.ModelOverrideVariable} to that folder's full path before starting it).\n" +
        "Its weights are random: every cell runs, but the numbers it shows mean nothing.";

    /// <summary>Maps an HTTP error answer to a message, using the Hub's <c>X-Error-Code</c> header as huggingface_hub's <c>hf_raise_for_status</c> does.</summary>
    public static HubException ForStatus(HttpResponseMessage response, FileRequest request, bool tokenSent)
    {
        int status = (int)response.StatusCode;
        string? errorCode = Header(response, "X-Error-Code");
        string? serverMessage = Header(response, "X-Error-Message");
        string said = serverMessage is null ? "" : $" The Hub said: \"{serverMessage}\".";
        string answer = $"HTTP {status} {response.ReasonPhrase} from {request.Url}";

        if (errorCode == "RepoNotFound")
            return new HubException(HubErrorKind.NotFound,
                $"There is no model named '{request.RepoId}' on the Hugging Face Hub ({answer}).{said} " +
                $"GPT-2 checkpoints are named {HubNames.Gpt2Names}. Check the spelling; if the model is private or gated, " +
                "set HF_TOKEN to an access token that can read it; to use a checkpoint on disk, pass its folder's path instead.")
            { StatusCode = status };

        if (errorCode == "RevisionNotFound")
            return new HubException(HubErrorKind.NotFound,
                $"The model '{request.RepoId}' has no revision '{request.Revision}' ({answer}).{said} " +
                "Use \"main\" (the default), another branch or tag of the model, or a full commit hash.")
            { StatusCode = status };

        if (errorCode == "EntryNotFound")
            return new HubException(HubErrorKind.NotFound,
                $"The model '{request.RepoId}' has no file '{request.FileName}' at revision '{request.Revision}' ({answer}).{said} " +
                $"A GPT-2 checkpoint needs {CheckpointFiles}; GPT-2 checkpoints are named {HubNames.Gpt2Names}.")
            { StatusCode = status };

        if (status == 404)
            return new HubException(HubErrorKind.NotFound,
                $"Not found on the Hugging Face Hub ({answer}).{said} Either there is no model named '{request.RepoId}', " +
                $"or it has no file '{request.FileName}' at revision '{request.Revision}'. GPT-2 checkpoints are named " +
                $"{HubNames.Gpt2Names}; to use a checkpoint on disk, pass its folder's path instead of a name.")
            { StatusCode = status };

        if (status is 401 or 403)
        {
            string tokenAdvice = tokenSent
                ? "An access token (HF_TOKEN) was sent but does not give access: check that it has read permission " +
                  $"and that you accepted the model's terms on https://huggingface.co/{request.RepoId}."
                : "The model is private or gated: accept its terms on its Hub page if it has any, create a read token at " +
                  "https://huggingface.co/settings/tokens and set the HF_TOKEN environment variable to it before starting " +
                  "the notebook (never paste the token into a notebook you share).";
            return new HubException(HubErrorKind.AccessDenied,
                $"The Hugging Face Hub refused access to '{request.RepoId}' ({answer}).{said} {tokenAdvice}")
            { StatusCode = status };
        }

        string retry = status >= 500 || status == 429
            ? "The Hub is busy or having trouble; wait a minute and run the cell again."
            : $"Check the model name '{request.RepoId}' and HF_ENDPOINT.";
        return new HubException(HubErrorKind.BadResponse,
            $"Could not download '{request.FileName}' of '{request.RepoId}': {answer}.{said} {retry}")
        { StatusCode = status };
    }

    /// <summary>No connection at all: DNS failure, refused connection, no route.</summary>
    public static HubException Unreachable(FileRequest request, string endpoint, string cacheDirectory, Exception error) =>
        new(HubErrorKind.Unreachable,
            $"Could not reach the Hugging Face Hub at {endpoint} to download '{request.FileName}' of '{request.RepoId}': " +
            $"{Describe(error)}. {HowToWorkOffline(cacheDirectory)} " +
            "Behind a proxy, set HTTPS_PROXY; to use a mirror, set HF_ENDPOINT." + TryTheTinyCheckpoint(), error);

    /// <summary>The server accepted the request but sent nothing back in time.</summary>
    public static HubException NoAnswer(FileRequest request, string endpoint, TimeSpan timeout, string cacheDirectory, Exception? error = null) =>
        new(HubErrorKind.TimedOut,
            $"The Hugging Face Hub at {endpoint} did not answer within {Format.Duration(timeout)} when asked for " +
            $"'{request.FileName}' of '{request.RepoId}'. Check your connection and run the cell again; on a slow link, " +
            $"set HF_HUB_ETAG_TIMEOUT to more seconds. {HowToWorkOffline(cacheDirectory)}" + TryTheTinyCheckpoint(), error);

    /// <summary>What a network exception means, in words.</summary>
    public static string Describe(Exception error)
    {
        for (Exception? e = error; e is not null; e = e.InnerException)
        {
            if (e is SocketException s)
                return s.SocketErrorCode switch
                {
                    SocketError.ConnectionRefused => "the connection was refused (nothing is listening at that address)",
                    SocketError.HostNotFound or SocketError.NoData or SocketError.TryAgain =>
                        "the host name could not be resolved (DNS failure: are you offline?)",
                    SocketError.NetworkUnreachable or SocketError.HostUnreachable or SocketError.NetworkDown =>
                        "the network is unreachable (are you offline?)",
                    SocketError.TimedOut => "connecting timed out",
                    SocketError.ConnectionReset or SocketError.ConnectionAborted => "the connection was reset",
                    _ => s.Message,
                };
            if (e is HttpIOException { HttpRequestError: HttpRequestError.ResponseEnded })
                return "the server closed the connection before the file was complete";
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.NameResolutionError })
                return "the host name could not be resolved (DNS failure: are you offline?)";
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.SecureConnectionError })
                return "the secure (TLS) connection failed; a proxy or a wrong system clock can cause this";
            if (e is HttpRequestException { HttpRequestError: HttpRequestError.ProxyTunnelError })
                return "the proxy refused the connection; check HTTPS_PROXY";
        }
        return error.Message;
    }

    public static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>Status codes worth another try during a download (the Hub or its CDN briefly failing).</summary>
    public static bool IsTransient(HttpStatusCode status) =>
        (int)status >= 500 || status is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout;
}

/// <summary>One file being fetched: the names that go into messages.</summary>
internal sealed record FileRequest(string RepoId, string FileName, string Revision, Uri Url);
