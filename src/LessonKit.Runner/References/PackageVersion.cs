using System.Globalization;

namespace LessonKit.Runner.References;

/// <summary>NuGet version normalization, enough to compare pinned versions: "1.0" equals "1.0.0" and "1.0.0.0".</summary>
public static class PackageVersion
{
    /// <summary>The normalized form: three or four numeric parts (a zero fourth part dropped), pre-release kept, build metadata dropped.</summary>
    public static string Normalize(string version)
    {
        var withoutMetadata = version.Split('+')[0];
        var dash = withoutMetadata.IndexOf('-');
        var release = dash < 0 ? withoutMetadata : withoutMetadata[..dash];
        var prerelease = dash < 0 ? "" : withoutMetadata[dash..].ToLowerInvariant();
        var parts = release.Split('.')
            .Select(p => int.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1)
            .ToList();
        if (parts.Any(p => p < 0)) return version.ToLowerInvariant();
        while (parts.Count < 3) parts.Add(0);
        if (parts.Count == 4 && parts[3] == 0) parts.RemoveAt(3);
        return string.Join('.', parts) + prerelease;
    }

    /// <summary>True when both strings name the same version.</summary>
    public static bool AreEqual(string a, string b) => Normalize(a) == Normalize(b);
}
