using LessonKit.Kernels;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// The GPT-2 network itself: token embedding + learned position embedding, the blocks, a final LayerNorm, and the
/// unembedding, which reuses the token embedding matrix (tied weights). Its parameter names are Hugging Face's
/// (<c>wte.weight</c>, <c>h.0.attn.c_attn.weight</c>, <c>ln_f.bias</c>, ...); the loader's table
/// (<see cref="Weights.Gpt2CheckpointLoader.HuggingFaceNames"/>) writes out which weight each one is.
/// </summary>
internal sealed class Gpt2Transformer : nn.Module
{
#pragma warning disable IDE1006
    private readonly EmbeddingTable wte; // [d_vocab, d_model] token embeddings, also the unembedding
    private readonly EmbeddingTable wpe; // [n_ctx, d_model] learned position embeddings
    private readonly ModuleList<Gpt2Block> h;
    private readonly Gpt2LayerNorm ln_f;
#pragma warning restore IDE1006
    private readonly Tensor _causalMask; // [n_ctx, n_ctx]: true where query i may attend to key j, j ≤ i
    private readonly Gpt2Config _config;

    public Gpt2Transformer(Gpt2Config config, Device device) : base(nameof(Gpt2Transformer))
    {
        _config = config;
        wte = new EmbeddingTable(config.DVocab, config.DModel, device);
        wpe = new EmbeddingTable(config.NCtx, config.DModel, device);
        h = new ModuleList<Gpt2Block>(Enumerable.Range(0, config.NLayers).Select(l => new Gpt2Block(config, l, device)).ToArray());
        ln_f = new Gpt2LayerNorm(config.DModel, config.LayerNormEpsilon, HookNames.LnFinalScale, HookNames.LnFinalNormalized, device);
        _causalMask = CausalMask.Make(config.NCtx, device).DetachFromDisposeScope(); // true = may attend (Model/CausalMask.cs)
        RegisterComponents();
    }

    /// <summary>The token embedding matrix [d_vocab, d_model] (also the unembedding, transposed).</summary>
    public Tensor TokenEmbedding => wte.Weight;

    /// <summary>The learned position embeddings [n_ctx, d_model].</summary>
    public Tensor PositionEmbedding => wpe.Weight;

    /// <summary>Block <paramref name="layer"/> (0 first).</summary>
    public Gpt2Block Block(int layer) => h[layer];

    /// <summary>How many blocks there are (n_layers).</summary>
    public int BlockCount => h.Count;

    /// <summary>The LayerNorm after the last block.</summary>
    public Gpt2LayerNorm FinalLayerNorm => ln_f;

    /// <summary>
    /// Runs the network on token ids [batch, pos] and returns logits [batch, pos, d_vocab]
    /// (or [batch, 1, d_vocab] for the last position only, which is all generation needs).
    /// With a KV cache, <paramref name="tokens"/> are the new positions only and the cache grows by them.
    /// With <paramref name="attention"/>, that function replaces the attention of every block (no cache then).
    /// </summary>
    public Tensor Forward(Tensor tokens, HookRunner hooks, KeyValueCache? cache = null, bool lastPositionOnly = false, AttentionReplacement? attention = null)
    {
        long batch = tokens.size(0), positions = tokens.size(1);
        int past = cache?.Length ?? 0;

        var embed = hooks.Run(HookNames.Embed, wte.Lookup(tokens)); // [batch, pos, d_model]
        var posEmbed = wpe.Weight.narrow(0, past, positions).expand(batch, positions, -1); // [batch, pos, d_model], a view of W_pos
        // A hook or the cache gets its own copy: an in-place edit of the view would write into the weights.
        if (hooks.Watches(HookNames.PosEmbed)) posEmbed = hooks.Run(HookNames.PosEmbed, posEmbed.clone());
        var residual = embed + posEmbed;

        // Query i sits at absolute position past + i and may look at keys 0 .. past + i.
        // A single new position (a generation step) may see every key, so it needs no mask.
        var causalMask = positions == 1 ? null : _causalMask.narrow(0, past, positions).narrow(1, 0, past + positions); // [query, key]
        using var cores = FastPath.CoresForFewRows(batch * positions, residual); // a few rows: the kernels get the cores (Kernels/FastPath.cs)
        try
        {
            for (int layer = 0; layer < h.Count; layer++)
                residual = h[layer].Forward(residual, hooks, causalMask, cache?[layer], attention);

            if (lastPositionOnly) residual = residual.narrow(1, positions - 1, 1);
            var normalized = ln_f.Forward(residual, hooks);
            // [batch, pos, d_vocab]: each position's score for every token, x · W_Eᵀ (the unembedding is the token embedding)
            return FastPath.TryUnembed(normalized, wte.Weight) ?? nn.functional.linear(normalized, wte.Weight);
        }
        catch when (cache is not null)
        {
            // Leave the cache as it was before this step, so a failed step (a hook that threw, even on ln_final) corrupts nothing.
            for (int layer = 0; layer < h.Count; layer++) cache[layer].Truncate(past);
            throw;
        }
    }
}
