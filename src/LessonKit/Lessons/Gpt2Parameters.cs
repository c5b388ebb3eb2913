namespace LessonKit.Lessons;

/// <summary>One group of GPT-2's weights, how many numbers it holds and the formula that counts them.</summary>
/// <param name="Name">What the group is ("token embedding W_E").</param>
/// <param name="Formula">How it is counted, in the config's names ("d_vocab × d_model").</param>
/// <param name="Count">How many parameters it holds.</param>
public sealed record ParameterGroup(string Name, string Formula, long Count);

/// <summary>
/// GPT-2's parameter count computed from its config, group by group. What counts: every trained weight and bias;
/// the token embedding once (GPT-2 reuses it, transposed, as the unembedding: "tied" embeddings); no buffers
/// (the causal mask is not trained). For gpt2 this gives 124,439,808, as Hugging Face reports.
/// </summary>
public static class Gpt2Parameters
{
    /// <summary>Bytes per parameter in the checkpoints LessonKit loads (float32).</summary>
    public const int BytesPerParameter = 4;

    /// <summary>The total: the sum of <see cref="Breakdown"/>.</summary>
    public static long Count(Gpt2Config config) => Breakdown(config).Sum(g => g.Count);

    /// <summary>
    /// The parameters group by group. Per layer: two LayerNorms (scale and shift, 2·d_model each); attention's
    /// c_attn (d_model → 3·d_model, for q, k and v) and c_proj (d_model → d_model), weights and biases; the MLP's
    /// c_fc (d_model → d_mlp) and c_proj (d_mlp → d_model). With d_mlp = 4·d_model a layer holds 12·d² + 13·d.
    /// </summary>
    public static IReadOnlyList<ParameterGroup> Breakdown(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        long d = config.DModel, mlp = config.DMlp, layers = config.NLayers;
        long attention = d * 3 * d + 3 * d + d * d + d;   // c_attn W, b; c_proj W, b
        long feedForward = d * mlp + mlp + mlp * d + d;     // c_fc W, b; c_proj W, b
        long norms = 2 * (2 * d);                           // ln_1 and ln_2: scale and shift each
        return
        [
            new("token embedding W_E (tied: also the unembedding)", "d_vocab × d_model", (long)config.DVocab * d),
            new("position embedding W_pos", "n_ctx × d_model", (long)config.NCtx * d),
            new($"attention, {layers} layers", "n_layers × (4·d_model² + 4·d_model)", layers * attention),
            new($"MLP, {layers} layers", "n_layers × (2·d_model·d_mlp + d_mlp + d_model)", layers * feedForward),
            new($"LayerNorms, {layers} layers + final", "n_layers × 4·d_model + 2·d_model", layers * norms + 2 * d),
        ];
    }

    /// <summary>
    /// The size of Hugging Face's <c>model.safetensors</c> for this config, close to the byte: float32 parameters, plus
    /// each layer's saved causal-mask buffer (<c>h.N.attn.bias</c>, n_ctx × n_ctx floats, which the original GPT-2
    /// checkpoints carry although nothing learns it). The JSON header (some kilobytes) is left out.
    /// </summary>
    public static long CheckpointBytes(Gpt2Config config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long maskBuffers = (long)config.NLayers * config.NCtx * config.NCtx;
        return (Count(config) + maskBuffers) * BytesPerParameter;
    }
}
