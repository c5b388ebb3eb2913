using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LessonKit.Tests.Surface;

/// <summary>
/// LessonKit's one namespace rule: the model and what a learner names to run, hook, cache, generate and plot it live
/// in <c>LessonKit</c> (one <c>using LessonKit;</c> reaches them); everything else lives in <c>LessonKit.&lt;Folder&gt;</c>,
/// named after the folder its file is in (<c>Model/Gpt2Attention.cs</c> → <c>LessonKit.Model</c>,
/// <c>Display/Html/...</c> → <c>LessonKit.Display.Html</c>).
/// </summary>
/// <remarks>
/// A file's namespace follows the types it declares: <c>LessonKit</c> when one of them is on <see cref="LearnerTypes"/>
/// (a helper type may share that file, as <c>LayerKeyValueCache</c> shares <c>KeyValueCache</c>'s), its folder's
/// otherwise.
/// </remarks>
internal static class NamespaceRule
{
    /// <summary>The root namespace, and the namespace of <see cref="LearnerTypes"/>.</summary>
    public const string Root = "LessonKit";

    /// <summary>
    /// The types a learner names in a cell to load, run, hook, cache, generate and plot (DESIGN.md's public surface):
    /// they live in <see cref="Root"/> wherever their files are.
    /// </summary>
    public static IReadOnlyList<string> LearnerTypes { get; } =
    [
        "HookedGpt2", "Gpt2Config", "AttentionWeights", "AttentionFunctionException",   // Model/
        "ActivationCache", "HookPoint", "HookFunction", "HookNames", "HookException",   // Hooks/
        "KeyValueCache", "GenerationStep", "TokenCandidate",                            // Generation/
        "Plots", "ChartSeries", "HeatmapColors",                                         // Display/
        "PositionalEncoding",                                                            // Positional/
        "FastKernels",                                                                   // Kernels/
    ];

    /// <summary>The namespace a file at <paramref name="relativePath"/> (below src/LessonKit) declaring <paramref name="typeNames"/> belongs in.</summary>
    public static string ExpectedNamespace(string relativePath, IEnumerable<string> typeNames)
    {
        if (typeNames.Any(LearnerTypes.Contains)) return Root;
        string? folder = Path.GetDirectoryName(relativePath.Replace('\\', '/'));
        return string.IsNullOrEmpty(folder) ? Root : Root + "." + folder.Replace('/', '.').Replace('\\', '.');
    }

    /// <summary>
    /// One message per source file that breaks the rule, naming the file, its namespace and the one it belongs in.
    /// </summary>
    public static IReadOnlyList<string> Problems(IEnumerable<(string RelativePath, string Source)> files)
    {
        var problems = new List<string>();
        foreach (var (path, source) in files)
        {
            var root = CSharpSyntaxTree.ParseText(source).GetCompilationUnitRoot();
            var namespaces = root.Members.OfType<BaseNamespaceDeclarationSyntax>().ToArray();
            if (namespaces.Length != 1)
            {
                problems.Add($"{path}: declares {namespaces.Length} namespaces; a file holds one (file-scoped: 'namespace {ExpectedNamespace(path, [])};').");
                continue;
            }
            string declared = namespaces[0].Name.ToString();
            var typeNames = namespaces[0].Members.OfType<BaseTypeDeclarationSyntax>().Select(t => t.Identifier.Text)
                .Concat(namespaces[0].Members.OfType<DelegateDeclarationSyntax>().Select(d => d.Identifier.Text))
                .ToArray();
            string expected = ExpectedNamespace(path, typeNames);
            if (declared == expected) continue;
            problems.Add(expected == Root
                ? $"{path}: declares {string.Join(", ", typeNames.Where(LearnerTypes.Contains))} (a learner type) in namespace {declared}; learner types live in {Root}."
                : $"{path}: namespace {declared} should be {expected}, its folder's name. If a learner names " +
                  $"{string.Join(", ", typeNames)} in lesson cells, add it to NamespaceRule.LearnerTypes (and DESIGN.md's public surface) instead.");
        }
        return problems;
    }
}
