using System.Text.RegularExpressions;

namespace LessonKit.Runtime;

/// <summary>
/// Tells whether notebook cells hold nothing a later cell could still be compiled against: only references
/// (<c>#r</c>, <c>#i</c>), magic commands (<c>#!...</c>), namespace <c>using</c> directives, comments and
/// <c>TorchRuntime.EnsureReady();</c>. Declarations (variables, methods, types), <c>using static</c>, <c>using</c>
/// aliases, statements and anything not recognised count as "may declare"; the rule errs on that side.
/// </summary>
/// <remarks>
/// Why it matters (see <see cref="KernelCompileReferences"/>): after the kernel's C# compiler gets LessonKit's
/// exact-version references, it builds new symbols for TorchSharp and for everything that references it. Whatever
/// earlier cells declared with the old ones (a variable <c>model</c>, a method returning <c>Tensor</c>, a
/// <c>using static TorchSharp.torch</c>) no longer fits the new ones: later cells would fail with errors such as
/// <c>cannot convert from 'TorchSharp.torch.Tensor [TorchSharp, Version=0.107.0.0 ...]' to 'TorchSharp.torch.Tensor
/// [.../TorchSharp.dll]'</c>. Namespace <c>using</c> directives are safe: the compiler looks their names up again in
/// each new cell.
/// </remarks>
internal static partial class ReferencesOnlyCells
{
    /// <summary>The first line of <paramref name="cells"/> that may declare something, or null if none does.</summary>
    public static string? FirstLineThatMayDeclare(IEnumerable<string> cells) =>
        cells.Select(FirstLineThatMayDeclare).FirstOrDefault(line => line is not null);

    /// <summary>The first line of one cell that may declare something, or null if none does.</summary>
    public static string? FirstLineThatMayDeclare(string cell)
    {
        foreach (string raw in cell.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith("//", StringComparison.Ordinal) || AllowedLine().IsMatch(line))
            {
                continue;
            }
            return line;
        }
        return null;
    }

    // One whole line (a trailing // comment allowed) of: #r "..." or #i "..."; a magic command #!...;
    // using Some.Namespace; (not static, not an alias); [global::][LessonKit.Runtime.]TorchRuntime.EnsureReady();
    // or one of the two imports the kernel itself runs before the first cell (CSharpKernel.UseKernelHelpers and, under
    // Jupyter, UseJupyterHelpers). Those two stay bound to the kernel's types as compiled before: their members
    // (display, HTML, Current, Root, ...) keep working; see KernelCompileReferences for what that means.
    [GeneratedRegex("""
        ^(?:
            \#[ri]\s+"[^"]*"
          | \#!\S.*
          | using\s+(?!static\b)(?:global::)?@?[A-Za-z_]\w*(?:\s*\.\s*@?[A-Za-z_]\w*)*\s*;
          | (?:global::)?(?:LessonKit\s*\.\s*Runtime\s*\.\s*)?TorchRuntime\s*\.\s*EnsureReady\s*\(\s*\)\s*;
          | using\s+static\s+Microsoft\.DotNet\.Interactive\.(?:Kernel|Jupyter\.TopLevelMethods)\s*;
        )\s*(?://.*)?$
        """, RegexOptions.IgnorePatternWhitespace | RegexOptions.CultureInvariant)]
    private static partial Regex AllowedLine();
}
