using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// One head's attention pattern, large: query tokens down the side, key tokens along the top, the weight under
/// the pointer. Made by <c>Plots.AttentionPattern</c>.
/// </summary>
public sealed class AttentionPatternView : View
{
    private readonly float[] _values;   // [query, key]
    private readonly string[] _tokens;
    private readonly int _offset;

    internal AttentionPatternView(ActivationCache cache, int layer, int head, string[] tokens) : base("patterns")
    {
        var source = new AttentionSource(cache, tokens, layer);
        Layer = source.CheckLayer(layer);
        Head = source.CheckHead(head);
        _tokens = source.Tokens;
        _offset = source.Window.Start;
        foreach (string note in source.Notes()) AddNote(note);
        if (source.ValueNote([Layer], Head) is string odd) AddNote(odd);
        _values = source.Head(Layer, Head);
    }

    /// <summary>The layer of the head.</summary>
    public int Layer { get; }

    /// <summary>The head shown.</summary>
    public int Head { get; }

    /// <summary>The tokens shown.</summary>
    public IReadOnlyList<string> Tokens => _tokens;

    /// <summary>The attention weight from a query position to a key position (among <see cref="Tokens"/>).</summary>
    public float Weight(int query, int key)
    {
        int n = _tokens.Length;
        if ((uint)query >= n || (uint)key >= n)
            throw new ArgumentOutOfRangeException($"query {query}, key {key}: {n} positions are shown.");
        return _values[query * n + key];
    }

    /// <inheritdoc/>
    public override string Title => $"Attention pattern: layer {Layer}, head {Head} (L{Layer}H{Head}), {_tokens.Length} tokens";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["patterns"];

    /// <inheritdoc/>
    protected override object ScriptData
    {
        get
        {
            int n = _tokens.Length;
            int bits = AttentionPacking.BitsFor(QuantizedMatrix.StoredCount(n, n, triangular: true));
            return new
            {
                layer = Layer,
                n,
                offset = _offset,
                focus = 0,
                single = true,
                digits = AttentionPacking.DigitsFor(bits),
                tokens = TokenLabels.ShortAll(_tokens),
                fullTokens = _tokens.Select(TokenLabels.Quoted).ToArray(),
                headLabels = new[] { $"Head {Head}" },
                m = new[] { AttentionPacking.Pack(_values, 0, n, bits) },
            };
        }
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        int n = _tokens.Length;
        var (q, k, w) = AttentionPacking.Strongest(_values, 0, n);
        text.Append($"Strongest: {TokenLabels.Quoted(_tokens[q])} ({_offset + q}) -> {TokenLabels.Quoted(_tokens[k])} ({_offset + k}) {w:0.000}. ");
        // Where does the last token look? (the position that predicts the next token)
        int last = n - 1, argmax = 0;
        for (int key = 1; key < n; key++) if (_values[last * n + key] > _values[last * n + argmax]) argmax = key;
        text.Append($"The last token {TokenLabels.Quoted(_tokens[last])} attends most to {TokenLabels.Quoted(_tokens[argmax])} ({_offset + argmax}): {_values[last * n + argmax]:0.000}.");
    }
}
