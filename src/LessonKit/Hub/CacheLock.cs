namespace LessonKit.Hub;

/// <summary>
/// An exclusive lock on <c>.locks/models--…/{etag}.lock</c> while a blob is downloaded, so two notebooks (or a
/// notebook and a Python process) never write the same blob at once. .NET takes an advisory <c>flock</c> on Unix
/// for <see cref="FileShare.None"/>, the same kind the Python <c>filelock</c> package uses.
/// </summary>
internal sealed class CacheLock : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);
    private readonly FileStream _stream;

    private CacheLock(FileStream stream) => _stream = stream;

    /// <summary>Waits until the lock is free, telling <paramref name="onWait"/> once if it has to wait.</summary>
    public static async Task<CacheLock> AcquireAsync(string path, Action? onWait, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        bool told = false;
        while (true)
        {
            if (TryAcquire(path) is { } held) return held;
            // Held by another download of the same file; wait for it to finish.
            if (!told) onWait?.Invoke();
            told = true;
            await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Takes the lock if nobody holds it, else returns null at once. With <paramref name="deleteOnRelease"/> the lock
    /// file is removed when the lock is released (a cleanup removes stale lock files only while holding them).
    /// </summary>
    public static CacheLock? TryAcquire(string path, bool deleteOnRelease = false)
    {
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, bufferSize: 1,
                deleteOnRelease ? FileOptions.DeleteOnClose : FileOptions.None);
        }
        catch (IOException) when (File.Exists(path))
        {
            return null;
        }
        if (File.Exists(path)) return new CacheLock(stream);
        // A cleanup removed the lock file between our open and our lock: this lock guards a file nobody else can
        // find. Count it as busy; the caller tries again on the file now at that path.
        stream.Dispose();
        return null;
    }

    public void Dispose() => _stream.Dispose();
}
