namespace LessonKit.Bench;

/// <summary>Prints one benchmark result: what was measured, the ratio, and the target it is held to.</summary>
internal static class Report
{
    private static readonly List<(string Name, double Ratio, string Target, bool Met)> Rows = [];

    public static void Ratio(string name, double ratio, string detail, double target, bool higherIsBetter)
    {
        bool met = higherIsBetter ? ratio >= target : ratio <= target;
        string targetText = $"{(higherIsBetter ? ">=" : "<=")} {target:0.##}";
        Rows.Add((name, ratio, targetText, met));
        Console.WriteLine($"  {name}: {ratio:0.00} (target {targetText}) {(met ? "ok" : "MISSED")}   [{detail}]");
    }

    /// <summary>A figure the issue sets no target for, printed for information.</summary>
    public static void Info(string name, double ratio, string detail)
    {
        Rows.Add((name, ratio, "(none)", true));
        Console.WriteLine($"  {name}: {ratio:0.00}   [{detail}]");
    }

    public static void Table()
    {
        Console.WriteLine();
        Console.WriteLine("| measurement | ratio | target | |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (name, ratio, target, met) in Rows)
            Console.WriteLine($"| {name} | {ratio:0.00} | {target} | {(target == "(none)" ? "" : met ? "met" : "missed")} |");
    }
}
