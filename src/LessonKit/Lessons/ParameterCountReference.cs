namespace LessonKit.Lessons;

/// <summary>The usual ways of miscounting GPT-2's parameters. A learner's formula may make one or two of them.</summary>
[Flags]
internal enum CountMistake
{
    None = 0,
    NoLinearBiases = 1 << 0,
    LayerNormScaleOnly = 1 << 1,
    NoLayerNorms = 1 << 2,
    NoFinalLayerNorm = 1 << 3,
    NoPositionEmbedding = 1 << 4,
    NoTokenEmbedding = 1 << 5,
    UnembeddingCountedAgain = 1 << 6,
    UnembeddingBias = 1 << 7,
    QkvAsOneSquareMatrix = 1 << 8,
    NoAttentionOutput = 1 << 9,
    MlpAsWideAsModel = 1 << 10,
    OneBlockOnly = 1 << 11,
    CausalMaskCounted = 1 << 12,
}

/// <summary>
/// GPT-2's parameter count written the way the Lesson 2.1 exercise asks for it, and the same count with the usual
/// mistakes made, so that the checker can say which mistake a learner's formula made.
/// </summary>
internal static class ParameterCountReference
{
    /// <summary>
    /// The parameters of a GPT-2 with this config, counted with <paramref name="mistakes"/> made
    /// (<see cref="CountMistake.None"/>: the right count, equal to <see cref="Gpt2Parameters.Count"/>).
    /// </summary>
    public static long Count(Gpt2Config config, CountMistake mistakes = CountMistake.None)
    {
        ArgumentNullException.ThrowIfNull(config);
        bool Made(CountMistake mistake) => (mistakes & mistake) != 0;
        long d = config.DModel, vocab = config.DVocab, positions = config.NCtx;
        long mlp = Made(CountMistake.MlpAsWideAsModel) ? d : config.DMlp;

        // A linear layer (Hugging Face's Conv1D) from `inputs` to `outputs`: weight [inputs, outputs] and bias [outputs].
        long Linear(long inputs, long outputs) => inputs * outputs + (Made(CountMistake.NoLinearBiases) ? 0 : outputs);
        // A LayerNorm: scale [d_model] and shift [d_model].
        long layerNorm = Made(CountMistake.NoLayerNorms) ? 0 : Made(CountMistake.LayerNormScaleOnly) ? d : 2 * d;

        long attention = Linear(d, Made(CountMistake.QkvAsOneSquareMatrix) ? d : 3 * d)   // c_attn: q, k and v of every head
                         + (Made(CountMistake.NoAttentionOutput) ? 0 : Linear(d, d));    // c_proj (W_O)
        long block = layerNorm + attention + layerNorm + Linear(d, mlp) + Linear(mlp, d); // ln_1, attention, ln_2, c_fc, c_proj
        long blocks = (Made(CountMistake.OneBlockOnly) ? 1 : config.NLayers) * block;

        long embeddings = (Made(CountMistake.NoTokenEmbedding) ? 0 : vocab * d)            // W_E [d_vocab, d_model], tied: once
                          + (Made(CountMistake.NoPositionEmbedding) ? 0 : positions * d);  // W_pos [n_ctx, d_model]
        long finalLayerNorm = Made(CountMistake.NoFinalLayerNorm) ? 0 : layerNorm;         // ln_f
        long unembedding = (Made(CountMistake.UnembeddingCountedAgain) ? vocab * d : 0) + (Made(CountMistake.UnembeddingBias) ? vocab : 0);
        long causalMasks = Made(CountMistake.CausalMaskCounted) ? config.NLayers * positions * positions : 0;
        return embeddings + blocks + finalLayerNorm + unembedding + causalMasks;
    }

    /// <summary>
    /// What to look for: every mistake alone, then every pair that can be made together (not two that overlap, such as
    /// no LayerNorms and no final LayerNorm, nor the two that cancel out: W_E left out but counted as the unembedding).
    /// </summary>
    public static IReadOnlyList<CountMistake> Mistakes { get; } = ListMistakes();

    private static CountMistake[] ListMistakes()
    {
        var single = Enum.GetValues<CountMistake>().Where(m => m != CountMistake.None).ToArray();
        var pairs = from a in single
                    from b in single
                    where a < b && !Overlap(a | b)
                    select a | b;
        return [.. single, .. pairs];
    }

    private static bool Overlap(CountMistake pair) =>
        pair is (CountMistake.NoLayerNorms | CountMistake.LayerNormScaleOnly)
            or (CountMistake.NoLayerNorms | CountMistake.NoFinalLayerNorm)
            or (CountMistake.NoTokenEmbedding | CountMistake.UnembeddingCountedAgain);

    /// <summary>What is wrong and what to do, one pair per mistake in <paramref name="mistakes"/>.</summary>
    public static IEnumerable<(string Diagnosis, string Hint)> Explain(CountMistake mistakes) =>
        Enum.GetValues<CountMistake>().Where(m => m != CountMistake.None && (mistakes & m) != 0).Select(Explanation);

    private static (string Diagnosis, string Hint) Explanation(CountMistake mistake) => mistake switch
    {
        CountMistake.NoLinearBiases => ("the biases of the linear layers are missing",
            "c_attn, attention's c_proj, the MLP's c_fc and c_proj each have a bias vector as long as their output: 3·d_model, d_model, d_mlp and d_model numbers per block."),
        CountMistake.LayerNormScaleOnly => ("each LayerNorm is counted with its scale only",
            "A LayerNorm has a scale and a shift (ln_1.weight and ln_1.bias), d_model numbers each."),
        CountMistake.NoLayerNorms => ("the LayerNorms are missing",
            "Each block has two (ln_1 before attention, ln_2 before the MLP), and ln_f follows the last block; each holds a scale and a shift of d_model numbers."),
        CountMistake.NoFinalLayerNorm => ("the final LayerNorm (ln_f, after the last block) is missing",
            "ln_f holds a scale and a shift, 2·d_model numbers, counted once (it is not part of a block)."),
        CountMistake.NoPositionEmbedding => ("the position embedding W_pos is missing",
            "GPT-2 learns one vector per position: W_pos is [n_ctx, d_model] (config.NCtx × config.DModel)."),
        CountMistake.NoTokenEmbedding => ("the token embedding W_E is missing",
            "W_E is [d_vocab, d_model]: one vector per token of the vocabulary, GPT-2's largest single weight."),
        CountMistake.UnembeddingCountedAgain => ("the unembedding is counted as well as the token embedding, but GPT-2 ties them",
            "GPT-2's output layer is W_E transposed (tied embeddings): the same numbers, so d_vocab × d_model counts once."),
        CountMistake.UnembeddingBias => ("a bias of the output layer is counted, but GPT-2's has none",
            "The logits are the final vectors times W_Eᵀ, with no bias added: there are no d_vocab extra numbers."),
        CountMistake.QkvAsOneSquareMatrix => ("c_attn is counted as d_model × d_model, but it makes the queries, keys and values",
            "c_attn is [d_model, 3·d_model] with a bias of 3·d_model: a third each for Q, K and V."),
        CountMistake.NoAttentionOutput => ("attention's output projection (c_proj, W_O) is missing",
            "After the heads, c_proj [d_model, d_model] and its bias [d_model] map their outputs back into the residual stream."),
        CountMistake.MlpAsWideAsModel => ("the MLP's hidden layer is counted as d_model wide",
            "The MLP widens to d_mlp = 4·d_model (config.DMlp) and back: c_fc is [d_model, d_mlp], c_proj [d_mlp, d_model]."),
        CountMistake.OneBlockOnly => ("only one block is counted",
            "Every block has weights of its own: multiply what one block holds by config.NLayers."),
        CountMistake.CausalMaskCounted => ("the causal mask is counted, but it is not a parameter",
            "The mask is fixed (the original checkpoints store it as a buffer, h.N.attn.bias): nothing learns it, so it is not counted."),
        _ => throw new ArgumentOutOfRangeException(nameof(mistake), mistake, "Not a single mistake."),
    };
}
