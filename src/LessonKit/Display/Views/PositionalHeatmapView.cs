using System.Text;
using LessonKit.Display.Charts;
using LessonKit.Display.Data;
using LessonKit.Display.Html;
using TorchSharp;

namespace LessonKit.Display.Views;

/// <summary>
/// A positional encoding as a heatmap: one row per position, one column per dimension, red for negative and blue
/// for positive values (symmetric around 0). Works for the sinusoidal encoding and for GPT-2's learned positions
/// alike. Very large encodings show every k-th position/dimension (noted; an odd k for dimensions, so sines and cosines both appear). Made by <see cref="Plots.PositionalHeatmap"/>.
/// </summary>
public sealed class PositionalHeatmapView : View
{
    private readonly float[] _values;   // the rows and columns shown, row-major
    private readonly string _title;

    internal PositionalHeatmapView(torch.Tensor encoding, string title) : base("heatmap")
    {
        var (values, rows, cols) = TensorReader.Matrix(encoding, "encoding");
        _title = string.IsNullOrWhiteSpace(title) ? "Positional encoding" : title;
        Positions = rows;
        Dimensions = cols;
        RowStep = (rows + ViewLimits.MaxHeatmapRows - 1) / ViewLimits.MaxHeatmapRows;
        ColumnStep = (cols + ViewLimits.MaxHeatmapColumns - 1) / ViewLimits.MaxHeatmapColumns;
        // A sinusoidal encoding keeps sines in its even columns and cosines in its odd ones: an even step would show
        // only sines. An odd step alternates (0 sine, 3 cosine, 6 sine, ...), so both kinds appear.
        if (ColumnStep % 2 == 0) ColumnStep++;
        ShownRows = (rows + RowStep - 1) / RowStep;
        ShownColumns = (cols + ColumnStep - 1) / ColumnStep;
        if (RowStep > 1 || ColumnStep > 1)
            AddNote($"Showing {ChartNumbers.Every(RowStep, "position", rows)} and {ChartNumbers.Every(ColumnStep, "dimension", cols)}" +
                    (ColumnStep > 1 ? " (an odd step, so a sinusoidal encoding's sine (even) and cosine (odd) columns both appear)" : "") +
                    $": {ShownRows} × {ShownColumns} of {rows} × {cols}, to keep the page small.");

        _values = new float[ShownRows * ShownColumns];
        for (int r = 0; r < ShownRows; r++)
            for (int c = 0; c < ShownColumns; c++)
                _values[r * ShownColumns + c] = values[r * RowStep * cols + c * ColumnStep];
        var finite = values.Where(float.IsFinite).DefaultIfEmpty(0f).ToArray();
        Min = finite.Min();
        Max = finite.Max();
        NaNCount = values.Count(float.IsNaN);
        InfinityCount = values.Count(float.IsInfinity);
        if (NaNCount + InfinityCount > 0)
            AddNote($"The encoding has values that are not numbers ({Counts()}): NaN is drawn as 0 (white), ∞ at the end of the colour scale, " +
                    "and the range given is that of the other values.");
    }

    private string Counts() => string.Join(", ", new[] { (NaNCount, "NaN"), (InfinityCount, "infinite") }.Where(c => c.Item1 > 0).Select(c => $"{c.Item1} {c.Item2}"));

    /// <summary>Positions in the encoding.</summary>
    public int Positions { get; }

    /// <summary>Dimensions (d_model) of the encoding.</summary>
    public int Dimensions { get; }

    /// <summary>Every how many positions a row is shown (1 = all).</summary>
    public int RowStep { get; }

    /// <summary>Every how many dimensions a column is shown (1 = all).</summary>
    public int ColumnStep { get; }

    /// <summary>Rows shown.</summary>
    public int ShownRows { get; }

    /// <summary>Columns shown.</summary>
    public int ShownColumns { get; }

    /// <summary>The smallest finite value in the encoding.</summary>
    public float Min { get; }

    /// <summary>The largest finite value in the encoding.</summary>
    public float Max { get; }

    /// <summary>How many values are NaN.</summary>
    public int NaNCount { get; }

    /// <summary>How many values are infinite.</summary>
    public int InfinityCount { get; }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["heatmapview"];

    /// <inheritdoc/>
    protected override object ScriptData
    {
        get
        {
            float maxAbs = Math.Max(Math.Abs(Min), Math.Abs(Max));
            if (!(maxAbs > 0)) maxAbs = 1;
            int bits = _values.Length <= ViewLimits.MaxValuesAt16Bits ? 16 : 8;
            return new
            {
                rows = ShownRows,
                cols = ShownColumns,
                rowStep = RowStep,
                colStep = ColumnStep,
                scale = "div",
                lo = -maxAbs,
                hi = maxAbs,
                digits = bits == 16 ? 3 : 2,
                rowTitle = "position",
                colTitle = "dimension",
                m = QuantizedMatrix.Encode(_values, ShownRows, ShownColumns, -maxAbs, maxAbs, bits, triangular: false),
            };
        }
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text) =>
        text.Append(NaNCount + InfinityCount == 0
            ? $"{Positions} positions × {Dimensions} dimensions, values from {Min:0.###} to {Max:0.###}."
            : $"{Positions} positions × {Dimensions} dimensions, {Counts()} values; the others from {Min:0.###} to {Max:0.###}.");
}
