using System.Globalization;

namespace LessonKit.Display.Charts;

/// <summary>Numbers as the charts write them: in tooltips, beside bars and in the text form.</summary>
internal static class ChartNumbers
{
    /// <summary>
    /// A value for a reader: whole numbers as they are (<c>400</c>), large ones with one decimal (<c>1234.5</c>), the
    /// rest with four significant digits (<c>0.1235</c>, <c>1.235E-05</c>); NaN, ∞ and -∞ spelled out, never a misleading 0.
    /// </summary>
    public static string Format(double value)
    {
        if (double.IsNaN(value)) return "NaN";
        if (double.IsPositiveInfinity(value)) return "∞";
        if (double.IsNegativeInfinity(value)) return "-∞";
        if (value == Math.Round(value) && Math.Abs(value) < 1e15) return value.ToString("0", CultureInfo.InvariantCulture);
        if (Math.Abs(value) >= 1000) return value.ToString("0.#", CultureInfo.InvariantCulture);
        return value.ToString("G4", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// How many decimals a heatmap's tooltips need for about four significant digits of its largest magnitude
    /// (<paramref name="largest"/>): 3 for values up to 1, 0 from 1000 on; 0 when every value is a whole number.
    /// </summary>
    public static int Decimals(double largest, bool wholeNumbers)
    {
        if (wholeNumbers || !(largest > 0) || !double.IsFinite(largest)) return wholeNumbers ? 0 : 3;
        return Math.Clamp(3 - (int)Math.Floor(Math.Log10(largest)), 0, 8);
    }

    /// <summary>"2nd", "3rd", "4th", … for "every k-th" notes.</summary>
    public static string Ordinal(int k) => k switch { 2 => "2nd", 3 => "3rd", _ => $"{k}th" };

    /// <summary>"every position", or "every 3rd dimension (0, 3, 6, …, 1599)" for a view that shows every k-th of <paramref name="count"/>.</summary>
    public static string Every(int step, string what, int count) =>
        step == 1 ? $"every {what}" : $"every {Ordinal(step)} {what} (0, {step}, {2 * step}, …, {(count - 1) / step * step})";
}
