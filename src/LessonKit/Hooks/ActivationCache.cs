using System.Collections;
using LessonKit.Display.Formatting;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// The activations a forward pass saved, by hook name, as TransformerLens's <c>ActivationCache</c>.
/// Index it by full name (<c>cache["blocks.0.attn.hook_pattern"]</c>) or by short name and layer
/// (<c>cache["pattern", 0]</c>, <c>cache["scale", 0, "ln1"]</c>, <c>cache["resid_post", -1]</c>).
/// The cache owns its tensors: <see cref="Dispose"/> frees them all.
/// </summary>
[TypeFormatterSource(typeof(SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed class ActivationCache : IReadOnlyDictionary<string, Tensor>, IDisposable
{
    private readonly Dictionary<string, Tensor> _activations;
    private readonly List<string> _order;
    private bool _disposed;

    internal ActivationCache(Gpt2Config config)
    {
        Config = config;
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
