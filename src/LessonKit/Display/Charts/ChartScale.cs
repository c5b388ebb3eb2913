using System.Globalization;

namespace LessonKit.Display.Charts;

/// <summary>
/// A linear axis for the charts (line and bar charts): a data range widened to round numbers, its ticks (1, 2 or 5 × 10ⁿ apart)
/// and the mapping from values to pixels.
/// </summary>
internal sealed class ChartScale
{
    private ChartScale(double min, double max, double step, double pixelFrom, double pixelTo)
    {
        Min = min;
        Max = max;
        Step = step;
        _pixelFrom = pixelFrom;
        _pixelTo = pixelTo;
    }

    private readonly double _pixelFrom, _pixelTo;

    /// <summary>The lowest value on the axis.</summary>
    public double Min { get; }

    /// <summary>The highest value on the axis.</summary>
    public double Max { get; }

    /// <summary>The distance between ticks.</summary>
    public double Step { get; }

    /// <summary>
    /// An axis covering <paramref name="low"/>..<paramref name="high"/> (0 included when <paramref name="includeZero"/>),
    /// drawn from pixel <paramref name="pixelFrom"/> (the minimum) to <paramref name="pixelTo"/> (the maximum).
    /// With <paramref name="integers"/> (layers, token counts) ticks are whole numbers.
    /// </summary>
    public static ChartScale Create(double low, double high, double pixelFrom, double pixelTo, bool includeZero = true, int targetTicks = 5, bool integers = false)
    {
        if (!double.IsFinite(low) || !double.IsFinite(high)) (low, high) = (0, 1);
        if (includeZero) (low, high) = (Math.Min(low, 0), Math.Max(high, 0));
        if (high - low < 1e-12) (low, high) = (low - 0.5, high + 0.5);
        double step = NiceStep((high - low) / Math.Max(1, targetTicks));
        if (integers) step = Math.Max(1, step);
        double min = Math.Floor(low / step + 1e-9) * step, max = Math.Ceiling(high / step - 1e-9) * step;
        return new ChartScale(min, max, step, pixelFrom, pixelTo);
    }

    /// <summary>1, 2 or 5 times a power of ten, at least <paramref name="raw"/>.</summary>
    public static double NiceStep(double raw)
    {
        if (!(raw > 0)) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        foreach (double m in new[] { 1.0, 2.0, 5.0, 10.0 })
            if (m * magnitude >= raw * (1 - 1e-9)) return m * magnitude;
        return 10 * magnitude;
    }

    /// <summary>The pixel for a value.</summary>
    public double Pixel(double value) => _pixelFrom + (value - Min) / (Max - Min) * (_pixelTo - _pixelFrom);

    /// <summary>The tick values from <see cref="Min"/> to <see cref="Max"/>.</summary>
    public IEnumerable<double> Ticks()
    {
        int count = (int)Math.Round((Max - Min) / Step);
        for (int i = 0; i <= count; i++) yield return Min + i * Step;
    }

    /// <summary>A tick label: as few decimals as the step needs.</summary>
    public string Label(double value)
    {
        int decimals = Math.Max(0, (int)-Math.Floor(Math.Log10(Step) + 1e-9));
        return Math.Round(value, decimals).ToString("N" + decimals, CultureInfo.InvariantCulture);
    }

    /// <summary>A pixel coordinate for SVG (one decimal, invariant culture).</summary>
    public static string Coordinate(double pixel) => pixel.ToString("0.#", CultureInfo.InvariantCulture);
}
