using LessonKit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Weights;

/// <summary>
/// Copies a Hugging Face GPT-2 checkpoint (<c>model.safetensors</c>) into the network's parameters, by the table
/// <see cref="HuggingFaceNames"/>: each Hugging Face name and the weight of our network it fills. The differences
/// between checkpoints are handled here: keys with or without the <c>transformer.</c> prefix; <c>lm_head.weight</c>
/// present or absent (GPT-2 ties it to <c>wte.weight</c>: when present it is only compared with it, and refused if it
/// differs); the old <c>h.N.attn.bias</c> / <c>h.N.attn.masked_bias</c> buffers (the causal mask, which we build
/// ourselves) ignored; Conv1D weights shipped [in, out] and copied into our [in, out] views (see <see cref="Conv1D"/>).
/// </summary>
internal static class Gpt2CheckpointLoader
{
    private const string Prefix = "transformer.";

    /// <summary>
    /// Every weight of GPT-2 by its Hugging Face name (without the <c>transformer.</c> prefix), in the checkpoint's
    /// order, and the tensor of <paramref name="network"/> it is loaded into. Shapes as Hugging Face ships them
    /// (d = d_model). Loading, <see cref="HookedGpt2.SaveCheckpoint"/> and <see cref="HookedGpt2.Weights"/> read it.
    /// </summary>
    public static IReadOnlyList<(string Name, Tensor Weight)> HuggingFaceNames(Gpt2Transformer network)
    {
        var table = new List<(string, Tensor)>
        {
            ("wte.weight", network.TokenEmbedding),         // W_E [d_vocab, d]: a row per token; also the unembedding
            ("wpe.weight", network.PositionEmbedding),      // W_pos [n_ctx, d]: a row per position
        };
        for (int layer = 0; layer < network.BlockCount; layer++)
        {
            var block = network.Block(layer);
            string h = $"h.{layer}.";
            table.AddRange(
            [
                (h + "ln_1.weight", block.LayerNorm1.Weight),                   // γ [d] of the LayerNorm before attention
                (h + "ln_1.bias", block.LayerNorm1.Bias),                       // β [d]
                (h + "attn.c_attn.weight", block.Attention.QkvProjection.Weight), // [d, 3d]: W_Q | W_K | W_V, each [d, head·d_head]
                (h + "attn.c_attn.bias", block.Attention.QkvProjection.Bias),     // [3d]: b_Q | b_K | b_V
                (h + "attn.c_proj.weight", block.Attention.OutProjection.Weight), // W_O [d, d]: the heads' outputs back into the stream
                (h + "attn.c_proj.bias", block.Attention.OutProjection.Bias),     // b_O [d]
                (h + "ln_2.weight", block.LayerNorm2.Weight),                   // γ [d] of the LayerNorm before the MLP
                (h + "ln_2.bias", block.LayerNorm2.Bias),                       // β [d]
                (h + "mlp.c_fc.weight", block.Mlp.InProjection.Weight),         // W_in [d, d_mlp]
                (h + "mlp.c_fc.bias", block.Mlp.InProjection.Bias),             // b_in [d_mlp]
                (h + "mlp.c_proj.weight", block.Mlp.OutProjection.Weight),      // W_out [d_mlp, d]
                (h + "mlp.c_proj.bias", block.Mlp.OutProjection.Bias),          // b_out [d]
            ]);
        }
        table.Add(("ln_f.weight", network.FinalLayerNorm.Weight));          // γ [d] of the final LayerNorm
        table.Add(("ln_f.bias", network.FinalLayerNorm.Bias));              // β [d]
        return table;
    }

    /// <summary>Loads every parameter from the file; a missing key, a wrong shape or an unexpected key is an error that names it.</summary>
    public static void Load(Gpt2Transformer network, SafetensorsFile file, Hub.ProgressTracker? progress = null)
    {
        var parameters = HuggingFaceNames(network).ToDictionary(p => p.Name, p => p.Weight, StringComparer.Ordinal);
        var keyFor = MapCheckpointKeys(file, parameters.Keys.ToHashSet());

        var missing = parameters.Keys.Where(name => !keyFor.ContainsKey(name)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException(
                $"{file.Path}: the checkpoint has no weights for {Describe(missing)}. Is it a GPT-2 checkpoint whose " +
                "config.json matches it (n_layer, n_embd, vocab_size)?");

        CheckUnembeddingIsTied(file, keyFor["wte.weight"]);

        foreach (var (name, parameter) in parameters)
        {
            var entry = file.Entries[keyFor[name]];
            if (SafetensorsDTypes.Find(entry.DType) is not { IsFloatingPoint: true })
                throw new InvalidDataException(
                    $"{file.Path}: '{entry.Name}' is stored as {entry.DType}, but GPT-2's weights are floating-point numbers (F32, F16, BF16 or F64). " +
                    "The file is damaged or is not a GPT-2 checkpoint; download it again.");
            if (!entry.Shape.SequenceEqual(parameter.shape))
                throw new InvalidDataException(
                    $"{file.Path}: '{entry.Name}' has shape [{string.Join(", ", entry.Shape)}], but a model with this config.json needs " +
                    $"[{string.Join(", ", parameter.shape)}]. Check that config.json belongs to this checkpoint.");
        }

        // Straight from the file into each parameter's memory, on every core: most of a load is the kernel handing out
        // fresh pages, and cores do that side by side. Largest first, so the cores finish together.
        var largestFirst = parameters.OrderByDescending(p => p.Value.numel()).ToArray();
        long total = largestFirst.Sum(p => file.Entries[keyFor[p.Key]].ByteLength), done = 0;
        var reporting = new object();
        try
        {
            progress?.Update(0, total, force: true);
            Parallel.ForEach(largestFirst, new ParallelOptions { MaxDegreeOfParallelism = Environment.ProcessorCount }, item =>
            {
                using (torch.no_grad()) // grad mode is per thread
                    file.LoadInto(keyFor[item.Key], item.Value);
                if (progress is null) return;
                lock (reporting) progress.Update(done += file.Entries[keyFor[item.Key]].ByteLength, total);
            });
            progress?.Complete(total);
        }
        catch (AggregateException failed)
        {
            // The same exception a one-thread load would throw (a truncated file, say), not a wrapper around it.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(failed.InnerExceptions[0]).Throw();
        }
    }

    /// <summary>Our parameter name → the checkpoint key holding it. Unexpected keys are an error.</summary>
    private static Dictionary<string, string> MapCheckpointKeys(SafetensorsFile file, HashSet<string> parameterNames)
    {
        var keyFor = new Dictionary<string, string>(StringComparer.Ordinal);
        var unexpected = new List<string>();
        foreach (string key in file.Entries.Keys)
        {
            string name = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
            if (IsIgnored(name)) continue;
            if (!parameterNames.Contains(name)) { unexpected.Add(key); continue; }
            if (!keyFor.TryAdd(name, key))
                throw new InvalidDataException($"{file.Path}: '{name}' is stored twice, as '{keyFor[name]}' and as '{key}'.");
        }
        if (unexpected.Count > 0)
            throw new InvalidDataException(
                $"{file.Path}: {Describe(unexpected)} {(unexpected.Count == 1 ? "is" : "are")} not part of a GPT-2 model with this config.json " +
                $"({parameterNames.Count} weights such as 'wte.weight' and 'h.0.attn.c_attn.weight'). Does config.json match the checkpoint?");
        return keyFor;
    }

    /// <summary>
    /// GPT-2 unembeds with the token embedding itself. A checkpoint that also ships <c>lm_head.weight</c> must hold the
    /// same numbers there: different ones (a fine-tune that untied them) would be ignored, giving wrong logits.
    /// </summary>
    private static void CheckUnembeddingIsTied(SafetensorsFile file, string embeddingKey)
    {
        foreach (string key in new[] { "lm_head.weight", Prefix + "lm_head.weight" })
            if (file.Entries.ContainsKey(key) && !HoldTheSameNumbers(file, key, embeddingKey))
                throw new InvalidDataException(
                    $"{file.Path}: '{key}' differs from '{embeddingKey}'. GPT-2 reuses the token embedding as its unembedding (tied weights), " +
                    "and LessonKit computes logits that way; this checkpoint has a separate unembedding, so its logits would be wrong here.");
    }

    private static bool HoldTheSameNumbers(SafetensorsFile file, string first, string second)
    {
        if (file.Entries[first].DType == file.Entries[second].DType) return file.SameBytes(first, second); // no copies
        using var a = file.Load(first);
        using var b = file.Load(second);
        return a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();
    }

    // lm_head.weight is tied to wte.weight (checked above); attn.bias and attn.masked_bias are old buffers holding the causal mask.
    private static bool IsIgnored(string name) =>
        name == "lm_head.weight" ||
        (name.StartsWith("h.", StringComparison.Ordinal) && (name.EndsWith(".attn.bias", StringComparison.Ordinal) || name.EndsWith(".attn.masked_bias", StringComparison.Ordinal)));

    private static string Describe(IReadOnlyList<string> names) =>
        string.Join(", ", names.Take(5).Select(n => $"'{n}'")) + (names.Count > 5 ? $" and {names.Count - 5} more" : "");
}
