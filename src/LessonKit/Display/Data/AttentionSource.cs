using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display.Data;

/// <summary>
/// Reads attention patterns (<c>blocks.{l}.attn.hook_pattern</c>, [batch, head, query, key]) out of an
/// <see cref="ActivationCache"/> for the views: checks the tokens match, keeps the last
/// <see cref="ViewLimits.MaxTokens"/> positions of a long text, and copies (or downsamples) one layer at a time so a
/// big model's cache is never copied whole.
/// </summary>
internal sealed class AttentionSource
{
    private readonly ActivationCache _cache;
    private readonly int _shapeLayer;   // the layer whose pattern gave Batch, Heads and Length

    /// <summary>
    /// Reads from <paramref name="cache"/>, showing the last <see cref="ViewLimits.MaxTokens"/> positions (see
    /// <see cref="SetWindow"/>). The shape (batch, heads, positions) is read from <paramref name="layer"/>'s pattern
    /// (which must be cached), or without a layer from the first cached one: a cache filtered to one layer's pattern
    /// is enough for a view of that layer. Views that show every layer call <see cref="RequireLayers"/>.
    /// </summary>
    public AttentionSource(ActivationCache cache, string[] tokens, int? layer = null)
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(tokens);
        CheckTokens(tokens);
        cache.CheckTokenCount(tokens.Length, nameof(tokens));
        _cache = cache;
        Layers = cache.Config.NLayers;
        CachedLayers = Enumerable.Range(0, Layers).Where(l => cache.ContainsKey(PatternName(l))).ToArray();
        // The shape comes from the layer asked for, or else from the first cached layer (not always layer 0).
        if (layer is int asked)
        {
            _shapeLayer = CheckLayer(asked);
            RequireLayers([_shapeLayer]);
        }
        else if (CachedLayers.Count > 0) _shapeLayer = CachedLayers[0];
        else RequireLayers(Enumerable.Range(0, Layers));   // throws: no layer's pattern is cached

        long[] shape = _cache["pattern", _shapeLayer].shape;
        if (shape.Length != 4 || shape[2] != shape[3])
            throw new ArgumentException($"{PatternName(_shapeLayer)} should be [batch, head, query, key] with as many queries as keys, but its shape is [{string.Join(", ", shape)}].");
        Batch = (int)shape[0];
        Heads = (int)shape[1];
        Length = (int)shape[2];
        if (tokens.Length != Length)
            throw new ArgumentException(
                $"{tokens.Length} tokens were given but the cached attention covers {Length} positions. Pass the tokens of the same text the cache " +
                $"was made from, e.g. model.ToStrTokens(text) with the same prependBos as model.ToTokens(text).", nameof(tokens));
        AllTokens = tokens;
        Window = TokenWindow.Last(Length, ViewLimits.MaxTokens);
        Tokens = tokens[Window.Start..Window.End];
    }

    /// <summary>The cache key of a layer's attention pattern.</summary>
    public static string PatternName(int layer) => $"blocks.{layer}.attn.hook_pattern";

    /// <summary>The layers whose pattern is in the cache.</summary>
    public IReadOnlyList<int> CachedLayers { get; }

    /// <summary>
    /// Throws <see cref="KeyNotFoundException"/> naming the layers among <paramref name="layers"/> whose pattern is not
    /// cached, and how to cache them. <paramref name="why"/> starts the message, e.g. "The model view shows every layer".
    /// </summary>
    public void RequireLayers(IEnumerable<int> layers, string? why = null)
    {
        int[] missing = layers.Where(l => !CachedLayers.Contains(l)).ToArray();
        if (missing.Length == 0) return;
        string subject = missing.Length == 1
            ? $"the attention pattern of {LayerList(missing)} ({PatternName(missing[0])}) is"
            : $"the attention patterns of {LayerList(missing)} ({PatternName(missing[0])}, ...) are";
        string has = CachedLayers.Count == 0 ? "no layer's pattern" : LayerList(CachedLayers);
        string how = missing.Length == 1 && Layers > 1
            ? $"Cache it with model.RunWithCache(tokens, name => name == \"{PatternName(missing[0])}\"), every layer's with name => name.EndsWith(\"hook_pattern\"),"
            : "Cache every layer's with model.RunWithCache(tokens, name => name.EndsWith(\"hook_pattern\")),";
        throw new KeyNotFoundException(
            (why is null ? char.ToUpperInvariant(subject[0]) + subject[1..] : $"{why}, but {subject}") +
            $" not in the cache (it has {has}). {how} or everything with model.RunWithCache(tokens).");
    }

    /// <summary>"layer 3", "layers 0, 2-11".</summary>
    public static string LayerList(IReadOnlyList<int> layers)
    {
        var parts = new List<string>();
        for (int i = 0; i < layers.Count;)
        {
            int j = i;
            while (j + 1 < layers.Count && layers[j + 1] == layers[j] + 1) j++;
            parts.Add(j == i ? $"{layers[i]}" : $"{layers[i]}-{layers[j]}");
            i = j + 1;
        }
        return (layers.Count == 1 ? "layer " : "layers ") + string.Join(", ", parts);
    }

    /// <summary>Throws when a token is null (an empty string is fine: it shows as ∅).</summary>
    public static void CheckTokens(string[] tokens)
    {
        int missing = Array.IndexOf(tokens, null);
        if (missing >= 0) throw new ArgumentException($"tokens[{missing}] is null; pass the token strings, e.g. model.ToStrTokens(text).", nameof(tokens));
    }

    /// <summary>Blocks in the model.</summary>
    public int Layers { get; }

    /// <summary>Heads per block.</summary>
    public int Heads { get; }

    /// <summary>Prompts in the cached batch (the views show the first).</summary>
    public int Batch { get; }

    /// <summary>Positions in the cached text.</summary>
    public int Length { get; }

    /// <summary>Every token of the text.</summary>
    public string[] AllTokens { get; }

    /// <summary>The positions shown.</summary>
    public TokenWindow Window { get; private set; }

    /// <summary>The tokens shown (those in <see cref="Window"/>).</summary>
    public string[] Tokens { get; private set; }

    /// <summary>Shows other positions than the last ones (the head finder shows the ones ending at its query).</summary>
    public void SetWindow(TokenWindow window)
    {
        if (window.Start < 0 || window.End > Length || window.Count <= 0)
            throw new ArgumentOutOfRangeException(nameof(window), window, $"The window must lie within the {Length} cached positions.");
        Window = window;
        Tokens = AllTokens[window.Start..window.End];
    }

    /// <summary>Notes for the reader about what is not shown (a long text cut, a batch reduced to its first prompt).</summary>
    public IEnumerable<string> Notes()
    {
        if (Window.IsCut) yield return Window.Note("tokens") + " Attention to earlier tokens is not drawn.";
        if (Batch > 1) yield return $"The cache holds a batch of {Batch} prompts; showing the first.";
    }

    /// <summary>Turns a layer argument into 0..Layers-1 (negative counts from the end, as in the cache).</summary>
    public int CheckLayer(int layer)
    {
        int l = layer < 0 ? Layers + layer : layer;
        if (l < 0 || l >= Layers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"Layer {layer} does not exist: this model has {Layers} layers, numbered 0 to {Layers - 1} (or -1 for the last).");
        return l;
    }

    /// <summary>Checks a head index.</summary>
    public int CheckHead(int head)
    {
        if (head < 0 || head >= Heads)
            throw new ArgumentOutOfRangeException(nameof(head), head, $"Head {head} does not exist: each layer has {Heads} heads, numbered 0 to {Heads - 1}.");
        return head;
    }

    /// <summary>One layer's patterns in the window: [head, query, key] row-major, n = <see cref="Window"/>.Count.</summary>
    public float[] Layer(int layer)
    {
        using var scope = torch.NewDisposeScope();
        Tensor pattern = Pattern(layer);
        int n = Window.Count;
        Tensor crop = pattern[0].narrow(1, Window.Start, n).narrow(2, Window.Start, n);   // [head, n, n]
        return TensorReader.ToFloats(crop);
    }

    /// <summary>One head's pattern in the window: [query, key] row-major.</summary>
    public float[] Head(int layer, int head)
    {
        using var scope = torch.NewDisposeScope();
        Tensor pattern = Pattern(layer);
        int n = Window.Count;
        Tensor crop = pattern[0, head].narrow(0, Window.Start, n).narrow(1, Window.Start, n);   // [n, n]
        return TensorReader.ToFloats(crop);
    }

    /// <summary>
    /// One layer's patterns in the window shrunk to <paramref name="size"/> × <paramref name="size"/> blocks:
    /// [head, size, size]. Block (i, j) is the attention the queries of block i pay, on average, to all the keys of
    /// block j together, so every row still sums to 1 and a strong weight stays visible after shrinking.
    /// </summary>
    public float[] LayerPooled(int layer, int size)
    {
        if (size >= Window.Count) return Layer(layer);
        using var scope = torch.NewDisposeScope();
        Tensor pattern = Pattern(layer);
        int n = Window.Count;
        Tensor crop = pattern[0].narrow(1, Window.Start, n).narrow(2, Window.Start, n).to_type(ScalarType.Float32);
        return TensorReader.ToFloats(Shrink(crop, size));
    }

    /// <summary>The pattern averaged over heads in the window, shrunk (as <see cref="LayerPooled"/>) to at most <paramref name="size"/>: [side, side].</summary>
    public float[] LayerMean(int layer, int size, out int side)
    {
        using var scope = torch.NewDisposeScope();
        Tensor pattern = Pattern(layer);
        int n = Window.Count;
        Tensor mean = pattern[0].narrow(1, Window.Start, n).narrow(2, Window.Start, n).to_type(ScalarType.Float32).mean([0L], keepdim: true);   // [1, n, n]
        side = Math.Min(size, n);
        if (side < n) mean = Shrink(mean, side);
        return TensorReader.ToFloats(mean);
    }

    /// <summary>
    /// [.., n, n] → [.., size, size]: queries averaged within each block, keys summed within each block, so every
    /// row still sums to what it summed to before. Block j covers positions floor(j·n/size) to floor((j+1)·n/size) - 1
    /// (the blocks do not overlap and cover every position).
    /// </summary>
    internal static Tensor Shrink(Tensor pattern, int size)
    {
        int n = (int)pattern.shape[^1];
        var average = new float[size * n];   // [size, n]: 1/count over the positions of each block
        var sum = new float[size * n];       // [size, n]: 1 over the positions of each block
        for (int j = 0; j < size; j++)
        {
            int start = (int)((long)j * n / size), end = (int)((long)(j + 1) * n / size);
            for (int p = start; p < end; p++)
            {
                average[j * n + p] = 1f / (end - start);
                sum[j * n + p] = 1f;
            }
        }
        using var rows = torch.tensor(average, [size, n]);
        using var columns = torch.tensor(sum, [size, n]);
        return rows.matmul(pattern.to_type(ScalarType.Float32)).matmul(columns.t());   // [.., size, n] then [.., size, size]
    }

    /// <summary>
    /// What softmax could not have produced in a layer's patterns (in the window, first prompt): NaN, ±∞, weights
    /// outside [0, 1]. Only one head's pattern when <paramref name="head"/> is given.
    /// </summary>
    public PatternCheck Check(int layer, int? head = null)
    {
        using var scope = torch.NewDisposeScope();
        int n = Window.Count;
        Tensor crop = Pattern(layer)[0].narrow(1, Window.Start, n).narrow(2, Window.Start, n).to_type(ScalarType.Float32);
        if (head is int h) crop = crop[h];
        long nan = crop.isnan().sum().item<long>(), infinite = crop.isinf().sum().item<long>();
        Tensor finite = crop.masked_select(crop.isfinite());
        if (finite.numel() == 0) return new PatternCheck(nan, infinite, 0, float.NaN, float.NaN);
        // A little slack: a weight computed in low precision can land a hair past 1.
        long outside = (finite.lt(-1e-5f) | finite.gt(1 + 1e-5f)).sum().item<long>();
        return new PatternCheck(nan, infinite, outside, finite.min().item<float>(), finite.max().item<float>());
    }

    /// <summary>
    /// A note for the reader when the patterns of <paramref name="layers"/> (or one head's) are not what softmax gives,
    /// as after a hook scaled, negated or poisoned them; null when they are fine.
    /// </summary>
    public string? ValueNote(IEnumerable<int> layers, int? head = null)
    {
        var odd = layers.Select(l => (Layer: l, Check: Check(l, head))).Where(c => c.Check.IsOdd).ToArray();
        if (odd.Length == 0) return null;
        long nan = odd.Sum(c => c.Check.NaN), infinite = odd.Sum(c => c.Check.Infinite), outside = odd.Sum(c => c.Check.Outside);
        var facts = new List<(long Count, string What)>();
        if (outside > 0)
        {
            // (+ 0f turns -0, the largest weight of a negated pattern, into 0.)
            float lowest = odd.Where(c => c.Check.Outside > 0).Min(c => c.Check.Min) + 0f, highest = odd.Where(c => c.Check.Outside > 0).Max(c => c.Check.Max) + 0f;
            facts.Add((outside, $"outside [0, 1] (from {lowest:0.###} to {highest:0.###})"));
        }
        if (nan > 0) facts.Add((nan, "NaN"));
        if (infinite > 0) facts.Add((infinite, "infinite"));
        // "21 weights are outside [0, 1] (from 0 to 5), 3 are NaN"
        string said = string.Join(", ", facts.Select((f, i) =>
            $"{f.Count:N0} {(i > 0 ? "" : f.Count == 1 ? "weight " : "weights ")}{(f.Count == 1 ? "is" : "are")} {f.What}"));
        string what = head is int h ? $"L{odd[0].Layer}H{h}'s pattern is"
            : odd.Length == 1 ? $"Layer {odd[0].Layer}'s patterns are"
            : $"The patterns of {LayerList(odd.Select(c => c.Layer).ToArray())} are";
        return $"{what} not softmax weights: {said}. Was the pattern changed by a hook? " +
               "The colours clip to [0, 1] and show NaN as 0.";
    }

    /// <summary>The attention every head of a layer pays from one query position to one key position: [head].</summary>
    public float[] FromTo(int layer, int query, int key)
    {
        using var scope = torch.NewDisposeScope();
        return TensorReader.ToFloats(Pattern(layer)[0, .., query, key]);
    }

    private Tensor Pattern(int layer)
    {
        Tensor pattern = _cache["pattern", layer];
        if (pattern.dim() != 4 || pattern.shape[1] != Heads || pattern.shape[2] != Length || pattern.shape[3] != Length)
            throw new ArgumentException($"{PatternName(layer)} has shape [{string.Join(", ", pattern.shape)}], but {PatternName(_shapeLayer)} has [{Batch}, {Heads}, {Length}, {Length}]; all layers must come from one forward pass.");
        return pattern;
    }
}

/// <summary>What in an attention pattern softmax could not have produced.</summary>
/// <param name="NaN">How many weights are NaN.</param>
/// <param name="Infinite">How many weights are ±∞.</param>
/// <param name="Outside">How many finite weights are outside [0, 1].</param>
/// <param name="Min">The smallest finite weight (NaN if none is finite).</param>
/// <param name="Max">The largest finite weight (NaN if none is finite).</param>
internal readonly record struct PatternCheck(long NaN, long Infinite, long Outside, float Min, float Max)
{
    /// <summary>Whether anything is off.</summary>
    public bool IsOdd => NaN + Infinite + Outside > 0;
}
