using System.Text.RegularExpressions;

namespace LessonKit.Hub;

/// <summary>
/// Checks the names that end up in URLs and in cache paths: model names, revisions, file names, and the commit
/// hashes and ETags the server sends back. Anything that could climb out of the cache folder is refused.
/// </summary>
internal static partial class HubNames
{
    /// <summary>The Hub's limit on one part of a repository name (huggingface_hub's <c>validate_repo_id</c>).</summary>
    public const int MaxPartLength = 96;

    /// <summary>GPT-2 checkpoints on the Hub, named in error messages.</summary>
    public const string Gpt2Names = "gpt2, gpt2-medium, gpt2-large, gpt2-xl and distilgpt2";

    private const string AllowedRepoText =
        "A model name is 'name' or 'owner/name' (for example gpt2 or openai-community/gpt2): letters, digits, " +
        "'.', '_' and '-', at most 96 characters per part, not starting or ending with '.' or '-', " +
        "and without '..' or '--'. To load a checkpoint folder from disk, pass its path instead of a name.";

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex RepoPart();

    [GeneratedRegex("^[0-9a-f]{40}$")]
    private static partial Regex CommitHash();

    [GeneratedRegex("^[0-9a-f]{64}$")]
    private static partial Regex Sha256Hex();

    [GeneratedRegex("^[A-Za-z0-9_][A-Za-z0-9._-]{0,199}$")]
    private static partial Regex SafeServerName();

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex RevisionPart();

    /// <summary>Trims and validates a Hub model name; returns it unchanged otherwise (the cache uses the name as requested).</summary>
    public static string NormalizeRepoId(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
            throw new ArgumentException("The model name is empty. " + AllowedRepoText, nameof(name));
        string id = name.Trim();
        string[] parts = id.Split('/');
        if (parts.Length > 2)
            throw new ArgumentException($"'{id}' has {parts.Length - 1} slashes but a model name has at most one. " + AllowedRepoText, nameof(name));
        foreach (string part in parts)
        {
            string? problem =
                part.Length == 0 ? "has an empty part"
                : part.Length > MaxPartLength ? $"has a part longer than {MaxPartLength} characters"
                : !RepoPart().IsMatch(part) ? "contains a character other than letters, digits, '.', '_' and '-'"
                : part.Contains("..", StringComparison.Ordinal) ? "contains '..'"
                : part.Contains("--", StringComparison.Ordinal) ? "contains '--'"
                : part[0] is '.' or '-' ? "has a part starting with '.' or '-'"
                : part[^1] is '.' or '-' ? "has a part ending with '.' or '-'"
                : null;
            if (problem is not null)
                throw new ArgumentException($"'{id}' is not a valid model name: it {problem}. " + AllowedRepoText, nameof(name));
        }
        if (id.EndsWith(".git", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"'{id}' is not a valid model name: it ends with '.git'. " + AllowedRepoText, nameof(name));
        return id;
    }

    /// <summary>A branch, tag, commit hash or <c>refs/pr/N</c>; it becomes a path under <c>refs/</c>, so no '..' or empty parts.</summary>
    public static string ValidateRevision(string? revision)
    {
        const string allowed = "A revision is a branch, tag or commit hash such as 'main' or 'refs/pr/1': letters, digits, " +
                               "'.', '_', '-' and '/' between non-empty parts, none of them '.' or '..'.";
        if (string.IsNullOrWhiteSpace(revision))
            throw new ArgumentException("The revision is empty. " + allowed, nameof(revision));
        if (revision.Length > 255 || revision.Split('/').Any(p => p.Length == 0 || p is "." or ".." || !RevisionPart().IsMatch(p)))
            throw new ArgumentException($"'{revision}' is not a valid revision. " + allowed, nameof(revision));
        return revision;
    }

    /// <summary>A file inside the repository, such as <c>config.json</c> or <c>onnx/model.onnx</c>.</summary>
    public static string ValidateFileName(string? file)
    {
        const string allowed = "A file name is a path inside the repository such as 'config.json' or 'onnx/model.onnx': " +
                               "'/' between non-empty parts, none of them '.' or '..', no '\\', ':' or control characters.";
        if (string.IsNullOrWhiteSpace(file))
            throw new ArgumentException("A file name in the list is empty. " + allowed, nameof(file));
        bool bad = file.Length > 1024 || file.StartsWith('/') || file.Contains('\\') || file.Contains(':') ||
                   file.Any(char.IsControl) ||
                   file.Split('/').Any(p => p.Length == 0 || p is "." or ".." || p != p.Trim());
        if (bad) throw new ArgumentException($"'{file}' is not a valid file name. " + allowed, nameof(file));
        return file;
    }

    /// <summary>True for a full 40-hex git commit hash.</summary>
    public static bool IsCommitHash(string value) => CommitHash().IsMatch(value);

    /// <summary>True when an ETag is a SHA-256 in hex: the Hub's ETag for LFS files, which makes the content checkable.</summary>
    public static bool IsSha256(string etag) => Sha256Hex().IsMatch(etag);

    /// <summary>
    /// True when an ETag is 40 hex digits: the Hub's ETag for files kept in git, git's blob id
    /// <c>sha1("blob {size}\0" + content)</c>, which makes the content checkable too.
    /// </summary>
    public static bool IsGitBlobId(string etag) => CommitHash().IsMatch(etag);

    /// <summary>
    /// Commit hashes and ETags come from the server and become folder and file names, so they must be plain names.
    /// </summary>
    public static bool IsSafeServerName(string value) => SafeServerName().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal);

    /// <summary>huggingface_hub's <c>_normalize_etag</c>: drops a weak-validator <c>W/</c> prefix and the quotes.</summary>
    public static string? NormalizeEtag(string? etag)
    {
        if (etag is null) return null;
        string e = etag.Trim();
        if (e.StartsWith("W/", StringComparison.Ordinal)) e = e[2..];
        e = e.Trim('"');
        return e.Length == 0 ? null : e;
    }

    /// <summary>Escapes each part of a file path for a URL, keeping the '/' between them (Python's <c>quote(filename)</c>).</summary>
    public static string EscapeFilePath(string file) => string.Join('/', file.Split('/').Select(Uri.EscapeDataString));
}
