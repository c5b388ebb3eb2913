namespace LessonKit.Lessons;

/// <summary>
/// The model a checker compares with when the lesson does not pass its own: a small GPT-2 with seeded random
/// weights (2 layers, 4 heads, d_model 32), made once per process. Its numbers mean nothing; it has the real shapes.
/// </summary>
internal static class ExerciseModel
{
    /// <summary>The sentence checkers run through the model: 12 tokens with <c>&lt;|endoftext|&gt;</c> first.</summary>
    public const string Sentence = "The cat sat on the mat because it was tired.";

    private static readonly Lazy<HookedGpt2> Default = new(() => HookedGpt2.FromConfig(
        new Gpt2Config { NLayers = 2, NHeads = 4, DModel = 32, NCtx = 64, ModelName = "exercise-gpt2 (random weights)" }, seed: 7));

    /// <summary>The given model, or the shared small one.</summary>
    public static HookedGpt2 Resolve(HookedGpt2? model) => model ?? Default.Value;

    /// <summary>A label for messages: the model's name and size.</summary>
    public static string Describe(HookedGpt2 model) =>
        $"{model.Config.ModelName} ({model.Config.NLayers} layers × {model.Config.NHeads} heads)";
}
