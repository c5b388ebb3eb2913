using System.Text;
using LessonKit.Hub;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Hub;

/// <summary>
/// One cache for Python and LessonKit: a cache laid out the way huggingface_hub writes it loads here, offline; and
/// what LessonKit writes passes the checks huggingface_hub makes when it reads a cache.
/// </summary>
public class HubCacheCompatibilityTests
{
    /// <summary>Files transformers asks for that GPT-2 does not have: huggingface_hub records them in <c>.no_exist/</c>.</summary>
    private static readonly string[] AbsentFiles = ["pytorch_model.bin", "model.safetensors.index.json", "added_tokens.json", "generation_config.json"];

    /// <summary>
    /// Writes <paramref name="repoId"/> into <paramref name="cache"/> as huggingface_hub leaves it after
    /// <c>from_pretrained</c> and an interrupted second download: <c>CACHEDIR.TAG</c>, lock files, blobs named by
    /// ETag, relative symlinks in the snapshot, <c>refs/main</c> without a newline, <c>.no_exist/</c> entries, and a
    /// per-process partial file <c>{etag}.{8 hex}.incomplete</c>.
    /// </summary>
    internal static string WriteLikeHuggingFaceHub(string cache, string repoId, TinyHub hub, string servedFrom)
    {
        string folderName = "models--" + repoId.Replace("/", "--", StringComparison.Ordinal);
        string repo = Path.Combine(cache, folderName);
        string snapshot = Path.Combine(repo, "snapshots", TinyHub.Commit);
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(snapshot);
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        Directory.CreateDirectory(Path.Combine(cache, ".locks", folderName));
        File.WriteAllText(Path.Combine(cache, "CACHEDIR.TAG"),
            "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by huggingface_hub.\n");
        foreach (string file in TinyHub.CheckpointFiles)
        {
            var hosted = hub.File(servedFrom, file);
            File.WriteAllBytes(Path.Combine(repo, "blobs", hosted.Etag), hosted.Content);
            File.CreateSymbolicLink(Path.Combine(snapshot, file), $"../../blobs/{hosted.Etag}");
            File.WriteAllBytes(Path.Combine(cache, ".locks", folderName, hosted.Etag + ".lock"), []);
        }
        File.WriteAllText(Path.Combine(repo, "refs", "main"), TinyHub.Commit);
        foreach (string absent in AbsentFiles)
        {
            string marker = Path.Combine(repo, ".no_exist", TinyHub.Commit, absent);
            Directory.CreateDirectory(Path.GetDirectoryName(marker)!);
            File.WriteAllBytes(marker, []);
        }
        // A download of a newer weights file, interrupted: Python never resumes these, it starts a new one.
        string newerEtag = new string('e', 64);
        File.WriteAllBytes(Path.Combine(repo, "blobs", $"{newerEtag}.3f9a0c1b.incomplete"), Encoding.ASCII.GetBytes("partial bytes"));
        return snapshot;
    }

    [Fact]
    public async Task ACacheWrittenByHuggingFaceHubLoadsOffline()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        string snapshot = WriteLikeHuggingFaceHub(ctx.Cache, "gpt2", ctx.Hub, "openai-community/gpt2");
        string[] before = AllPaths(ctx.Cache);

        using (var model = HookedGpt2.FromPretrained("gpt2", hub: ctx.Options() with { Offline = true }))
        {
            Assert.Equal("gpt2", model.Config.ModelName);
            using var tokens = TinyGpt2.ReferenceTokens();
            using var logits = model.Forward(tokens);
            TensorAssert.CloseToValues(logits[0, 7], TinyGpt2.Expected.LogitsAtPosition[7], 1e-4, "logits from a cache Python wrote");
        }
        Assert.Equal(snapshot, ctx.Client(o => o with { Offline = true }).FindCachedModel("gpt2", TinyHub.CheckpointFiles));

        // Online too it is used as it is: no request, and nothing in it changed (its partial file included).
        Assert.Equal(snapshot, await ctx.Client().DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));
        Assert.Empty(ctx.Hub.Requests);
        Assert.Equal(before, AllPaths(ctx.Cache));
    }

    [Fact]
    public async Task TheChecksAcceptAHuggingFaceHubCacheAndCatchWhatTheyShould()
    {
        // The checks themselves: they pass on a cache laid out as huggingface_hub lays it out, and fail on the
        // damage huggingface_hub reports.
        await using var ctx = HubTestContext.WithRealAnswers();
        string snapshot = WriteLikeHuggingFaceHub(ctx.Cache, "gpt2", ctx.Hub, "openai-community/gpt2");
        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.CachedNoExist>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "pytorch_model.bin"));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.NotCached>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "tokenizer.json"));

        string repo = ctx.FolderOf("gpt2");
        File.WriteAllText(Path.Combine(repo, "refs", "main"), TinyHub.Commit + "\n"); // a newline is part of the hash to Python
        Assert.Contains(HuggingFaceCacheChecks.Scan(ctx.Cache), p => p.StartsWith("Reference(s) refer to missing commit hashes", StringComparison.Ordinal));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.NotCached>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "config.json"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), TinyHub.Commit);

        File.Delete(Path.Combine(repo, "blobs", ctx.Hub.File("openai-community/gpt2", "vocab.json").Etag));
        Assert.Contains(HuggingFaceCacheChecks.Scan(ctx.Cache), p => p.StartsWith("Blob missing (broken symlink)", StringComparison.Ordinal));
        Directory.Delete(Path.GetDirectoryName(snapshot)!, recursive: true);
        Assert.Equal([$"Snapshots dir doesn't exist in cached repo: {Path.Combine(repo, "snapshots")}"], HuggingFaceCacheChecks.Scan(ctx.Cache));
    }

    [Fact]
    public async Task ACacheWrittenWithoutSymlinksPassesTheChecksToo()
    {
        await using var ctx = HubTestContext.WithRealAnswers();
        string snapshot = await ctx.Client(o => o with { SymlinksSupported = false }).DownloadModelAsync("distilgpt2", TinyHub.CheckpointFiles);
        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
        foreach (string file in TinyHub.CheckpointFiles)
            Assert.Equal(new HuggingFaceCacheChecks.Lookup.Found(Path.Combine(snapshot, file)),
                HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "distilgpt2", file));
    }

    [Fact]
    public async Task AFailedFirstDownloadLeavesACacheThePythonChecksStillAccept()
    {
        // Interrupted for good in the middle of the weights: the partial file stays for a resume, and Python's scan
        // still sees a sound (if incomplete) repository.
        await using var ctx = HubTestContext.WithRealAnswers();
        ctx.Hub.AddFaultAlways("GET", "model.safetensors", new HubFault.CutOff(300_000));
        await Assert.ThrowsAsync<HubException>(() =>
            ctx.Client(o => o with { MaxRetries = 0 }).DownloadModelAsync("gpt2", TinyHub.CheckpointFiles));

        Assert.Empty(HuggingFaceCacheChecks.Scan(ctx.Cache));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.Found>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "config.json"));
        Assert.IsType<HuggingFaceCacheChecks.Lookup.NotCached>(HuggingFaceCacheChecks.TryToLoadFromCache(ctx.Cache, "gpt2", "model.safetensors"));
    }

    private static string[] AllPaths(string root) =>
        Directory.GetFileSystemEntries(root, "*", SearchOption.AllDirectories)
            .Select(p => $"{Path.GetRelativePath(root, p)} {(File.Exists(p) ? new FileInfo(p).Length : -1)}")
            .Order(StringComparer.Ordinal).ToArray();
}
