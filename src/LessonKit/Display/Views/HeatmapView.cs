using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using LessonKit.Display.Charts;
using LessonKit.Display.Html;

namespace LessonKit.Display.Views;

/// <summary>
/// Any matrix as a heatmap: rows down, columns across, a colour per value on a sequential (white to blue) or diverging
/// (red, white, blue around 0) scale with its legend, row and column labels, and each cell's row, column and value in
/// a tooltip on hover. NaN cells are grey and ±∞ take the ends of the scale (a note counts them). A matrix larger than
/// <see cref="ViewLimits.MaxChartHeatmapSide"/> on a side shows every k-th row or column (noted). The values are
/// embedded as float32 (float64 if one is too large for float32), so tooltips show them as given. Made by <see cref="Plots.Heatmap(TorchSharp.torch.Tensor, IEnumerable{string}?, IEnumerable{string}?, string?, string?, string?, HeatmapColors, double?, double?)"/>.
/// </summary>
public sealed class HeatmapView : View
{
    private const int SummaryCells = 12;   // the text form prints the matrix when it is at most this many rows and columns
    private readonly ChartMatrix _matrix;
    private readonly string _title;
    private readonly string[]? _rowLabels, _columnLabels;
    private readonly double _lo, _hi;   // the colour scale's ends

    internal HeatmapView(ChartMatrix matrix, string[]? rowLabels, string[]? columnLabels, string? title, string? rowTitle, string? columnTitle,
        HeatmapColors colors, double? min, double? max) : base("heatmap")
    {
        if (!Enum.IsDefined(colors)) throw new ArgumentOutOfRangeException(nameof(colors), colors, "Use HeatmapColors.Auto, Sequential or Diverging.");
        if (min is { } a && !double.IsFinite(a)) throw new ArgumentOutOfRangeException(nameof(min), min, "The colour scale's minimum must be a finite number.");
        if (max is { } b && !double.IsFinite(b)) throw new ArgumentOutOfRangeException(nameof(max), max, "The colour scale's maximum must be a finite number.");
        if (min is { } lo && max is { } hi && !(lo < hi))
            throw new ArgumentException($"The colour scale's minimum ({ChartNumbers.Format(lo)}) must be below its maximum ({ChartNumbers.Format(hi)}).", nameof(min));
        _matrix = matrix;
        _rowLabels = rowLabels;
        _columnLabels = columnLabels;
        _title = string.IsNullOrWhiteSpace(title) ? $"Heatmap ({matrix.Rows} × {matrix.Columns})" : title;
        RowTitle = string.IsNullOrWhiteSpace(rowTitle) ? "row" : rowTitle;
        ColumnTitle = string.IsNullOrWhiteSpace(columnTitle) ? "column" : columnTitle;

        var finite = matrix.Values.Where(double.IsFinite).DefaultIfEmpty(0).ToArray();
        Min = finite.Min();
        Max = finite.Max();
        NaNCount = matrix.Values.Count(double.IsNaN);
        InfinityCount = matrix.Values.Count(double.IsInfinity);
        double low = min ?? Min, high = max ?? Max;
        Colors = colors != HeatmapColors.Auto ? colors : low < 0 && high > 0 ? HeatmapColors.Diverging : HeatmapColors.Sequential;
        if (Colors == HeatmapColors.Diverging)
        {
            // Symmetric around 0, so white always means 0.
            double reach = Math.Max(Math.Abs(low), Math.Abs(high));
            (_lo, _hi) = reach > 0 ? (-reach, reach) : (-1, 1);
        }
        else (_lo, _hi) = high > low ? (low, high) : (low, low + 1);

        RowStep = (matrix.Rows + ViewLimits.MaxChartHeatmapSide - 1) / ViewLimits.MaxChartHeatmapSide;
        ColumnStep = (matrix.Columns + ViewLimits.MaxChartHeatmapSide - 1) / ViewLimits.MaxChartHeatmapSide;
        ShownRows = (matrix.Rows + RowStep - 1) / RowStep;
        ShownColumns = (matrix.Columns + ColumnStep - 1) / ColumnStep;
        if (RowStep > 1 || ColumnStep > 1)
            AddNote($"Showing {ChartNumbers.Every(RowStep, "row", matrix.Rows)} and {ChartNumbers.Every(ColumnStep, "column", matrix.Columns)}: " +
                    $"{ShownRows} × {ShownColumns} of {matrix.Rows} × {matrix.Columns}, to keep the page small.");
        if (NaNCount + InfinityCount > 0)
            AddNote($"The matrix has values that are not numbers ({Counts()}): NaN is drawn grey, ∞ and -∞ at the ends of the colour scale, " +
                    "and the range given is that of the other values.");
    }

    /// <inheritdoc/>
    public override string Title => _title;

    /// <summary>What the rows are (shown on the axis and in tooltips; "row" when not given).</summary>
    public string RowTitle { get; }

    /// <summary>What the columns are ("column" when not given).</summary>
    public string ColumnTitle { get; }

    /// <summary>The row labels given, or <c>null</c> (rows are then numbered from 0).</summary>
    public IReadOnlyList<string>? RowLabels => _rowLabels;

    /// <summary>The column labels given, or <c>null</c>.</summary>
    public IReadOnlyList<string>? ColumnLabels => _columnLabels;

    /// <summary>Rows in the matrix.</summary>
    public int Rows => _matrix.Rows;

    /// <summary>Columns in the matrix.</summary>
    public int Columns => _matrix.Columns;

    /// <summary>The value at one row and column, as given.</summary>
    public double this[int row, int column] => _matrix.Values[row * _matrix.Columns + column];

    /// <summary>The colour scale used (<see cref="HeatmapColors.Auto"/> resolved from the values' signs).</summary>
    public HeatmapColors Colors { get; }

    /// <summary>Every how many rows one is shown (1 = all).</summary>
    public int RowStep { get; }

    /// <summary>Every how many columns one is shown (1 = all).</summary>
    public int ColumnStep { get; }

    /// <summary>Rows shown.</summary>
    public int ShownRows { get; }

    /// <summary>Columns shown.</summary>
    public int ShownColumns { get; }

    /// <summary>The smallest finite value.</summary>
    public double Min { get; }

    /// <summary>The largest finite value.</summary>
    public double Max { get; }

    /// <summary>How many values are NaN.</summary>
    public int NaNCount { get; }

    /// <summary>How many values are +∞ or -∞.</summary>
    public int InfinityCount { get; }

    private string Counts() =>
        string.Join(", ", new[] { (NaNCount, "NaN"), (InfinityCount, "infinite") }.Where(c => c.Item1 > 0).Select(c => $"{c.Item1} {c.Item2}"));

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["heatmapview"];

    /// <inheritdoc/>
    protected override object ScriptData
    {
        get
        {
            bool whole = _matrix.Values.Where(double.IsFinite).All(v => v == Math.Round(v));
            return new
            {
                rows = ShownRows,
                cols = ShownColumns,
                rowStep = RowStep,
                colStep = ColumnStep,
                rowTitle = RowTitle,
                colTitle = ColumnTitle,
                rowLabels = Shown(_rowLabels, RowStep)?.Select(TokenLabels.Short).ToArray(),
                colLabels = Shown(_columnLabels, ColumnStep)?.Select(TokenLabels.Short).ToArray(),
                rowNames = Shown(_rowLabels, RowStep)?.Select(TokenLabels.Visible).ToArray(),
                colNames = Shown(_columnLabels, ColumnStep)?.Select(TokenLabels.Visible).ToArray(),
                indexLabels = true,
                scale = Colors == HeatmapColors.Diverging ? "div" : "seq",
                lo = _lo,
                hi = _hi,
                digits = ChartNumbers.Decimals(Math.Max(Math.Abs(Min), Math.Abs(Max)), whole),
                maxCell = 32,
                nan = NaNCount > 0,
                wide = NeedsDoubles,
                floats = ShownValuesBase64(),
            };
        }
    }

    private static string[]? Shown(string[]? labels, int step) => labels?.Where((_, i) => i % step == 0).ToArray();

    /// <summary>Whether a finite value is too large for float32 (it would become ∞), so the values go as float64.</summary>
    private bool NeedsDoubles => _matrix.Values.Any(v => double.IsFinite(v) && Math.Abs(v) > float.MaxValue);

    /// <summary>
    /// The shown cells, row-major, as little-endian float32 (float64 when <see cref="NeedsDoubles"/>) in base64:
    /// <c>core.js</c>'s <c>decodeFloats</c> reads it. NaN and ±∞ travel as themselves.
    /// </summary>
    private string ShownValuesBase64()
    {
        bool wide = NeedsDoubles;
        int size = wide ? sizeof(double) : sizeof(float);
        var bytes = new byte[ShownRows * ShownColumns * size];
        int at = 0;
        for (int r = 0; r < ShownRows; r++)
            for (int c = 0; c < ShownColumns; c++, at += size)
            {
                double v = this[r * RowStep, c * ColumnStep];
                if (wide) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(at), v);
                else BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(at), (float)v);
            }
        return Convert.ToBase64String(bytes);
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html) { }

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append($"{Rows} × {Columns} ({RowTitle} × {ColumnTitle}), ")
            .Append(NaNCount + InfinityCount == 0
                ? $"values from {ChartNumbers.Format(Min)} to {ChartNumbers.Format(Max)}."
                : $"{Counts()} values; the others from {ChartNumbers.Format(Min)} to {ChartNumbers.Format(Max)}.");
        if (Rows > SummaryCells || Columns > SummaryCells) return;
        // A small matrix is written out, one row per line, with its labels.
        string Row(int r) => _rowLabels is null ? r.ToString(CultureInfo.InvariantCulture) : TokenLabels.Visible(_rowLabels[r]);
        int labelWidth = Enumerable.Range(0, Rows).Max(r => Row(r).Length);
        text.Append('\n');
        if (_columnLabels is not null)
            text.Append(new string(' ', labelWidth)).Append("  ").Append(string.Join("  ", _columnLabels.Select(TokenLabels.Visible))).Append('\n');
        for (int r = 0; r < Rows; r++)
            text.Append(Row(r).PadRight(labelWidth)).Append("  ")
                .Append(string.Join("  ", Enumerable.Range(0, Columns).Select(c => ChartNumbers.Format(this[r, c])))).Append('\n');
    }
}
