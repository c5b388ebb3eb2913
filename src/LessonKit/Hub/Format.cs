using System.Globalization;

namespace LessonKit.Hub;

/// <summary>Human-readable sizes, speeds and durations for progress lines and messages (decimal units, as tqdm shows them).</summary>
internal static class Format
{
    /// <summary>
    /// Bytes in decimal units with one decimal, as download pages and tqdm show them: "548.1 MB", "6.4 GB", "1.5 kB";
    /// under 1000, the exact count: "12 B". The one byte formatter of the kit (messages, progress, tables).
    /// </summary>
    public static string Bytes(long bytes)
    {
        string[] units = ["B", "kB", "MB", "GB", "TB"];
        double value = bytes;
        int unit = 0;
        // Up a unit while the value, rounded to one decimal, would read 1000 or more ("1000.0 kB" is "1.0 MB").
        while (Math.Abs(Math.Round(value, unit == 0 ? 0 : 1)) >= 1000 && unit < units.Length - 1)
        {
            value /= 1000;
            unit++;
        }
        return unit == 0
            ? string.Create(CultureInfo.InvariantCulture, $"{bytes} B")
            : string.Create(CultureInfo.InvariantCulture, $"{value:0.0} {units[unit]}");
    }

    /// <summary>An exact byte count with thousands separators: 6,553,776.</summary>
    public static string Count(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

    public static string Speed(double bytesPerSecond) => Bytes((long)Math.Round(bytesPerSecond)) + "/s";

    public static string Duration(TimeSpan time)
    {
        if (time < TimeSpan.FromSeconds(10))
            return string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0.0} s");
        if (time < TimeSpan.FromMinutes(1))
            return string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:0} s");
        if (time < TimeSpan.FromHours(1))
            return string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalMinutes} min {time.Seconds:00} s");
        return string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours} h {time.Minutes:00} min");
    }
}
