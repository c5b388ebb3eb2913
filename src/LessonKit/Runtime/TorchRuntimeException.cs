namespace LessonKit.Runtime;

/// <summary>
/// Thrown by <see cref="TorchRuntime.EnsureReady"/> when TorchSharp's native libraries cannot start. The message
/// names the cause (for example a libstdc++ that is too old, or another libtorch on the system), the file
/// involved and what to do; <see cref="Exception.InnerException"/> holds TorchSharp's own error.
/// </summary>
public sealed class TorchRuntimeException : InvalidOperationException
{
    /// <summary>Creates the exception with an explanation and TorchSharp's original error.</summary>
    public TorchRuntimeException(string message, Exception? innerException) : base(message, innerException)
    {
    }
}
