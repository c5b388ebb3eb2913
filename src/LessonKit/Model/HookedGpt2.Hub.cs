using LessonKit.Hub;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>The files a GPT-2 checkpoint is downloaded as: never <c>pytorch_model.bin</c> (pickle).</summary>
    private static readonly string[] HubFiles = [CheckpointFiles.Config, CheckpointFiles.Weights, CheckpointFiles.Vocab, CheckpointFiles.Merges];

    /// <summary>
    /// Fetches a checkpoint by hub name into Hugging Face's cache (shared with Python tools), showing progress, and
    /// returns its snapshot folder. A second call finds everything in the cache and makes no request.
    /// </summary>
    private static string DownloadFromHub(string name, HubOptions? hubOptions)
    {
        string repoId = HubClient.NormalizeRepoId(name);
        return new HubClient(hubOptions).DownloadModel(repoId, HubFiles);
    }
}
