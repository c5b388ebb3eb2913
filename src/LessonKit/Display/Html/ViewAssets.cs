using System.Collections.Concurrent;
using System.Reflection;
using System.Text;

namespace LessonKit.Display.Html;

/// <summary>
/// The views' style sheet and script modules, embedded in the assembly from <c>Display/Assets</c>.
/// Every fragment carries the modules it needs, so it works alone (saved page, notebook output, e-mail).
/// </summary>
internal static class ViewAssets
{
    private static readonly ConcurrentDictionary<string, string> Cache = new(StringComparer.Ordinal);

    /// <summary>The style sheet; every rule is scoped under <c>.lk-view</c>.</summary>
    public static string Css => Load("views.css");

    /// <summary>The core module followed by the named modules, in order.</summary>
    public static string Script(IEnumerable<string> modules)
    {
        var sb = new StringBuilder(Load("core.js"));
        foreach (string module in modules.Distinct()) sb.Append('\n').Append(Load(module + ".js"));
        return sb.ToString();
    }

    /// <summary>Reads an embedded asset, dropping comment-only lines and indentation to keep fragments small.</summary>
    public static string Load(string fileName) => Cache.GetOrAdd(fileName, static name =>
    {
        string resource = "LessonKit.Display.Assets." + name;
        using Stream stream = typeof(ViewAssets).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException($"The view asset '{resource}' is not embedded in {typeof(ViewAssets).Assembly.GetName().Name}; check the EmbeddedResource item in LessonKit.csproj.");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sb = new StringBuilder();
        while (reader.ReadLine() is { } line)
        {
            string trimmed = line.Trim();
            if (trimmed.Length == 0 || trimmed.StartsWith("//", StringComparison.Ordinal)) continue;
            sb.Append(trimmed).Append('\n');
        }
        string text = sb.ToString();
        if (text.Contains("</", StringComparison.Ordinal) || text.Contains("<!--", StringComparison.Ordinal))
            throw new InvalidOperationException($"The view asset '{name}' contains '</' or '<!--', which would end the <script>/<style> element early.");
        return text;
    });
}
