using LessonKit.Hub;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>
    /// Set this environment variable to a checkpoint directory (or hub name) to load it whatever name a notebook asks
    /// for: the lesson runner's <c>--model</c> uses it so CI runs lessons on a tiny checkpoint while the notebooks,
    /// unchanged, load real GPT-2 on a learner's machine. LessonKit prints one line whenever it applies.
    /// </summary>
    internal const string ModelOverrideVariable = "LESSONKIT_MODEL_OVERRIDE";

    private static string ResolveCheckpointDirectory(string nameOrDirectory, HubOptions? hubOptions)
    {
        if (Directory.Exists(nameOrDirectory)) return nameOrDirectory;
        string? replacement = Environment.GetEnvironmentVariable(ModelOverrideVariable);
        if (!string.IsNullOrWhiteSpace(replacement) && replacement != nameOrDirectory)
        {
            Console.WriteLine($"LessonKit: loading '{replacement}' instead of '{nameOrDirectory}' ({ModelOverrideVariable} is set).");
            return ResolveCheckpointDirectory(replacement, hubOptions);
        }
        if (File.Exists(nameOrDirectory))
            throw new ArgumentException($"'{nameOrDirectory}' is a file; pass the directory that holds config.json and model.safetensors.", nameof(nameOrDirectory));
        if (LooksLikePath(nameOrDirectory))
            throw new DirectoryNotFoundException(
                $"There is no folder '{nameOrDirectory}' (full path: {Path.GetFullPath(nameOrDirectory)}). To load a checkpoint from disk, pass the " +
                "folder that holds config.json and model.safetensors" +
                (nameOrDirectory.StartsWith('~') ? " (C# does not expand '~': use Environment.GetFolderPath(Environment.SpecialFolder.UserProfile))" : "") +
                $"; to download one, pass a model name such as {HubNames.Gpt2Names}.");
        // Fetched into Hugging Face's cache (shared with Python tools), with progress; a second call finds it there and makes no request.
        return new HubClient(hubOptions).DownloadModel(nameOrDirectory, HubFiles);
    }

    /// <summary>The files a GPT-2 checkpoint is downloaded as: never <c>pytorch_model.bin</c> (pickle).</summary>
    private static readonly string[] HubFiles = [CheckpointFiles.Config, CheckpointFiles.Weights, CheckpointFiles.Vocab, CheckpointFiles.Merges];

    /// <summary>
    /// Whether a string can only be a path, never a hub model name ("name" or "owner/name"): it is rooted, starts
    /// with '.', '~' or a separator, has a backslash, or has more than one '/'.
    /// </summary>
    private static bool LooksLikePath(string nameOrDirectory)
    {
        string s = nameOrDirectory.Trim();
        return Path.IsPathRooted(s) || s.StartsWith('.') || s.StartsWith('~') || s.Contains('\\') || s.Count(c => c == '/') > 1;
    }
}
