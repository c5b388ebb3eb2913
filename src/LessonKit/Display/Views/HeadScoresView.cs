using System.Globalization;
using System.Text;
using LessonKit.Display;
using LessonKit.Display.Html;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display.Views;

/// <summary>A head and the score it got: <c>L3H7: 0.91</c>.</summary>
/// <param name="Layer">The layer (0 first).</param>
/// <param name="Head">The head within the layer.</param>
/// <param name="Score">Its score.</param>
public sealed record ScoredHead(int Layer, int Head, double Score)
{
    /// <summary>The head's short name, <c>L3H7</c>.</summary>
    public string Name => $"L{Layer}H{Head}";

    /// <inheritdoc/>
    public override string ToString() => $"{Name}: {Score.ToString("0.###", CultureInfo.InvariantCulture)}";
}

/// <summary>
/// One score per attention head (layers as rows, heads as columns), shaded from low to high with the highest
/// outlined, and a ranking: "which heads attend to the previous token?" measured, not guessed.
/// Made by <see cref="Plots.HeadScores"/>.
/// </summary>
public sealed class HeadScoresView : View
{
    private readonly string _title;
    private readonly double[,] _scores;
    private readonly string _format;

    internal HeadScoresView(Tensor scores, string title, string format) : base("headscores")
    {
        ArgumentNullException.ThrowIfNull(scores);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        if (scores.Dimensions != 2)
            throw new ArgumentException($"Head scores must be [layer, head]; this tensor is [{string.Join(", ", scores.shape)}].", nameof(scores));
        if (scores.shape[0] == 0 || scores.shape[1] == 0)
            throw new ArgumentException("Head scores are empty: there must be at least one layer and one head.", nameof(scores));
        using var values = scores.detach().cpu().to_type(ScalarType.Float64).contiguous();
        double[] flat = values.data<double>().ToArray();
        if (flat.Any(v => !double.IsFinite(v)))
            throw new ArgumentException("A head score is NaN or infinite; compute finite scores (e.g. averages of attention weights).", nameof(scores));
        int layers = (int)scores.shape[0], heads = (int)scores.shape[1];
        _scores = new double[layers, heads];
        for (int l = 0; l < layers; l++)
            for (int h = 0; h < heads; h++) _scores[l, h] = flat[l * heads + h];
        _title = title;
        _format = string.IsNullOrWhiteSpace(format) ? "0.00" : format;
        Ranking = Enumerable.Range(0, layers).SelectMany(l => Enumerable.Range(0, heads).Select(h => new ScoredHead(l, h, _scores[l, h])))
            .OrderByDescending(s => s.Score).ThenBy(s => s.Layer).ThenBy(s => s.Head).ToArray();
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>Every head, highest score first.</summary>
    public IReadOnlyList<ScoredHead> Ranking { get; }

    /// <summary>The head with the highest score.</summary>
    public ScoredHead Best => Ranking[0];

    /// <summary>The score of one head.</summary>
    public double this[int layer, int head] => _scores[layer, head];

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        double min = Ranking[^1].Score, max = Ranking[0].Score;
        html.Append("<table class=\"lk-table\"><thead><tr><th></th>");
        for (int h = 0; h < _scores.GetLength(1); h++) html.Append("<th>H").Append(h).Append("</th>");
        html.Append("</tr></thead><tbody>");
        for (int l = 0; l < _scores.GetLength(0); l++)
        {
            html.Append("<tr><th>L").Append(l).Append("</th>");
            for (int h = 0; h < _scores.GetLength(1); h++)
            {
                double t = max > min ? (_scores[l, h] - min) / (max - min) : 0;
                bool best = l == Best.Layer && h == Best.Head;
                html.Append("<td class=\"lk-num\" title=\"L").Append(l).Append('H').Append(h).Append(": ").Append(Format(_scores[l, h]))
                    .Append("\" style=\"background:").Append(Colors.SequentialHex(t)).Append(";color:").Append(Colors.TextOnSequential(t))
                    .Append(best ? ";outline:2px solid #fb8500;outline-offset:-2px" : "").Append("\">").Append(Format(_scores[l, h])).Append("</td>");
            }
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
        html.Append("<div class=\"lk-hint\">Highest: ").Append(HtmlText.Escape(string.Join(", ", Ranking.Take(3).Select(r => $"{r.Name} ({Format(r.Score)})")))).Append("</div>");
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append("Highest: ").Append(string.Join(", ", Ranking.Take(5).Select(r => $"{r.Name} ({Format(r.Score)})"))).Append('\n');
    }

    private string Format(double value) => value.ToString(_format, CultureInfo.InvariantCulture);
}
