using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// Ranks every (layer, head) by how much attention flows from one token (the query) to another (the key), e.g.
/// from "it" to "cat", and shows the winning head's pattern with that cell marked. Click one of the top rows to see
/// its head. Made by <see cref="Plots.HeadFinder(ActivationCache, string[], int, int)"/>.
/// </summary>
public sealed class HeadFinderView : View
{
    /// <summary>How many table rows are shown.</summary>
    public const int RowsShown = 15;

    /// <summary>How many of the top heads carry their pattern in the page (clickable rows).</summary>
    public const int PatternsEmbedded = 10;

    private readonly string[] _allTokens;
    private readonly string[] _tokens;
    private readonly int _offset;
    private readonly float[][] _patterns;   // the top heads' patterns in the window, [query, key] each
    private readonly int _bits;

    internal HeadFinderView(ActivationCache cache, string[] tokens, int fromPosition, int toPosition) : base("headfinder")
    {
        var source = new AttentionSource(cache, tokens);
        source.RequireLayers(Enumerable.Range(0, source.Layers), "The head finder ranks the heads of every layer");
        int length = source.Length;
        if (fromPosition < 0 || fromPosition >= length)
            throw new ArgumentOutOfRangeException(nameof(fromPosition), fromPosition, $"fromPosition must be between 0 and {length - 1} (the text has {length} tokens): {TokenSearch.List(tokens)}.");
        if (toPosition < 0 || toPosition >= length)
            throw new ArgumentOutOfRangeException(nameof(toPosition), toPosition, $"toPosition must be between 0 and {length - 1} (the text has {length} tokens): {TokenSearch.List(tokens)}.");
        if (toPosition > fromPosition)
            throw new ArgumentException($"toPosition ({toPosition}) is after fromPosition ({fromPosition}): GPT-2 is causal, so a token only attends to itself and earlier tokens. Swap them?");

        FromPosition = fromPosition;
        ToPosition = toPosition;
        _allTokens = tokens;
        source.SetWindow(TokenWindow.EndingAt(fromPosition, length, ViewLimits.MaxTokens));
        _tokens = source.Tokens;
        _offset = source.Window.Start;
        if (source.Window.Start > 0 || source.Window.End < length)
            AddNote($"The patterns show positions {source.Window.Start}-{source.Window.End - 1} of {length} (up to the query token).");
        if (source.Batch > 1) AddNote($"The cache holds a batch of {source.Batch} prompts; ranking the first.");
        if (source.ValueNote(Enumerable.Range(0, source.Layers)) is string odd) AddNote(odd);

        // Rank every head by the weight at [query = from, key = to].
        var scores = new List<HeadScore>(source.Layers * source.Heads);
        for (int l = 0; l < source.Layers; l++)
        {
            float[] perHead = source.FromTo(l, fromPosition, toPosition);   // [head]
            for (int h = 0; h < perHead.Length; h++) scores.Add(new HeadScore(l, h, perHead[h]));
        }
        Ranking = Rank(scores);
        int nan = scores.Count(s => float.IsNaN(s.Attention));
        if (nan > 0) AddNote($"{nan} head(s) have a NaN weight from {FromText} to {ToText}: they are ranked last.");

        int top = Math.Min(PatternsEmbedded, Ranking.Count), n = _tokens.Length;
        _bits = AttentionPacking.BitsFor(top * QuantizedMatrix.StoredCount(n, n, triangular: true));
        _patterns = Ranking.Take(top).Select(s => source.Head(s.Layer, s.Head)).ToArray();
    }

    /// <summary>Sorts heads by attention, highest first, NaN last; ties by layer, then head.</summary>
    internal static IReadOnlyList<HeadScore> Rank(IEnumerable<HeadScore> scores) =>
        scores.OrderBy(s => float.IsNaN(s.Attention)).ThenByDescending(s => s.Attention).ThenBy(s => s.Layer).ThenBy(s => s.Head).ToArray();

    /// <summary>The query position (the token doing the looking).</summary>
    public int FromPosition { get; }

    /// <summary>The key position (the token looked at).</summary>
    public int ToPosition { get; }

    /// <summary>Every head, most attentive first.</summary>
    public IReadOnlyList<HeadScore> Ranking { get; }

    /// <summary>The head that attends most from <see cref="FromPosition"/> to <see cref="ToPosition"/>.</summary>
    public HeadScore Best => Ranking[0];

    private string FromText => $"{TokenLabels.Quoted(_allTokens[FromPosition])} ({FromPosition})";
    private string ToText => $"{TokenLabels.Quoted(_allTokens[ToPosition])} ({ToPosition})";

    /// <inheritdoc/>
    public override string Title => $"Head finder: attention from {FromText} to {ToText}";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["headfinder"];

    /// <inheritdoc/>
    protected override object ScriptData
    {
        get
        {
            int n = _tokens.Length;
            return new
            {
                n,
                offset = _offset,
                from = FromPosition - _offset,
                to = ToPosition - _offset,
                fromPosition = FromPosition,
                toPosition = ToPosition,
                digits = AttentionPacking.DigitsFor(_bits),
                tokens = TokenLabels.ShortAll(_tokens),
                fullTokens = _tokens.Select(TokenLabels.Quoted).ToArray(),
                entries = _patterns.Select((p, i) => new
                {
                    layer = Ranking[i].Layer,
                    head = Ranking[i].Head,
                    score = Ranking[i].Attention.ToString("0.000", System.Globalization.CultureInfo.InvariantCulture),   // text: NaN and ∞ are not JSON numbers
                    m = AttentionPacking.Pack(p, 0, n, _bits),
                }).ToArray(),
            };
        }
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        html.Append("<div class=\"lk-hf\"><div><table class=\"lk-table lk-hf-table\"><thead><tr><th>Rank</th><th>Head</th><th>Layer</th><th>Attention</th><th></th></tr></thead><tbody>");
        for (int i = 0; i < Math.Min(RowsShown, Ranking.Count); i++)
        {
            HeadScore s = Ranking[i];
            html.Append("<tr data-index=\"").Append(i).Append("\" data-layer=\"").Append(s.Layer).Append("\" data-head=\"").Append(s.Head).Append("\">")
                .Append("<td class=\"lk-num\">").Append(i + 1).Append("</td>")
                .Append("<td>").Append(s.Name).Append("</td>")
                .Append("<td class=\"lk-num\">").Append(s.Layer).Append("</td>")
                .Append("<td class=\"lk-num\">").Append(HtmlText.Value(s.Attention, 3)).Append("</td>")
                .Append("<td><span class=\"lk-bar\" style=\"width:").Append(HtmlText.Num(Math.Clamp(s.Attention, 0, 1) * 120, 1)).Append("px\"></span></td></tr>");
        }
        html.Append("</tbody></table>");
        if (Ranking.Count > RowsShown)
            html.Append("<div class=\"lk-hint\">").Append(Ranking.Count - RowsShown).Append(" more heads; see the Ranking property for all.</div>");
        html.Append("</div><div class=\"lk-hf-pattern\"></div></div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        foreach (var (s, i) in Ranking.Take(5).Select((s, i) => (s, i)))
            text.Append($"{i + 1}. {s.Name} (layer {s.Layer}, head {s.Head}): {s.Attention:0.000}\n");
    }
}
