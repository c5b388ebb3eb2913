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

    public static void Table()
    {
        Console.WriteLine();
        Console.WriteLine("| measurement | ratio | target | |");
        Console.WriteLine("|---|---|---|---|");
        foreach (var (name, ratio, target, met) in Rows)
            Console.WriteLine($"| {name} | {ratio:0.00} | {target} | {(met ? "met" : "missed")} |");
    }
}
