namespace LessonKit.Weights;

/// <summary>
/// Finds the names a caller probably meant when the one they asked for is missing, for every "did you mean" message
/// of the kit: tensor names in a weights file, hook names in a cache or a hook list.
/// </summary>
internal static class ClosestNames
{
    // Edit distance costs length² per candidate; past this many names only the cheap checks run.
    private const int MaxNamesForEditDistance = 20_000;

    /// <summary>
    /// Up to <paramref name="max"/> names from <paramref name="candidates"/> close to <paramref name="wanted"/>:
    /// a few typos away, differing only in letter case, or equal after dropping a dotted prefix
    /// (<c>transformer.h.0.ln_1.weight</c> vs <c>h.0.ln_1.weight</c>). Closest first.
    /// </summary>
    public static IReadOnlyList<string> Find(string wanted, IReadOnlyCollection<string> candidates, int max = 3)
    {
        int allowedEdits = Math.Max(2, wanted.Length / 5);
        bool useEditDistance = candidates.Count <= MaxNamesForEditDistance;
        var scored = new List<(int Score, string Name)>();
        foreach (string name in candidates)
        {
            int? score = null;
            if (string.Equals(name, wanted, StringComparison.OrdinalIgnoreCase)
                || IsDottedSuffix(name, wanted) || IsDottedSuffix(wanted, name))
                score = 0;
            else if (useEditDistance && Math.Abs(name.Length - wanted.Length) <= allowedEdits)
            {
                int distance = BoundedEditDistance(wanted, name, allowedEdits);
                if (distance <= allowedEdits)
                    score = distance;
            }
            if (score is int s)
                scored.Add((s, name));
        }
        return scored
            .OrderBy(x => x.Score)
            .ThenBy(x => x.Name, StringComparer.Ordinal)
            .Take(max)
            .Select(x => x.Name)
            .ToList();
    }

    // True when `longer` is `shorter` with extra dotted components in front ("transformer." + shorter).
    private static bool IsDottedSuffix(string longer, string shorter) =>
        longer.Length > shorter.Length
        && longer.EndsWith(shorter, StringComparison.Ordinal)
        && longer[longer.Length - shorter.Length - 1] == '.';

    // Levenshtein distance, giving up (returning bound + 1) once every path costs more than `bound`.
    private static int BoundedEditDistance(string a, string b, int bound)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            int rowMinimum = current[0];
            for (int j = 1; j <= b.Length; j++)
            {
                int substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitution, Math.Min(previous[j] + 1, current[j - 1] + 1));
                rowMinimum = Math.Min(rowMinimum, current[j]);
            }
            if (rowMinimum > bound)
                return bound + 1;
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
