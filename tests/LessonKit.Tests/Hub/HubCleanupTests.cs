using System.Diagnostics;

namespace LessonKit.Tests.Hub;

/// <summary>
/// Leftovers of interrupted downloads are removed when a download starts, never a file another process is writing.
/// </summary>
public class HubCleanupTests
{
    private static readonly DateTime TwoDaysAgo = DateTime.UtcNow.AddDays(-2);

    private static string Leftover(string folder, string name, DateTime lastWrite, int bytes = 100)
    {
        string path = Path.Combine(folder, name);
        Directory.CreateDirectory(folder);
        File.WriteAllBytes(path, new byte[bytes]);
        File.SetLastWriteTimeUtc(path, lastWrite);
        return path;
    }

    private static string Etag(char c, int length = 64) => new(c, length);

    [Fact]
    public async Task StalePartialAndLockFilesGoAndLiveOnesStay()
    {
        await using var ctx = new HubTestContext();
        string blobs = Path.Combine(ctx.RepoFolder, "blobs");
        string locks = Path.Combine(ctx.Cache, ".locks", "models--test-org--tiny-gpt2");

        string oldResumable = Leftover(blobs, Etag('a') + ".incomplete", TwoDaysAgo);
        string recentResumable = Leftover(blobs, Etag('b') + ".incomplete", DateTime.UtcNow.AddHours(-3));
        string deadTemporary = Leftover(blobs, Etag('c', 40) + ".0badcafe.incomplete", DateTime.UtcNow.AddHours(-2));
        string liveTemporary = Leftover(blobs, Etag('d') + ".12345678.incomplete", DateTime.UtcNow.AddMinutes(-5));
        Leftover(blobs, Etag('f'), DateTime.UtcNow);                                   // a complete blob...
        string finished = Leftover(blobs, Etag('f') + ".incomplete", DateTime.UtcNow);  // ...makes its partial file useless
        string oldLock = Leftover(locks, Etag('a') + ".lock", TwoDaysAgo, bytes: 0);
        string oldLockOfAKeptPartial = Leftover(locks, Etag('b') + ".lock", TwoDaysAgo, bytes: 0);
        string orphanOldLock = Leftover(locks, Etag('9') + ".lock", TwoDaysAgo, bytes: 0);
        string recentLock = Leftover(locks, Etag('8') + ".lock", DateTime.UtcNow.AddHours(-1), bytes: 0);

        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);

        Assert.False(File.Exists(oldResumable), "a resumable partial file not written for a day");
        Assert.True(File.Exists(recentResumable), "a resumable partial file written today is kept for a resume");
        Assert.False(File.Exists(deadTemporary), "a per-process temporary file idle for over an hour");
        Assert.True(File.Exists(liveTemporary), "a per-process temporary file written minutes ago may be in use");
        Assert.False(File.Exists(finished), "the partial file of a blob that is complete");
        Assert.True(File.Exists(Path.Combine(blobs, Etag('f'))), "the complete blob itself");
        Assert.False(File.Exists(oldLock));
        Assert.False(File.Exists(orphanOldLock));
        Assert.True(File.Exists(oldLockOfAKeptPartial), "the lock of a partial file that stays");
        Assert.True(File.Exists(recentLock));
        // The download itself went as usual.
        Assert.True(File.Exists(Path.Combine(ctx.RepoFolder, "snapshots", TinyHub.Commit, "config.json")));
    }

    [Fact]
    public async Task APartialFileAnotherProcessIsWritingIsNeverRemoved()
    {
        // Another process (here flock(1), taking the same kind of lock Python's filelock takes) holds the blob's lock:
        // its partial file stays however old it looks, and goes once that process has ended. (--close: only flock
        // holds the lock, not the command it runs, so the lock is free once flock has exited.)
        await using var ctx = new HubTestContext();
        string blobs = Path.Combine(ctx.RepoFolder, "blobs");
        string lockPath = Path.Combine(ctx.Cache, ".locks", "models--test-org--tiny-gpt2", Etag('c') + ".lock");
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        string temporary = Leftover(blobs, Etag('c') + ".a1b2c3d4.incomplete", TwoDaysAgo);
        string resumable = Leftover(blobs, Etag('c') + ".incomplete", TwoDaysAgo);

        using var holder = Process.Start(new ProcessStartInfo("flock", ["--exclusive", "--close", lockPath, "sleep", "60"]) { UseShellExecute = false })
            ?? throw new InvalidOperationException("could not start flock(1)");
        try
        {
            await WaitUntilHeldAsync(lockPath);
            await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["config.json"]);
            Assert.True(File.Exists(temporary));
            Assert.True(File.Exists(resumable));
            Assert.True(File.Exists(lockPath));
        }
        finally
        {
            holder.Kill(entireProcessTree: true); // flock(1) and the sleep it runs
            await holder.WaitForExitAsync();
        }

        await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["vocab.json"]);
        Assert.False(File.Exists(temporary));
        Assert.False(File.Exists(resumable));
    }

    [Fact]
    public async Task AnOldPartialFileOfTheWantedBlobIsNotResumedButDownloadedAfresh()
    {
        await using var ctx = new HubTestContext();
        var hosted = ctx.Hub.File(HubTestContext.Repo, "model.safetensors");
        string partial = Leftover(Path.Combine(ctx.RepoFolder, "blobs"), hosted.Etag + ".incomplete", TwoDaysAgo, bytes: 0);
        File.WriteAllBytes(partial, hosted.Content[..500_000]);
        File.SetLastWriteTimeUtc(partial, TwoDaysAgo);

        string snapshot = await ctx.Client().DownloadModelAsync(HubTestContext.Repo, ["model.safetensors"]);
        Assert.Null(ctx.Hub.Requests.Single(r => r.Method == "GET").Range);
        Assert.Equal(hosted.Content, File.ReadAllBytes(Path.Combine(snapshot, "model.safetensors")));
    }

    /// <summary>Waits until someone holds the lock (opening it exclusively fails).</summary>
    private static async Task WaitUntilHeldAsync(string lockPath)
    {
        var watch = Stopwatch.StartNew();
        while (watch.Elapsed < TimeSpan.FromSeconds(20))
        {
            if (File.Exists(lockPath))
            {
                try
                {
                    using (new FileStream(lockPath, FileMode.Open, FileAccess.ReadWrite, FileShare.None)) { }
                }
                catch (IOException)
                {
                    return; // held
                }
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"flock(1) did not take {lockPath}");
    }
}
