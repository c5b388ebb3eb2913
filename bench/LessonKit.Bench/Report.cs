namespace LessonKit.Bench;

/// <summary>
/// Prints one benchmark result: what was measured, the ratio, and the target it is held to. Every benchmark runs
/// twice, with LessonKit's hand-written kernels on and off (<see cref="FastKernels.Enabled"/>): the targets are held
/// with the kernels on; the rows with them off say what the plain TorchSharp path costs.
/// </summary>
internal static class Report
{
    private static readonly List<(string Name, bool Kernels, double Ratio, string Target, bool Met, double? Seconds)> Rows = [];

    /// <summary>Whether the results being reported were measured with the kernels on.</summary>
    public static bool Kernels { get; set; } = true;

    /// <param name="seconds">The time the ratio was measured from, to compare the two runs (kernels on and off).</param>
    public static void Ratio(string name, double ratio, string detail, double target, bool higherIsBetter, double? seconds = null)
    {
        if (!Kernels)
        {
            Info(name, ratio, detail, seconds); // the targets are the kit's, with its kernels
            return;
        }
        bool met = higherIsBetter ? ratio >= target : ratio <= target;
        string targetText = $"{(higherIsBetter ? ">=" : "<=")} {target:0.##}";
        Rows.Add((name, Kernels, ratio, targetText, met, seconds));
        Console.WriteLine($"  {name}: {ratio:0.00} (target {targetText}) {(met ? "ok" : "MISSED")}   [{detail}]");
    }

    /// <summary>A figure the issue sets no target for, printed for information.</summary>
    public static void Info(string name, double ratio, string detail, double? seconds = null)
    {
        Rows.Add((name, Kernels, ratio, "(none)", true, seconds));
        Console.WriteLine($"  {name}{(Kernels ? "" : " [kernels off]")}: {ratio:0.00}   [{detail}]");
    }

    public static void Table()
    {
        Console.WriteLine();
        Console.WriteLine("| measurement | kernels | ratio | target | |");
        Console.WriteLine("|---|---|---|---|---|");
        foreach (var (name, kernels, ratio, target, met, _) in Rows)
            Console.WriteLine($"| {name} | {(kernels ? "on" : "off")} | {ratio:0.00} | {target} | {(target == "(none)" ? "" : met ? "met" : "missed")} |");

        var pairs = Rows.Where(r => r.Kernels && r.Seconds is not null)
            .Select(on => (on.Name, On: on.Seconds!.Value, Off: Rows.FirstOrDefault(off => !off.Kernels && off.Name == on.Name).Seconds))
            .Where(p => p.Off is not null).ToList();
        if (pairs.Count == 0) return;
        Console.WriteLine();
        Console.WriteLine("| the cost of the plain path: time with the kernels off over time with them on | ratio | on | off |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (name, on, off) in pairs)
            Console.WriteLine($"| {name} | {off!.Value / on:0.00} | {Time(on)} | {Time(off.Value)} |");
    }

    private static string Time(double seconds) => seconds >= 1 ? $"{seconds:0.00} s" : $"{seconds * 1000:0.0} ms";
}
