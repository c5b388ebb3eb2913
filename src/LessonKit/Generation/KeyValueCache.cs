using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// The keys and values of every position seen so far, one <see cref="LayerKeyValueCache"/> per layer, so that
/// generating the next token computes attention for the new position only instead of the whole prefix again.
/// Buffers are allocated once for the full context and filled in place.
/// </summary>
[Display.Formatting.TypeFormatterSource(typeof(Display.Formatting.SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed class KeyValueCache : IDisposable
{
    private readonly LayerKeyValueCache[] _layers;
    private bool _disposed;

    internal KeyValueCache(Gpt2Config config, long batch, Device device)
    {
        Model.MemoryFootprint.ThrowIfLargerThanMemory(Model.MemoryFootprint.KeyValueCacheBytes(config, batch),
            $"A KV cache for {batch} sequences of up to {config.NCtx} positions", "Use a smaller batch.");
        _layers = Enumerable.Range(0, config.NLayers)
            .Select(_ => new LayerKeyValueCache(batch, config.NHeads, config.NCtx, config.DHead, device)).ToArray();
        Capacity = config.NCtx;
        Config = config;
        Batch = batch;
    }

    /// <summary>The shape of the model this cache belongs to.</summary>
    public Gpt2Config Config { get; }

    /// <summary>How many sequences it holds.</summary>
    public long Batch { get; }

    /// <summary>How many positions are cached.</summary>
    public int Length { get { ThrowIfDisposed(); return _layers[0].Length; } }

    /// <summary>How many positions fit: the model's context length.</summary>
    public int Capacity { get; }

    internal LayerKeyValueCache this[int layer] { get { ThrowIfDisposed(); return _layers[layer]; } }

    /// <summary>Frees the buffers. Using the cache afterwards is an error; make a new one with model.NewKeyValueCache().</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var layer in _layers) layer.Dispose();
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>How many positions are filled, of how many, for how many layers and sequences.</summary>
    public override string ToString() => _disposed ? "KeyValueCache (disposed)" :
        $"KeyValueCache: {Length} of {Capacity} positions filled, {_layers.Length} layers, {Batch} sequence{(Batch == 1 ? "" : "s")}";
}

/// <summary>One layer's cached keys and values: [batch, head, position, d_head] buffers and how much of them is filled.</summary>
internal sealed class LayerKeyValueCache : IDisposable
{
    private readonly Tensor _keys;   // [batch, head, n_ctx, d_head]
    private readonly Tensor _values; // [batch, head, n_ctx, d_head]

    public LayerKeyValueCache(long batch, int heads, int capacity, int dHead, Device device)
    {
        _keys = torch.empty(batch, heads, capacity, dHead, device: device).DetachFromDisposeScope();
        _values = torch.empty(batch, heads, capacity, dHead, device: device).DetachFromDisposeScope();
        Capacity = capacity;
        DHead = dHead;
        Batch = (int)batch;
        Heads = heads;
    }

    private int Batch { get; }
    private int Heads { get; }

    /// <summary>Throws unless this cache holds <paramref name="batch"/> sequences of <paramref name="heads"/> heads of <paramref name="dHead"/> values: what kernels that index its buffers rely on.</summary>
    public void CheckShape(int batch, int heads, int dHead)
    {
        if (batch != Batch || heads != Heads || dHead != DHead)
            throw new ArgumentException($"A step of {batch} sequences × {heads} heads × d_head {dHead} does not fit this KV cache ({Batch} × {Heads} × {DHead}).");
    }

    public int Length { get; private set; }

    /// <summary>How many positions fit.</summary>
    public int Capacity { get; }

    /// <summary>The length of each cached key and value.</summary>
    public int DHead { get; }

    /// <summary>The whole key buffer [batch, head, capacity, d_head], for kernels that write and read it in place.</summary>
    public Tensor KeyBuffer => _keys;

    /// <summary>The whole value buffer [batch, head, capacity, d_head].</summary>
    public Tensor ValueBuffer => _values;

    /// <summary>
    /// Writes the new positions' keys and values [batch, head, new, d_head] after the cached ones and returns views of
    /// everything cached so far [batch, head, past + new, d_head].
    /// </summary>
    public (Tensor Keys, Tensor Values) Append(Tensor keys, Tensor values)
    {
        int added = (int)keys.shape[2];
        EnsureRoom(added);
        _keys.narrow(2, Length, added).copy_(keys);
        _values.narrow(2, Length, added).copy_(values);
        Length += added;
        return (_keys.narrow(2, 0, Length), _values.narrow(2, 0, Length));
    }

    /// <summary>Counts one more position and returns its index; the caller writes its keys and values into the buffers.</summary>
    public int AddPosition()
    {
        EnsureRoom(1);
        return Length++;
    }

    private void EnsureRoom(int added)
    {
        if (Length + added > Capacity)
            throw new InvalidOperationException($"The KV cache holds {Capacity} positions; {Length} are used and {added} more do not fit.");
    }

    /// <summary>Forgets positions from <paramref name="length"/> on (used to undo a failed step).</summary>
    public void Truncate(int length) => Length = Math.Min(Length, length);

    public void Dispose()
    {
        _keys.Dispose();
        _values.Dispose();
    }
}
