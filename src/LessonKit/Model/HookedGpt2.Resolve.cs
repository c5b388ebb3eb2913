using LessonKit.Hub;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>
    /// Set this environment variable to a checkpoint directory (or hub name) to load it whatever name a notebook asks
    /// for: the lesson runner's <c>--model</c> uses it so CI runs lessons on a tiny checkpoint while the notebooks,
    /// unchanged, load real GPT-2 on a learner's machine. LessonKit prints one line whenever it applies.
    /// </summary>
    public const string ModelOverrideVariable = "LESSONKIT_MODEL_OVERRIDE";

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
        return DownloadFromHub(nameOrDirectory, hubOptions);
    }
}
