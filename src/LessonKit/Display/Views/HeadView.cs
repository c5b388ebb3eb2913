using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// The head view of bertviz: the tokens in two columns, a line from each query token (left) to every key token
/// (right) it attends to, as opaque as the attention weight, one colour per head. Pick a layer, click a head to
/// hide or show it (double-click: only that head), hover a token to see only its lines.
/// Made by <c>Plots.HeadView</c>.
/// </summary>
public sealed class HeadView : View
{
    private readonly Dictionary<string, QuantizedMatrix[]> _data = new(StringComparer.Ordinal);
    private readonly (int Query, int Key, float Weight)[] _strongest;
    private readonly string[] _tokens;
    private readonly int _offset;
    private readonly int[] _missing;   // layers in the embedding range whose pattern is not cached

    internal HeadView(ActivationCache cache, string[] tokens, int layer) : base("headview")
    {
        var source = new AttentionSource(cache, tokens, layer);
        Layer = source.CheckLayer(layer);
        Layers = source.Layers;
        Heads = source.Heads;
        _tokens = source.Tokens;
        _offset = source.Window.Start;
        foreach (string note in source.Notes()) AddNote(note);

        // Embed every layer if it fits the page budget, else the layers nearest the chosen one.
        int n = source.Window.Count;
        long perLayer = Heads * QuantizedMatrix.StoredCount(n, n, triangular: true);
        int fit = (int)Math.Clamp(ViewLimits.MaxEmbeddedValues / Math.Max(1, perLayer), 1, Layers);
        int first = Math.Clamp(Layer - fit / 2, 0, Layers - fit);
        // Only cached layers can be embedded: a cache filtered to one layer's pattern shows that layer alone.
        EmbeddedLayers = Enumerable.Range(first, fit).Where(source.CachedLayers.Contains).ToArray();
        if (fit < Layers)
            AddNote((fit == 1 ? $"Only layer {first} of {Layers} is embedded" : $"Layers {first}-{first + fit - 1} of {Layers} are embedded") +
                    $": all of them would make the page too large at {n} tokens. Use Plots.HeadView(cache, tokens, layer: L) to see layer L.");
        _missing = Enumerable.Range(first, fit).Where(l => !source.CachedLayers.Contains(l)).ToArray();
        if (_missing.Length > 0)
            AddNote($"The cache has no attention pattern for {AttentionSource.LayerList(_missing)}, so the layer menu cannot show " +
                    $"{(_missing.Length == 1 ? "it" : "them")}. Cache every layer's with model.RunWithCache(tokens, name => name.EndsWith(\"hook_pattern\")).");
        if (source.ValueNote(EmbeddedLayers) is string odd) AddNote(odd);

        _strongest = new (int, int, float)[Heads];
        foreach (int l in EmbeddedLayers)
        {
            float[] values = source.Layer(l);   // [head, query, key]
            var packed = new QuantizedMatrix[Heads];
            for (int h = 0; h < Heads; h++)
            {
                packed[h] = AttentionPacking.Pack(values, h * n * n, n, bits: 8);
                if (l == Layer) _strongest[h] = AttentionPacking.Strongest(values, h * n * n, n);
            }
            _data[l.ToString(System.Globalization.CultureInfo.InvariantCulture)] = packed;
        }
    }

    /// <summary>The layer shown first.</summary>
    public int Layer { get; }

    /// <summary>Blocks in the model.</summary>
    public int Layers { get; }

    /// <summary>Heads per block.</summary>
    public int Heads { get; }

    /// <summary>The layers whose patterns are in the page (all of them unless the model is large).</summary>
    public IReadOnlyList<int> EmbeddedLayers { get; }

    /// <summary>The tokens shown.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <inheritdoc/>
    public override string Title => $"Head view: layer {Layer} ({Layers} layers × {Heads} heads, {_tokens.Length} tokens)";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["headview"];

    /// <inheritdoc/>
    protected override object ScriptData => new
    {
        layers = Layers,
        heads = Heads,
        n = _tokens.Length,
        layer = Layer,
        offset = _offset,
        tokens = TokenLabels.ShortAll(_tokens),
        full = _tokens.Select(TokenLabels.Quoted).ToArray(),
        missing = _missing,
        data = _data,
    };

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append($"Strongest attention of each head in layer {Layer}:\n");
        for (int h = 0; h < Heads; h++)
        {
            var (q, k, w) = _strongest[h];
            text.Append($"  head {h}: {TokenLabels.Quoted(_tokens[q])} ({_offset + q}) -> {TokenLabels.Quoted(_tokens[k])} ({_offset + k}) {w:0.00}\n");
        }
    }
}
