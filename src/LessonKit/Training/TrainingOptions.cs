namespace LessonKit.Training;

/// <summary>
/// How a <see cref="Trainer"/> trains: AdamW's settings, gradient clipping and progress. The defaults suit small models
/// trained from scratch: <c>new TrainingOptions { LearningRate = 3e-3, ProgressEvery = 0 }</c>.
/// </summary>
public sealed record TrainingOptions
{
    /// <summary>AdamW's step size (lr).</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>AdamW's decay of the weight matrices and embeddings toward 0, per step, times the learning rate; biases and LayerNorm weights are not decayed.</summary>
    public double WeightDecay { get; init; } = 0.01;

    /// <summary>AdamW's decay rate of the running mean of the gradients (β₁).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>AdamW's decay rate of the running mean of the squared gradients (β₂).</summary>
    public double Beta2 { get; init; } = 0.999;

    /// <summary>Gradients whose overall (L2) norm is larger are scaled down to it before the update, so one unlucky batch cannot throw the weights far; 0 for no clipping.</summary>
    public double MaxGradientNorm { get; init; } = 1.0;

    /// <summary>Every this many steps, a progress line (step, mean loss since the last line, time); 0 for none (quiet).</summary>
    public int ProgressEvery { get; init; } = 100;

    /// <summary>
    /// How many threads libtorch may use during a step, or null for its own setting (all cores). A toy model's matrices
    /// are too small to split well: one thread can train it faster than several, whose threads spend the step waiting
    /// for each other (lesson 2.2's toy, on a busy 2-core machine: one thread used a tenth of the CPU time of two per
    /// step). The setting is restored after every step.
    /// </summary>
    public int? Threads { get; init; }

    /// <summary>
    /// Layers whose attention may not write along the token embeddings. Before the first step and after every step, the
    /// trainer removes from each such layer's output projection (W_O and b_O) its part along the token embeddings, the
    /// directions the unembedding reads: what the layer writes then moves no logit directly, only through the final
    /// LayerNorm (its centring, its scale and its per-dimension weights), so the layer helps mainly through the layers
    /// above it, by composition. In a toy this closes the shortcuts a first layer finds by copying tokens straight to the
    /// output (lesson 2.2: with [0], a previous-token head forms in layer 0 and an induction head in layer 1). Needs
    /// d_vocab &lt; d_model, so that directions outside the token embeddings exist. Empty (the default) for ordinary training.
    /// </summary>
    public IReadOnlyList<int> AttentionOffTokenEmbeddings { get; init; } = [];

    /// <summary>Where the progress lines go; <see cref="Console.Out"/> when null (below the cell in a notebook).</summary>
    public TextWriter? ProgressWriter { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> that names the setting that is wrong and why.</summary>
    public void Validate()
    {
        static void Require(bool ok, string message)
        {
            if (!ok) throw new ArgumentException(message);
        }
        Require(LearningRate is > 0 and <= 1, $"TrainingOptions.LearningRate must be a positive number up to 1 (1e-3 is a good start), but it is {LearningRate}.");
        Require(WeightDecay >= 0 && double.IsFinite(WeightDecay), $"TrainingOptions.WeightDecay must be 0 or more, but it is {WeightDecay}.");
        Require(Beta1 is >= 0 and < 1, $"TrainingOptions.Beta1 must be in [0, 1) (0.9 is usual), but it is {Beta1}.");
        Require(Beta2 is >= 0 and < 1, $"TrainingOptions.Beta2 must be in [0, 1) (0.999 is usual), but it is {Beta2}.");
        Require(MaxGradientNorm >= 0 && !double.IsNaN(MaxGradientNorm), $"TrainingOptions.MaxGradientNorm must be 0 (no clipping) or more, but it is {MaxGradientNorm}.");
        Require(Threads is null or > 0, $"TrainingOptions.Threads must be null (libtorch's own setting) or 1 or more, but it is {Threads}.");
        Require(AttentionOffTokenEmbeddings is not null && AttentionOffTokenEmbeddings.All(layer => layer >= 0) && AttentionOffTokenEmbeddings.Distinct().Count() == AttentionOffTokenEmbeddings.Count,
            $"TrainingOptions.AttentionOffTokenEmbeddings must list layers (0 for the first) at most once each, but it is [{string.Join(", ", AttentionOffTokenEmbeddings ?? [])}].");
        Require(ProgressEvery >= 0, $"TrainingOptions.ProgressEvery must be 0 (quiet) or a number of steps, but it is {ProgressEvery}.");
    }
}
