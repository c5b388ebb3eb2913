using System.Globalization;
using LessonKit.Display.Views;
using LessonKit.Hub;

namespace LessonKit.Lessons;

/// <summary>One of the GPT-2 checkpoints on the Hugging Face hub, with its config and what follows from it.</summary>
/// <param name="Name">The hub name (<c>gpt2-medium</c>), as <see cref="HookedGpt2.FromPretrained"/> takes it.</param>
/// <param name="Config">Its shape, as in its <c>config.json</c>.</param>
/// <param name="Note">One line about it.</param>
public sealed record Gpt2Checkpoint(string Name, Gpt2Config Config, string Note)
{
    /// <summary>Parameters, computed from the config (tied embeddings counted once).</summary>
    public long ParameterCount => Gpt2Parameters.Count(Config);

    /// <summary>The size of its <c>model.safetensors</c> download.</summary>
    public long DownloadBytes => Gpt2Parameters.CheckpointBytes(Config);

    /// <summary>
    /// Memory needed to load it and run a short prompt: the float32 weights, one more copy of the largest tensor (the
    /// embedding, read from the file before it is copied in) and 256 MB for the runtime and activations.
    /// </summary>
    public long MemoryToLoadBytes =>
        ParameterCount * Gpt2Parameters.BytesPerParameter + (long)Config.DVocab * Config.DModel * Gpt2Parameters.BytesPerParameter + 256L * 1024 * 1024;
}

/// <summary>Whether a model fits in the memory free now, and the numbers behind the answer.</summary>
/// <param name="Name">The model asked for.</param>
/// <param name="Fits">True when it can be loaded (or when its size or the free memory is unknown: then we try).</param>
/// <param name="NeededBytes">Memory it needs, when known.</param>
/// <param name="AvailableBytes">Memory free now, when known.</param>
/// <param name="Message">The answer in a sentence, e.g. why it is skipped (without the name).</param>
public sealed record MemoryCheck(string Name, bool Fits, long? NeededBytes, long? AvailableBytes, string Message)
{
    /// <summary>The name and the message: <c>gpt2-xl: skipped: it needs about 6.82 GB ...</c>.</summary>
    public override string ToString() => $"{Name}: {Message}";
}

/// <summary>
/// The five GPT-2 checkpoints of the hub (gpt2, gpt2-medium, gpt2-large, gpt2-xl, distilgpt2) as data: their configs
/// (the numbers in each <c>config.json</c>) and what follows from them, computed: parameters, download size, memory
/// to load. <see cref="CheckMemory(string)"/> tells whether one fits in this machine's free memory now.
/// </summary>
public static class Gpt2Family
{
    /// <summary>The five checkpoints, smallest GPT-2 first, then the distilled one.</summary>
    public static IReadOnlyList<Gpt2Checkpoint> All { get; } =
    [
        Make("gpt2", layers: 12, heads: 12, dModel: 768, "The original small GPT-2 (OpenAI, 2019)."),
        Make("gpt2-medium", layers: 24, heads: 16, dModel: 1024, "Twice as deep and a third wider."),
        Make("gpt2-large", layers: 36, heads: 20, dModel: 1280, "Three times as deep as gpt2."),
        Make("gpt2-xl", layers: 48, heads: 25, dModel: 1600, "The full GPT-2 of the paper."),
        Make("distilgpt2", layers: 6, heads: 12, dModel: 768, "gpt2 distilled into half the layers (Hugging Face, 2019)."),
    ];

    private static Gpt2Checkpoint Make(string name, int layers, int heads, int dModel, string note) =>
        new(name, new Gpt2Config { NLayers = layers, NHeads = heads, DModel = dModel, NCtx = 1024, DVocab = 50257, ModelName = name }, note);

    /// <summary>The checkpoint with this hub name (also <c>openai-community/gpt2</c>, <c>distilbert/distilgpt2</c>), or null.</summary>
    public static Gpt2Checkpoint? Find(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string shortName = name.Trim();
        int slash = shortName.LastIndexOf('/');
        if (slash >= 0 && shortName[..slash] is "openai-community" or "distilbert") shortName = shortName[(slash + 1)..];
        return All.FirstOrDefault(c => string.Equals(c.Name, shortName, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>
    /// Whether the model fits in the memory this machine has free right now (read when called, so a model still
    /// loaded counts against it). When <c>LESSONKIT_MODEL_OVERRIDE</c> is set, the override is what loads, so the
    /// real model's size does not matter.
    /// </summary>
    public static MemoryCheck CheckMemory(string name) => CheckMemory(name, SystemMemory.Available().Bytes,
        Environment.GetEnvironmentVariable(HookedGpt2.ModelOverrideVariable));

    internal static MemoryCheck CheckMemory(string name, long? availableBytes, string? modelOverride)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        if (!string.IsNullOrWhiteSpace(modelOverride))
            return new(name, true, null, availableBytes,
                $"{HookedGpt2.ModelOverrideVariable} is set, so '{modelOverride}' is loaded instead; its size is not checked.");
        if (Find(name) is not Gpt2Checkpoint checkpoint)
            return new(name, true, null, availableBytes, "not one of the five known checkpoints, so its size is unknown; trying to load it.");
        long needed = checkpoint.MemoryToLoadBytes;
        if (availableBytes is not long available)
            return new(name, true, needed, null, $"needs about {Format.Bytes(needed)}; the free memory could not be read, so trying anyway.");
        return available >= needed
            ? new(name, true, needed, available, $"needs about {Format.Bytes(needed)}, {Format.Bytes(available)} free: loading.")
            : new(name, false, needed, available,
                $"skipped: it needs about {Format.Bytes(needed)} but only {Format.Bytes(available)} is free. " +
                "Close other programs or use a machine with more memory to include it.");
    }

    /// <summary>The five checkpoints as a table: shape, parameters (computed), download size, memory to load and whether it fits now.</summary>
    public static TableView Table()
    {
        var (available, source) = SystemMemory.Available();
        string? modelOverride = Environment.GetEnvironmentVariable(HookedGpt2.ModelOverrideVariable);
        var rows = All.Select(c =>
        {
            var check = CheckMemory(c.Name, available, null);
            return (IReadOnlyList<string>)
            [
                c.Name, N(c.Config.NLayers), N(c.Config.NHeads), N(c.Config.DModel), N(c.Config.DHead), N(c.Config.DMlp),
                N(c.ParameterCount), Format.Bytes(c.DownloadBytes), Format.Bytes(c.MemoryToLoadBytes),
                check.AvailableBytes is null ? "unknown" : check.Fits ? "yes" : "no",
            ];
        });
        var notes = new List<string>
        {
            "Parameters are computed from each config (Gpt2Parameters.Count): every trained weight and bias, the token embedding counted once (it is tied to the unembedding).",
            $"Free memory now: {(available is long a ? Format.Bytes(a) : "unknown")} ({source}).",
        };
        if (!string.IsNullOrWhiteSpace(modelOverride))
            notes.Add($"{HookedGpt2.ModelOverrideVariable} is set: every model name loads '{modelOverride}' instead.");
        return new TableView("GPT-2 checkpoints on the Hugging Face hub",
            ["Model", "Layers", "Heads", "d_model", "d_head", "d_mlp", "Parameters", "Download", "Memory to load", "Fits now"], rows, notes);
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
