using LessonKit.Display.Formatting;
using LessonKit.Model;
using LessonKit.Text;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// GPT-2 with TransformerLens-style hook points: run it, cache what happens inside (<see cref="RunWithCache(Tensor, Func{string, bool}?)"/>),
/// or change an activation on the way (<see cref="RunWithHooks"/>). Weights are Hugging Face's, used as shipped,
/// so logits match the Hugging Face model. Inference only: no gradients are tracked.
/// <code>
/// using var model = HookedGpt2.FromPretrained("gpt2");
/// var (logits, cache) = model.RunWithCache(model.ToTokens("The cat sat"));
/// Tensor pattern = cache["pattern", 0]; // [1, head, query, key]
/// </code>
/// </summary>
[TypeFormatterSource(typeof(SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed partial class HookedGpt2 : IDisposable
{
    private readonly Gpt2Transformer _network;
    private bool _disposed;

    private readonly Task<Gpt2Tokenizer> _tokenizer;

    /// <summary>
    /// <paramref name="tokenizer"/> may still be being built (it takes a quarter of a second) while the weights load
    /// on the other cores; <see cref="Tokenizer"/> waits for it.
    /// </summary>
    private HookedGpt2(Gpt2Config config, Task<Gpt2Tokenizer> tokenizer, Device device)
    {
        config.Validate();
        MemoryFootprint.ThrowIfLargerThanMemory(MemoryFootprint.ModelBytes(config), $"A model of this shape ({config.NLayers} layers, d_model {config.DModel}, " +
            $"context {config.NCtx}, vocabulary {config.DVocab})", "Choose a smaller NLayers, DModel, NCtx or DVocab.");
        Config = config;
        _tokenizer = tokenizer;
        Device = device;
        // Parameters start uninitialized (no time spent zeroing 500 MB): every one is then loaded or initialized.
        using (torch.no_grad()) _network = new Gpt2Transformer(config, device);
        // The model owns its weights: made inside a learner's torch.NewDisposeScope(), they must outlive that scope.
        foreach (var parameter in _network.parameters()) parameter.DetachFromDisposeScope();
        foreach (var buffer in _network.buffers()) buffer.DetachFromDisposeScope();
        _network.eval();
        ParameterCount = _network.named_parameters().Where(p => !config.AttentionOnly || !IsMlpSide(p.name)).Sum(p => p.parameter.numel());
    }

    // An attention-only block never runs its second LayerNorm and MLP (Gpt2Config.AttentionOnly): their weights are not counted.
    private static bool IsMlpSide(string name) => name.Contains(".mlp.", StringComparison.Ordinal) || name.Contains(".ln_2.", StringComparison.Ordinal);

    /// <summary>The model's shape: layers, heads, widths, context length, vocabulary size.</summary>
    public Gpt2Config Config { get; }

    /// <summary>GPT-2's byte-level BPE tokenizer (the checkpoint's own files when it ships them).</summary>
    public Gpt2Tokenizer Tokenizer => _tokenizer.GetAwaiter().GetResult(); // a failure rethrown as itself, not wrapped

    /// <summary>Where the weights live and the computation runs (CPU unless a CUDA device was asked for).</summary>
    public Device Device { get; }

    /// <summary>
    /// Number of parameters the forward pass uses; the token embedding, shared with the unembedding, is counted once.
    /// An attention-only model (<see cref="Gpt2Config.AttentionOnly"/>) keeps MLP weights it never uses: they are not counted.
    /// </summary>
    public long ParameterCount { get; }

    /// <summary>Every hook point of this model, in the order a forward pass reaches them.</summary>
    public IReadOnlyList<string> HookPointNames => HookNames.All(Config.NLayers);

    /// <summary>The token embedding matrix W_E [d_vocab, d_model]; also the unembedding (W_U = W_Eᵀ). Read-only use.</summary>
    public Tensor EmbeddingWeights
    {
        get { ThrowIfDisposed(); return _network.TokenEmbedding; }
    }

    /// <summary>The learned position embeddings W_pos [n_ctx, d_model]. Read-only use.</summary>
    public Tensor PositionEmbeddingWeights
    {
        get { ThrowIfDisposed(); return _network.PositionEmbedding; }
    }

    /// <summary>Every weight by its Hugging Face name (<c>h.0.attn.c_attn.weight</c>, ...). Read-only use.</summary>
    public IReadOnlyDictionary<string, Tensor> Weights
    {
        get
        {
            ThrowIfDisposed();
            return Gpt2CheckpointLoader.HuggingFaceNames(_network).ToDictionary(p => p.Name, p => p.Weight);
        }
    }

    /// <summary>Frees the weights.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _network.Dispose();
    }

    /// <summary>The model's name and shape: layers, heads, d_model, context, vocabulary, parameters and device.</summary>
    public override string ToString() => _disposed ? $"HookedGpt2 '{Config.ModelName}' (disposed)" :
        $"HookedGpt2 '{Config.ModelName}': {Config.NLayers} layers, {Config.NHeads} heads, d_model {Config.DModel}, " +
        $"context {Config.NCtx}, vocabulary {Config.DVocab}, {(Config.AttentionOnly ? "attention-only, " : "")}{ParameterCount:N0} parameters, on {Device}";

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);
}
