using System.Globalization;
using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;
using TorchSharp;

namespace LessonKit.Display.Views;

/// <summary>
/// How similar one position's encoding is to every other position's (cosine similarity), as a curve and a table
/// of chosen positions: e.g. position 0 against 1, 5, 10 and 50. Static SVG and HTML: it needs no script.
/// Made by <see cref="Plots.PositionSimilarity"/>.
/// </summary>
public sealed class PositionSimilarityView : View
{
    private const int Width = 640, Height = 260, Left = 48, Right = 16, Top = 14, Bottom = 38;
    private readonly double[] _similarity;

    internal PositionSimilarityView(torch.Tensor encoding, int fromPosition, int[]? highlight) : base("similarity")
    {
        var (values, rows, cols) = TensorReader.Matrix(encoding, "encoding");
        PositionalEncoding.CheckPosition(fromPosition, rows, nameof(fromPosition));
        FromPosition = fromPosition;
        Positions = rows;
        Dimensions = cols;
        _similarity = new double[rows];
        for (int p = 0; p < rows; p++) _similarity[p] = PositionalEncoding.Cosine(values, cols, fromPosition, p);

        if (highlight is null)
            Highlight = new[] { 1, 5, 10, 50 }.Select(d => fromPosition + d).Where(p => p < rows).ToArray();
        else
        {
            foreach (int p in highlight) PositionalEncoding.CheckPosition(p, rows, nameof(highlight));
            Highlight = highlight.Distinct().ToArray();
        }

        // A vector with a NaN or an infinity has no direction: its similarities are NaN (not 0), and the view says so.
        int nan = _similarity.Count(double.IsNaN);
        if (double.IsNaN(_similarity[fromPosition]))
            AddNote($"Position {fromPosition}'s encoding has NaN or infinite values, so its cosine similarity with every position is NaN.");
        else if (nan > 0)
            AddNote($"{nan} position(s) have NaN or infinite values in their encoding, so their similarity is NaN (gaps in the curve, NaN in the table).");
    }

    /// <summary>The position compared with every other.</summary>
    public int FromPosition { get; }

    /// <summary>Positions in the encoding.</summary>
    public int Positions { get; }

    /// <summary>Dimensions of the encoding.</summary>
    public int Dimensions { get; }

    /// <summary>The positions listed in the table and marked on the curve.</summary>
    public IReadOnlyList<int> Highlight { get; }

    /// <summary>The cosine similarity between <see cref="FromPosition"/> and every position.</summary>
    public IReadOnlyList<double> Similarity => _similarity;

    /// <inheritdoc/>
    public override string Title => $"Cosine similarity of position {FromPosition} with every position ({Positions} positions, d_model = {Dimensions})";

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        double lowest = _similarity.Where(double.IsFinite).DefaultIfEmpty(0).Min();
        double yMin = Math.Min(0, Math.Floor(lowest * 5) / 5), yMax = 1;
        double X(double p) => Left + (Positions == 1 ? 0 : p / (Positions - 1)) * (Width - Left - Right);
        double Y(double s) => Top + (yMax - s) / (yMax - yMin) * (Height - Top - Bottom);
        string N(double v) => v.ToString("0.#", CultureInfo.InvariantCulture);

        html.Append("<svg class=\"lk-sim-chart\" width=\"").Append(Width).Append("\" height=\"").Append(Height)
            .Append("\" viewBox=\"0 0 ").Append(Width).Append(' ').Append(Height).Append("\" role=\"img\" aria-label=\"").Append(HtmlText.Escape(Title)).Append("\">");
        // Horizontal grid lines with their values.
        for (double s = yMin; s <= yMax + 1e-9; s += 0.2)
        {
            html.Append("<line x1=\"").Append(Left).Append("\" x2=\"").Append(Width - Right).Append("\" y1=\"").Append(N(Y(s))).Append("\" y2=\"").Append(N(Y(s)))
                .Append("\" stroke=\"").Append(Math.Abs(s) < 1e-9 ? "#8c959f" : "#eaeef2").Append("\"/>");
            html.Append("<text x=\"").Append(Left - 6).Append("\" y=\"").Append(N(Y(s) + 4)).Append("\" text-anchor=\"end\" font-size=\"11\" fill=\"#57606a\">")
                .Append(s.ToString("0.0", CultureInfo.InvariantCulture)).Append("</text>");
        }
        // Position ticks.
        foreach (int p in Ticks(Positions - 1))
            html.Append("<text x=\"").Append(N(X(p))).Append("\" y=\"").Append(Height - Bottom + 16).Append("\" text-anchor=\"middle\" font-size=\"11\" fill=\"#57606a\">").Append(p).Append("</text>");
        html.Append("<text x=\"").Append((Left + Width - Right) / 2).Append("\" y=\"").Append(Height - 6).Append("\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">position</text>");
        html.Append("<text transform=\"translate(12 ").Append((Top + Height - Bottom) / 2).Append(") rotate(-90)\" text-anchor=\"middle\" font-size=\"12\" fill=\"#57606a\">cosine similarity</text>");

        // The curve (at most ~1500 points: every k-th position of a long encoding), one polyline per run of numbers:
        // NaN similarities leave gaps.
        int step = Math.Max(1, Positions / 1500);
        var points = Enumerable.Range(0, (Positions - 1) / step + 1).Select(i => i * step).Append(Positions - 1).Distinct();
        bool open = false;
        foreach (int p in points)
        {
            if (double.IsNaN(_similarity[p]))
            {
                if (open) html.Append("\"/>");
                open = false;
                continue;
            }
            if (!open) html.Append("<polyline class=\"lk-sim-line\" fill=\"none\" stroke=\"#2171b5\" stroke-width=\"1.5\" points=\"");
            open = true;
            html.Append(N(X(p))).Append(',').Append(N(Y(_similarity[p]))).Append(' ');
        }
        if (open) html.Append("\"/>");

        // Markers: the reference position and the highlighted ones (none where the similarity is NaN).
        foreach (int p in Highlight.Prepend(FromPosition).Distinct())
        {
            if (double.IsNaN(_similarity[p])) continue;
            bool reference = p == FromPosition;
            html.Append("<g class=\"lk-sim-mark\" data-position=\"").Append(p).Append("\"><circle cx=\"").Append(N(X(p))).Append("\" cy=\"").Append(N(Y(_similarity[p])))
                .Append("\" r=\"4\" fill=\"").Append(reference ? "#cf222e" : "#fb8500").Append("\"><title>")
                .Append(HtmlText.Escape($"position {p}: {_similarity[p]:0.000}")).Append("</title></circle>")
                .Append("<text x=\"").Append(N(X(p) + 5)).Append("\" y=\"").Append(N(Y(_similarity[p]) - 6)).Append("\" font-size=\"10\" fill=\"#24292f\">").Append(p).Append("</text></g>");
        }
        html.Append("</svg>");

        html.Append("<table class=\"lk-table lk-sim-table\"><thead><tr><th>Position</th><th>Distance</th><th>Cosine similarity with ").Append(FromPosition).Append("</th></tr></thead><tbody>");
        foreach (int p in Highlight)
            html.Append("<tr data-position=\"").Append(p).Append("\"><td class=\"lk-num\">").Append(p).Append("</td><td class=\"lk-num\">").Append(Math.Abs(p - FromPosition))
                .Append("</td><td class=\"lk-num\">").Append(_similarity[p].ToString("0.0000", CultureInfo.InvariantCulture)).Append("</td></tr>");
        html.Append("</tbody></table>");
    }

    private static IEnumerable<int> Ticks(int last)
    {
        if (last <= 0) { yield return 0; yield break; }
        double raw = last / 6.0, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        int step = (int)Math.Max(1, new[] { 1, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw));
        for (int p = 0; p <= last; p += step) yield return p;
    }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        foreach (int p in Highlight)
            text.Append($"position {FromPosition} vs {p}: {_similarity[p]:0.0000}\n");
    }
}
