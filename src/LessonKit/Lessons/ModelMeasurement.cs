namespace LessonKit.Lessons;

/// <summary>
/// What the model-size lab measured for one model name, or why it was skipped: the loaded model's shape and
/// parameter count, the load time, the time of one forward pass, and its most likely next tokens.
/// </summary>
/// <param name="Name">The name asked for (<c>gpt2-medium</c>).</param>
/// <param name="SkipReason">Why it was not loaded, or null when it was.</param>
/// <param name="Config">The loaded model's config (null when skipped).</param>
/// <param name="ParameterCount">The loaded model's parameters (0 when skipped).</param>
/// <param name="LoadSeconds">Seconds to load it (download included on a first run).</param>
/// <param name="ForwardMilliseconds">Milliseconds per forward pass over the prompt (after a warm-up pass).</param>
/// <param name="TopPredictions">Its most likely next tokens after the prompt.</param>
public sealed record ModelMeasurement(
    string Name,
    string? SkipReason,
    Gpt2Config? Config,
    long ParameterCount,
    double LoadSeconds,
    double ForwardMilliseconds,
    IReadOnlyList<TokenCandidate> TopPredictions)
{
    /// <summary>Whether the model was loaded and measured.</summary>
    public bool Loaded => SkipReason is null;

    /// <summary>A model that was not loaded, and why.</summary>
    public static ModelMeasurement Skipped(string name, string reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        return new(name, reason, null, 0, 0, 0, []);
    }

    /// <summary>A model that was loaded: its shape and parameters are read from <paramref name="model"/>.</summary>
    public static ModelMeasurement Measured(string name, HookedGpt2 model, double loadSeconds, double forwardMilliseconds, IReadOnlyList<TokenCandidate> topPredictions)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(topPredictions);
        if (!double.IsFinite(loadSeconds) || loadSeconds < 0) throw new ArgumentOutOfRangeException(nameof(loadSeconds), loadSeconds, "A load time is a finite number of seconds, 0 or more.");
        if (!double.IsFinite(forwardMilliseconds) || forwardMilliseconds < 0) throw new ArgumentOutOfRangeException(nameof(forwardMilliseconds), forwardMilliseconds, "A latency is a finite number of milliseconds, 0 or more.");
        return new(name, null, model.Config, model.ParameterCount, loadSeconds, forwardMilliseconds, topPredictions.ToArray());
    }
}
