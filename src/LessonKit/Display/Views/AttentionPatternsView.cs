using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// One layer's attention patterns in the style of CircuitsVis: a small pattern per head (hover to preview, click to
/// select) and the selected head's pattern large, with the tokens on both axes and the weight under the pointer.
/// Made by <c>Plots.AttentionPatterns</c>.
/// </summary>
public sealed class AttentionPatternsView : View
{
    private readonly float[] _values;   // [head, query, key] for the tokens shown
    private readonly string[] _tokens;
    private readonly int _offset;
    private readonly int _bits;

    internal AttentionPatternsView(ActivationCache cache, int layer, string[] tokens) : base("patterns")
    {
        var source = new AttentionSource(cache, tokens, layer);
        Layer = source.CheckLayer(layer);
        Heads = source.Heads;
        _tokens = source.Tokens;
        _offset = source.Window.Start;
        foreach (string note in source.Notes()) AddNote(note);
        if (source.ValueNote([Layer]) is string odd) AddNote(odd);
        _values = source.Layer(Layer);
        int n = _tokens.Length;
        _bits = AttentionPacking.BitsFor(Heads * QuantizedMatrix.StoredCount(n, n, triangular: true));
    }

    /// <summary>The layer shown.</summary>
    public int Layer { get; }

    /// <summary>Heads in the layer.</summary>
    public int Heads { get; }

    /// <summary>The tokens shown (the last <see cref="ViewLimits.MaxTokens"/> of a longer text).</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The attention weight of a head from a query position to a key position (positions among <see cref="Tokens"/>).</summary>
    public float Weight(int head, int query, int key)
    {
        int n = _tokens.Length;
        if ((uint)head >= Heads || (uint)query >= n || (uint)key >= n)
            throw new ArgumentOutOfRangeException($"head {head}, query {query}, key {key}: there are {Heads} heads and {n} positions shown.");
        return _values[(head * n + query) * n + key];
    }

    /// <inheritdoc/>
    public override string Title => $"Attention patterns: layer {Layer}, {Heads} heads, {_tokens.Length} tokens";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["patterns"];

    /// <inheritdoc/>
    protected override object ScriptData
    {
        get
        {
            int n = _tokens.Length;
            return new
            {
                layer = Layer,
                n,
                offset = _offset,
                focus = 0,
                single = false,
                digits = AttentionPacking.DigitsFor(_bits),
                tokens = TokenLabels.ShortAll(_tokens),
                fullTokens = _tokens.Select(TokenLabels.Quoted).ToArray(),
                headLabels = Enumerable.Range(0, Heads).Select(h => $"Head {h}").ToArray(),
                m = Enumerable.Range(0, Heads).Select(h => AttentionPacking.Pack(_values, h * n * n, n, _bits)).ToArray(),
            };
        }
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        int n = _tokens.Length;
        for (int h = 0; h < Heads; h++)
        {
            var (q, k, w) = AttentionPacking.Strongest(_values, h * n * n, n);
            text.Append($"head {h}: strongest {TokenLabels.Quoted(_tokens[q])} ({_offset + q}) -> {TokenLabels.Quoted(_tokens[k])} ({_offset + k}) {w:0.00}\n");
        }
    }
}
