namespace LessonKit;

/// <summary>
/// An attention function passed to <see cref="HookedGpt2.RunWithAttention"/> threw, or returned something the model
/// cannot use (null, a freed tensor, the wrong shape). Says which layer; the model itself is unchanged.
/// </summary>
public sealed class AttentionFunctionException : InvalidOperationException
{
    internal AttentionFunctionException(int layer, Exception inner)
        : base($"Your attention function threw {inner.GetType().Name} in layer {layer}: {inner.Message}", inner) => Layer = layer;

    internal AttentionFunctionException(int layer, string problem)
        : base($"Your attention function, in layer {layer}, {problem}") => Layer = layer;

    /// <summary>The layer whose attention was being computed.</summary>
    public int Layer { get; }
}
