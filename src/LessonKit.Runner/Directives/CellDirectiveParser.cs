using System.Text.RegularExpressions;

namespace LessonKit.Runner.Directives;

/// <summary>
/// Splits a code cell the way the .NET Interactive kernel does, for exactly the subset lessons may use:
/// <c>#r "nuget: Name, Version"</c>, <c>#r "relative/path.dll"</c>, and the kernel selectors <c>#!csharp</c> and
/// <c>#!markdown</c>. Every other magic command (<c>#!time</c>, <c>#!fsharp</c>, <c>#i</c>, <c>#load</c>, ...) is
/// reported as a problem, because a lesson that uses it would pass in the real kernel and fail here, or the
/// reverse. Directive lines are blanked rather than removed, so C# line numbers stay the cell's line numbers.
/// </summary>
public static partial class CellDirectiveParser
{
    private const string SubsetHint =
        "The real .NET Interactive kernel may support it, but the LessonKit runner does not: lessons may use only " +
        "#r \"nuget: Name, Version\", #r \"relative/path.dll\", #!csharp, #!markdown, display(x) and a trailing expression.";

    private static readonly Dictionary<string, string> OtherKernels = new(StringComparer.OrdinalIgnoreCase)
    {
        ["fsharp"] = "F#", ["f#"] = "F#", ["pwsh"] = "PowerShell", ["powershell"] = "PowerShell",
        ["javascript"] = "JavaScript", ["js"] = "JavaScript", ["html"] = "HTML", ["sql"] = "SQL", ["kql"] = "KQL",
        ["mermaid"] = "Mermaid", ["http"] = "HTTP", ["python"] = "Python", ["r"] = "R", ["value"] = "value",
    };

    /// <summary>Parses a cell's source.</summary>
    /// <param name="source">The cell's source text.</param>
    /// <param name="defaultKernel">The kernel the cell starts in (from its metadata; C# for lessons).</param>
    public static ParsedCell Parse(string source, CellKernel defaultKernel = CellKernel.CSharp)
    {
        var lines = source.Split('\n');
        var references = new List<CellDirective>();
        var problems = new List<DirectiveProblem>();
        var segments = new List<CellSegment>();

        var kernel = defaultKernel;
        var segmentStart = 0;                      // index of the first line of the current segment
        var segmentLines = new List<string>();      // the current segment's lines (directives blanked)

        void CloseSegment(int nextStart)
        {
            if (segmentLines.Count > 0)
            {
                var code = kernel == CellKernel.CSharp
                    // Pad so Roslyn's line 1 is the cell's line 1.
                    ? new string('\n', segmentStart) + string.Join('\n', segmentLines)
                    : string.Join('\n', segmentLines);
                segments.Add(new CellSegment(kernel, code, segmentStart + 1));
            }
            segmentLines.Clear();
            segmentStart = nextStart;
        }

        for (var i = 0; i < lines.Length; i++)
        {
            var lineNumber = i + 1;
            var line = lines[i].TrimEnd('\r');
            var trimmed = line.Trim();

            if (trimmed.StartsWith("#!", StringComparison.Ordinal))
            {
                var name = trimmed[2..].Split(' ', '\t')[0];
                if (IsCSharpSelector(name) || IsMarkdownSelector(name))
                {
                    CloseSegment(i + 1);
                    kernel = IsCSharpSelector(name) ? CellKernel.CSharp : CellKernel.Markdown;
                    continue;
                }
                problems.Add(new DirectiveProblem(lineNumber, OtherKernels.TryGetValue(name, out var language)
                    ? $"'#!{name}' switches the cell to the {language} kernel. {SubsetHint}"
                    : $"'#!{name}' is a .NET Interactive magic command. {SubsetHint}"));
                segmentLines.Add("");
                continue;
            }

            if (kernel == CellKernel.CSharp && trimmed.StartsWith('#'))
            {
                if (TryParseCSharpDirective(trimmed, lineNumber, references, problems))
                {
                    segmentLines.Add("");
                    continue;
                }
            }
            segmentLines.Add(line);
        }
        CloseSegment(lines.Length);

        return new ParsedCell(segments.Where(s => !s.IsEmpty).ToList(), references, problems);
    }

    private static bool IsCSharpSelector(string name) =>
        name.Equals("csharp", StringComparison.OrdinalIgnoreCase) || name.Equals("c#", StringComparison.OrdinalIgnoreCase);

    private static bool IsMarkdownSelector(string name) =>
        name.Equals("markdown", StringComparison.OrdinalIgnoreCase) || name.Equals("md", StringComparison.OrdinalIgnoreCase);

    /// <summary>
    /// Handles a C# line starting with '#'. Returns true when the line is a kernel directive (handled or
    /// reported), false for ordinary C# preprocessor directives (#nullable, #pragma, #region, ...).
    /// </summary>
    private static bool TryParseCSharpDirective(
        string line, int lineNumber, List<CellDirective> references, List<DirectiveProblem> problems)
    {
        var keyword = DirectiveKeyword().Match(line).Groups["keyword"].Value;
        switch (keyword)
        {
            case "r":
                ParseReference(line, lineNumber, references, problems);
                return true;
            case "i":
                problems.Add(new DirectiveProblem(lineNumber,
                    $"'{line}' adds a NuGet package source. {SubsetHint} Put extra package sources in a nuget.config next to the notebook instead."));
                return true;
            case "load":
                problems.Add(new DirectiveProblem(lineNumber, $"'{line}' loads a script file. {SubsetHint}"));
                return true;
            default:
                return false;
        }
    }

    private static void ParseReference(
        string line, int lineNumber, List<CellDirective> references, List<DirectiveProblem> problems)
    {
        var match = ReferenceDirective().Match(line);
        if (!match.Success)
        {
            problems.Add(new DirectiveProblem(lineNumber,
                $"'{line}' is not a reference the runner understands: write #r \"nuget: Name, Version\" or #r \"relative/path.dll\"."));
            return;
        }

        var target = match.Groups["target"].Value.Trim();
        if (target.StartsWith("nuget:", StringComparison.OrdinalIgnoreCase))
        {
            var package = NuGetTarget().Match(target["nuget:".Length..]);
            if (!package.Success)
            {
                problems.Add(new DirectiveProblem(lineNumber,
                    $"'{line}': write the package as #r \"nuget: Name, Version\" (for example #r \"nuget: TorchSharp-cpu, 0.107.0\")."));
                return;
            }
            var id = package.Groups["id"].Value;
            var version = package.Groups["version"].Value;
            if (version.Length == 0)
            {
                problems.Add(new DirectiveProblem(lineNumber,
                    $"'{line}' does not pin a version. Lessons must pin one, e.g. #r \"nuget: {id}, 1.2.3\", so every learner gets the same package."));
                return;
            }
            if (!ExactVersion().IsMatch(version))
            {
                problems.Add(new DirectiveProblem(lineNumber,
                    $"'{line}': '{version}' is not an exact version. Pin one release, e.g. #r \"nuget: {id}, 1.2.3\"."));
                return;
            }
            references.Add(new NuGetReference(id, version, lineNumber));
            return;
        }

        if (target.Length == 0 || !target.EndsWith(".dll", StringComparison.OrdinalIgnoreCase))
        {
            problems.Add(new DirectiveProblem(lineNumber,
                $"'{line}': the runner references assemblies by file only (#r \"relative/path/Name.dll\", relative to the notebook's folder) or packages (#r \"nuget: Name, Version\")."));
            return;
        }
        references.Add(new AssemblyFileReference(target, lineNumber));
    }

    [GeneratedRegex(@"^#\s*(?<keyword>[A-Za-z]+)")]
    private static partial Regex DirectiveKeyword();

    [GeneratedRegex(@"^#r\s*""(?<target>[^""]*)""\s*(//.*)?$")]
    private static partial Regex ReferenceDirective();

    [GeneratedRegex(@"^\s*(?<id>[A-Za-z0-9_][A-Za-z0-9_.\-]*)\s*(,\s*(?<version>[^\s,]*)\s*)?$")]
    private static partial Regex NuGetTarget();

    [GeneratedRegex(@"^\d+(\.\d+){1,3}(-[0-9A-Za-z.\-]+)?(\+[0-9A-Za-z.\-]+)?$")]
    private static partial Regex ExactVersion();
}
