namespace LessonKit.Display.Views;

/// <summary>How much one head attends from one token to another, as ranked by <see cref="HeadFinderView"/>.</summary>
/// <param name="Layer">The block the head is in.</param>
/// <param name="Head">The head's index in its block.</param>
/// <param name="Attention">The attention weight from the query token to the key token: between 0 and 1 for softmax
/// weights (NaN, or outside that range, when a hook changed the pattern).</param>
public sealed record HeadScore(int Layer, int Head, float Attention)
{
    /// <summary>TransformerLens's short name for the head, such as <c>L5H1</c>.</summary>
    public string Name => $"L{Layer}H{Head}";

    /// <summary>The head and its attention, such as <c>L5H1: 0.873</c>.</summary>
    public override string ToString() => $"{Name}: {Attention:0.000}";
}
