namespace LessonKit.Display.Html;

/// <summary>
/// The colour scales the views use, shared with the script (<c>core.js</c> has the same stops):
/// a sequential white-to-blue for values in [0, 1] (attention) and a diverging red-white-blue for signed values.
/// </summary>
internal static class Colors
{
    // "Blues": white for 0, dark blue for 1.
    private static readonly (double At, int R, int G, int B)[] Sequential =
        [(0, 255, 255, 255), (0.25, 198, 219, 239), (0.5, 107, 174, 214), (0.75, 33, 113, 181), (1, 8, 48, 107)];

    // "RdBu": red for -1, white for 0, blue for +1.
    private static readonly (double At, int R, int G, int B)[] Diverging =
        [(0, 178, 24, 43), (0.25, 239, 138, 98), (0.5, 255, 255, 255), (0.75, 103, 169, 207), (1, 33, 102, 172)];

    /// <summary>The colour for a value in [0, 1] on the white-to-blue scale, as <c>#rrggbb</c>.</summary>
    public static string SequentialHex(double t) => Hex(Interpolate(Sequential, t));

    /// <summary>The colour for a value in [-1, 1] on the red-white-blue scale, as <c>#rrggbb</c>.</summary>
    public static string DivergingHex(double t) => Hex(Interpolate(Diverging, (t + 1) / 2));

    /// <summary>Black or white, whichever reads better on the colour for <paramref name="t"/> (sequential scale).</summary>
    public static string TextOnSequential(double t) => t > 0.55 ? "#fff" : "#111";

    /// <summary>Black or white, whichever reads better on the diverging colour for <paramref name="t"/>.</summary>
    public static string TextOnDiverging(double t) => Math.Abs(t) > 0.6 ? "#fff" : "#111";

    private static (int R, int G, int B) Interpolate((double At, int R, int G, int B)[] stops, double t)
    {
        if (!double.IsFinite(t)) t = 0;
        t = Math.Clamp(t, 0, 1);
        for (int i = 1; i < stops.Length; i++)
        {
            if (t <= stops[i].At)
            {
                var (a, b) = (stops[i - 1], stops[i]);
                double f = (t - a.At) / (b.At - a.At);
                return ((int)Math.Round(a.R + f * (b.R - a.R)), (int)Math.Round(a.G + f * (b.G - a.G)), (int)Math.Round(a.B + f * (b.B - a.B)));
            }
        }
        var last = stops[^1];
        return (last.R, last.G, last.B);
    }

    private static string Hex((int R, int G, int B) c) => $"#{c.R:x2}{c.G:x2}{c.B:x2}";
}
