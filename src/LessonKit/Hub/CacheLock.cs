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
            try
            {
                return new CacheLock(new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None));
            }
            catch (IOException) when (File.Exists(path))
            {
                // Held by another download of the same file; wait for it to finish.
                if (!told) onWait?.Invoke();
                told = true;
                await Task.Delay(PollInterval, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public void Dispose() => _stream.Dispose();
}
