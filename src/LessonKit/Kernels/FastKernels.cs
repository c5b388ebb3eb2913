namespace LessonKit;

/// <summary>
/// The switch for LessonKit's hand-written kernels: C# loops that take over a few steps of the model when they are
/// faster than plain TorchSharp (a generation step, a short prompt). With <see cref="Enabled"/> false,
/// the model runs exactly the TorchSharp operations you read in <c>Model/</c>, so you can step through them in a
/// debugger. Results agree either way to about 1e-5 (the two add the same numbers in a different order); the same
/// hooks fire with the same shapes, and greedy generation picks the same tokens. Only the speed changes: without the
/// kernels, generation and short prompts run slower (<c>bench/README.md</c> has the figures).
/// <code>
/// FastKernels.Enabled = false;   // plain TorchSharp from here on, in every model
/// var logits = model.Forward(tokens);
/// FastKernels.Enabled = true;    // back to the fast path
/// </code>
/// </summary>
/// <remarks>
/// The switch is read at every step, so flipping it takes effect at once, for every model in the process. Kernels
/// also step aside on their own whenever they do not apply: while autograd records a gradient (training), and for
/// inputs other than float32 on the CPU, or too many rows. <c>Kernels/FastPath.cs</c> is the one place that decides.
/// </remarks>
public static class FastKernels
{
    private static volatile bool s_enabled = true;

    // A value for the current test (or async flow) only, so tests that try both ways can run side by side.
    private static readonly AsyncLocal<bool?> s_scoped = new();

    /// <summary>True (the default): the hand-written kernels take over where they are faster. False: plain TorchSharp everywhere.</summary>
    public static bool Enabled
    {
        get => s_scoped.Value ?? s_enabled;
        set => s_enabled = value;
    }

    /// <summary>
    /// Sets <see cref="Enabled"/> to <paramref name="enabled"/> for the calling thread and the async work it starts,
    /// until the result is disposed; other threads keep the process-wide value.
    /// </summary>
    internal static IDisposable Use(bool enabled) => new Scope(enabled);

    private sealed class Scope : IDisposable
    {
        private readonly bool? _previous = s_scoped.Value;

        public Scope(bool enabled) => s_scoped.Value = enabled;

        public void Dispose() => s_scoped.Value = _previous;
    }
}
