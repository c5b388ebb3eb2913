using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// The model view of bertviz: every layer (rows) × every head (columns) as a small attention pattern; click one
/// to enlarge it with token labels and hover values. A big model's patterns are shrunk to blocks (noted on the view)
/// so the page stays small. Made by <c>Plots.ModelView</c>.
/// </summary>
public sealed class ModelView : View
{
    private readonly QuantizedMatrix[] _data;
    private readonly string[] _tokens;
    private readonly int _offset;
    private readonly float[] _selfAttention;   // [layer * head]: mean attention of a token to itself

    internal ModelView(ActivationCache cache, string[] tokens) : base("modelview")
    {
        var source = new AttentionSource(cache, tokens);
        source.RequireLayers(Enumerable.Range(0, source.Layers), "The model view shows every layer");
        Layers = source.Layers;
        Heads = source.Heads;
        _tokens = source.Tokens;
        _offset = source.Window.Start;
        foreach (string note in source.Notes()) AddNote(note);
        if (source.ValueNote(Enumerable.Range(0, Layers)) is string odd) AddNote(odd);

        int n = source.Window.Count;
        long heads = (long)Layers * Heads;
        IsFullResolution = heads * QuantizedMatrix.StoredCount(n, n, triangular: true) <= ViewLimits.MaxEmbeddedValues;
        Side = IsFullResolution ? n : Math.Max(4, (int)Math.Sqrt(ViewLimits.MaxEmbeddedValues / (double)heads));
        if (!IsFullResolution)
            AddNote($"{Layers}×{Heads} heads at {n} tokens is too much for one page: each pattern is shrunk to {Side}×{Side} blocks (block = attention from a group of queries to a group of keys). " +
                    "Use Plots.AttentionPatterns(cache, layer, tokens) for a layer at full resolution.");
        ThumbnailPixels = heads <= 150 ? 56 : heads <= 400 ? 40 : 28;

        _data = new QuantizedMatrix[Layers * Heads];
        _selfAttention = new float[Layers * Heads];
        for (int l = 0; l < Layers; l++)
        {
            float[] values = IsFullResolution ? source.Layer(l) : source.LayerPooled(l, Side);   // [head, side, side]
            for (int h = 0; h < Heads; h++)
            {
                int offset = h * Side * Side;
                _data[l * Heads + h] = AttentionPacking.Pack(values, offset, Side, bits: 8);
                float diagonal = 0;
                for (int i = 0; i < Side; i++) diagonal += values[offset + i * Side + i];
                _selfAttention[l * Heads + h] = diagonal / Side;
            }
        }
    }

    /// <summary>Blocks in the model (rows of the grid).</summary>
    public int Layers { get; }

    /// <summary>Heads per block (columns of the grid).</summary>
    public int Heads { get; }

    /// <summary>Whether the embedded patterns are exact (otherwise shrunk to <see cref="Side"/> × <see cref="Side"/> blocks).</summary>
    public bool IsFullResolution { get; }

    /// <summary>The side of each embedded pattern: the number of tokens, or fewer blocks for a big model.</summary>
    public int Side { get; }

    /// <summary>The size of each thumbnail in CSS pixels.</summary>
    public int ThumbnailPixels { get; }

    /// <inheritdoc/>
    public override string Title => $"Model view: {Layers} layers × {Heads} heads, {_tokens.Length} tokens (click a pattern to enlarge)";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["modelview"];

    /// <inheritdoc/>
    protected override object ScriptData => new
    {
        layers = Layers,
        heads = Heads,
        n = Side,
        full = IsFullResolution,
        offset = _offset,
        thumb = ThumbnailPixels,
        tokens = IsFullResolution ? TokenLabels.ShortAll(_tokens) : [],
        fullTokens = IsFullResolution ? _tokens.Select(TokenLabels.Quoted).ToArray() : [],
        data = _data,
    };

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        int best = Array.IndexOf(_selfAttention, _selfAttention.Max());
        text.Append($"{Layers * Heads} attention patterns over {_tokens.Length} tokens. ");
        text.Append($"Most self-attending head: L{best / Heads}H{best % Heads} (mean weight on its own token {_selfAttention[best]:0.00}).");
    }
}
