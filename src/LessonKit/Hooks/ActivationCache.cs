using System.Collections;
using LessonKit.Display.Formatting;
using LessonKit.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// The activations a forward pass saved, by hook name, as TransformerLens's <c>ActivationCache</c>.
/// Index it by full name (<c>cache["blocks.0.attn.hook_pattern"]</c>) or by short name and layer
/// (<c>cache["pattern", 0]</c>, <c>cache["scale", 0, "ln1"]</c>, <c>cache["resid_post", -1]</c>).
/// The cache owns its tensors: <see cref="Dispose"/> frees them all.
/// It also keeps the tokens the pass read (<see cref="TokenIds"/>, <see cref="StrTokens"/>), so a view needs only the
/// cache: <c>Plots.HeadView(cache)</c>.
/// </summary>
[TypeFormatterSource(typeof(SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed class ActivationCache : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly Dictionary<string, Tensor> _activations;
    private readonly List<string> _order;
    private bool _disposed;

    // The tokens the forward pass read, [batch][pos], and the tokenizer that names them; null for a cache not made by a model.
    private int[][]? _tokenIds;
    private readonly Gpt2Tokenizer? _tokenizer;

    /// <summary>A cache that will not know its tokens (views then need them passed in).</summary>
    internal ActivationCache(Gpt2Config config) : this(config, null) { }

    /// <summary>A cache whose tokens are named by <paramref name="tokenizer"/> once <see cref="KeepTokens"/> has them.</summary>
    internal ActivationCache(Gpt2Config config, Gpt2Tokenizer? tokenizer)
    {
        Config = config;
        _tokenizer = tokenizer;
        _activations = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        _order = [];
    }

    /// <summary>The configuration of the model that filled this cache.</summary>
    public Gpt2Config Config { get; }

    /// <summary>The cached hook names, in the order the forward pass reached them.</summary>
    public IEnumerable<string> Keys { get { ThrowIfDisposed(); return _order; } }

    /// <summary>The cached activations, in the order the forward pass reached them.</summary>
    public IEnumerable<Tensor> Values => Keys.Select(k => _activations[k]);

    /// <summary>How many activations are cached.</summary>
    public int Count { get { ThrowIfDisposed(); return _order.Count; } }

    /// <summary>The activation at a full hook name, or at a short name without a layer (<c>"embed"</c>, <c>"scale"</c>).</summary>
    public Tensor this[string name] => Get(HookNames.Resolve(name, null, null, Config.NLayers));

    /// <summary>The activation at a short name in a layer: <c>cache["pattern", 0]</c>; negative layers count from the end.</summary>
    public Tensor this[string name, int layer] => Get(HookNames.Resolve(name, layer, null, Config.NLayers));

    /// <summary>The activation at a short name in a layer and sub-layer: <c>cache["scale", 0, "ln1"]</c>.</summary>
    public Tensor this[string name, int layer, string layerType] => Get(HookNames.Resolve(name, layer, layerType, Config.NLayers));

    /// <summary>Whether a full hook name is cached.</summary>
    public bool ContainsKey(string key) { ThrowIfDisposed(); return _activations.ContainsKey(key); }

    /// <summary>Gets the activation cached under a full hook name; <c>false</c> (and no tensor) when it is not cached.</summary>
    public bool TryGetValue(string key, [System.Diagnostics.CodeAnalysis.MaybeNullWhen(false)] out Tensor value)
    {
        ThrowIfDisposed();
        return _activations.TryGetValue(key, out value);
    }

    /// <summary>
    /// One activation from every block stacked on a new first axis: <c>Stack("pattern")</c> is
    /// [layer, batch, head, query, key]. The caller owns (and disposes) the result.
    /// </summary>
    public Tensor Stack(string shortName, string? layerType = null)
    {
        var perLayer = Enumerable.Range(0, Config.NLayers)
            .Select(l => Get(HookNames.Resolve(shortName, l, layerType, Config.NLayers))).ToArray();
        return torch.stack(perLayer);
    }

    /// <summary>Whether the cache knows the tokens it was made from (every cache <c>RunWithCache</c> returns does).</summary>
    public bool HasTokens => _tokenIds is not null;

    /// <summary>How many sequences the forward pass read (the batch size); 0 when the cache does not know its tokens.</summary>
    public int BatchSize => _tokenIds?.Length ?? 0;

    /// <summary>
    /// The token ids the forward pass read, one per position: what <c>model.ToTokens(text)</c> gave, <c>&lt;|endoftext|&gt;</c>
    /// (50256) first when it was prepended. For a cache of a batch, <see cref="TokenIdsOf"/> gives each sequence's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache holds a batch, or does not know its tokens.</exception>
    public int[] TokenIds => TokenIdsOf(OnlySequence(nameof(TokenIds), nameof(TokenIdsOf)));

    /// <summary>
    /// The text of each token the forward pass read, as <c>model.ToStrTokens(text)</c> gives it:
    /// <c>["&lt;|endoftext|&gt;", "The", " cat", " sat"]</c>. For a cache of a batch, <see cref="StrTokensOf"/> gives each sequence's.
    /// </summary>
    /// <exception cref="InvalidOperationException">The cache holds a batch, or does not know its tokens.</exception>
    public string[] StrTokens => StrTokensOf(OnlySequence(nameof(StrTokens), nameof(StrTokensOf)));

    /// <summary>The token ids of sequence <paramref name="sequence"/> of the batch (0 first), one per position.</summary>
    public int[] TokenIdsOf(int sequence) => [.. Sequence(sequence)];

    /// <summary>
    /// The text of each token of sequence <paramref name="sequence"/> of the batch (0 first). An id the tokenizer does not
    /// have (a model made with a larger vocabulary) shows as <c>[id]</c>.
    /// </summary>
    public string[] StrTokensOf(int sequence) => [.. Sequence(sequence).Select(TokenText)];

    /// <summary>What token <paramref name="id"/> reads as, by the model's tokenizer; <c>[id]</c> for an id it does not have.</summary>
    internal string TokenText(int id) =>
        _tokenizer is not null && id >= 0 && id < _tokenizer.VocabSize ? _tokenizer.TokenText(id) : $"[{id}]";

    /// <summary>
    /// The tokens a view shows when none are passed: the first sequence's (a view of a batch says so in a note).
    /// <paramref name="call"/> is the view's call with tokens, for the message when the cache does not know them.
    /// </summary>
    internal string[] TokensForView(string call)
    {
        ThrowIfDisposed();
        if (_tokenIds is null)
            throw new InvalidOperationException(
                $"This cache does not know the tokens it was made from (it was not made by model.RunWithCache), so pass them: {call}.");
        return StrTokensOf(0);
    }

    /// <summary>
    /// Throws when a view is given <paramref name="given"/> tokens but the cache was made from another number, naming
    /// both; nothing to check for a cache that does not know its tokens.
    /// </summary>
    internal void CheckTokenCount(int given, string parameterName)
    {
        ThrowIfDisposed();
        if (_tokenIds is null || _tokenIds[0].Length == given) return;
        int made = _tokenIds[0].Length;
        throw new ArgumentException(
            $"{given} token{(given == 1 ? " was" : "s were")} given, but this cache was made from {made} token{(made == 1 ? "" : "s")}. " +
            "Pass the tokens of the text the cache was made from (model.ToStrTokens(text), with the same prependBos as model.ToTokens), " +
            "or leave them out: the cache knows its own (cache.StrTokens).", parameterName);
    }

    /// <summary>Keeps the token ids [batch, pos] a forward pass reads. Called by the model before the pass.</summary>
    internal void KeepTokens(Tensor ids)
    {
        ThrowIfDisposed();
        int batch = (int)ids.shape[0], positions = (int)ids.shape[1];
        long[] flat; // [batch * pos], row by row
        using (torch.NewDisposeScope()) flat = ids.to(ScalarType.Int64).cpu().contiguous().data<long>().ToArray();
        var tokenIds = new int[batch][];
        for (int b = 0; b < batch; b++)
        {
            tokenIds[b] = new int[positions];
            for (int p = 0; p < positions; p++) tokenIds[b][p] = (int)flat[b * positions + p];
        }
        _tokenIds = tokenIds;
    }

    private int[] Sequence(int sequence)
    {
        ThrowIfDisposed();
        if (_tokenIds is null)
            throw new InvalidOperationException("This cache does not know the tokens it was made from: it was not made by model.RunWithCache.");
        if (sequence < 0 || sequence >= _tokenIds.Length)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence,
                $"Sequence {sequence} is not in this cache: it was made from a batch of {_tokenIds.Length}, numbered 0 to {_tokenIds.Length - 1}.");
        return _tokenIds[sequence];
    }

    private int OnlySequence(string member, string perSequence)
    {
        Sequence(0); // throws when the cache does not know its tokens
        if (_tokenIds!.Length > 1)
            throw new InvalidOperationException(
                $"This cache was made from a batch of {_tokenIds.Length} sequences, so {member} would have to pick one: use cache.{perSequence}(i) for sequence i (0 first).");
        return 0;
    }

    /// <summary>Every cached activation with its full hook name, in the order the forward pass reached them.</summary>
    public IEnumerator<KeyValuePair<string, Tensor>> GetEnumerator() =>
        Keys.Select(k => new KeyValuePair<string, Tensor>(k, _activations[k])).GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    /// <summary>Frees every cached tensor. Using the cache afterwards is an error.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var tensor in _activations.Values) tensor.Dispose();
        _activations.Clear();
        _order.Clear();
    }

    /// <summary>Whether <see cref="Dispose"/> has been called.</summary>
    public bool IsDisposed => _disposed;

    /// <summary>How many activations are cached, and the first few names.</summary>
    public override string ToString() =>
        _disposed ? "ActivationCache (disposed)" : $"ActivationCache with {Count} activation{(Count == 1 ? "" : "s")}: {string.Join(", ", _order.Take(6))}{(Count > 6 ? ", ..." : "")}";

    /// <summary>Each cached name with its activation's shape (<c>[1, 12, 9, 9]</c>), in forward order; "disposed" for a freed one.</summary>
    internal IEnumerable<(string Name, string Shape)> Shapes() =>
        _order.Select(name => (name, _activations[name] is { IsInvalid: false } t ? $"[{string.Join(", ", t.shape)}]" : "disposed"));

    /// <summary>Keeps an activation. Called by the model during a forward pass.</summary>
    internal void Add(string name, Tensor activation)
    {
        ThrowIfDisposed();
        // The cache keeps its own handle on the activation's memory (no copy), outside the forward pass's dispose
        // scope: one tensor can pass two hook points (resid_post of a block is resid_pre of the next), and a hook can
        // return a tensor the caller owns, and each must stay valid until the cache is disposed.
        activation = activation.alias().DetachFromDisposeScope();
        if (_activations.Remove(name, out var old)) { old.Dispose(); _order.Remove(name); }
        _activations[name] = activation;
        _order.Add(name);
    }

    private Tensor Get(string fullName)
    {
        ThrowIfDisposed();
        if (_activations.TryGetValue(fullName, out var tensor))
        {
            if (tensor.IsInvalid)
                throw new ObjectDisposedException(fullName,
                    $"The cached '{fullName}' was disposed (a `using var` or .Dispose() on a tensor taken from the cache frees the cache's own copy). " +
                    "Leave cached tensors to the cache, which frees them all when it is disposed; run the model again to get this activation back.");
            return tensor;
        }
        throw new KeyNotFoundException(
            $"'{fullName}' is a hook point of the model but was not cached: the names filter given to RunWithCache left it out. " +
            $"Cached: {(Count == 0 ? "nothing" : string.Join(", ", _order.Take(8)) + (Count > 8 ? ", ..." : ""))}.");
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
            throw new ObjectDisposedException(nameof(ActivationCache),
                "This ActivationCache was disposed (by a `using` or .Dispose()), which freed every activation in it. Run model.RunWithCache again for a new one.");
    }
}
