using System.Reflection;

namespace LessonKit.Runtime;

/// <summary>
/// A compile-time-only assembly to write: it has exactly the identity a library asks for
/// (<see cref="Name"/>, <see cref="ReferencedVersion"/>, the runtime's public key) and forwards every public type to
/// the runtime's newer copy <see cref="Target"/>.
/// </summary>
internal sealed record ReferenceFacadePlan(string Name, Version ReferencedVersion, FrameworkAssembly Target)
{
    public override string ToString() => $"{Name} {ReferencedVersion} → {Target.Version}";
}

/// <summary>
/// Decides which framework references of a library make the C# compiler warn CS1701 in a notebook, and so need an
/// exact-version facade (see <see cref="KernelCompileReferences"/> for why the warning comes and how the facade stops it).
/// </summary>
/// <remarks>
/// A reference needs one when all of these hold: the running runtime ships an assembly of that name with the same
/// public key token (so the runtime itself binds the reference to it), at a higher version (so the compiler has to
/// unify the versions), and that assembly defines public types itself. An assembly that only forwards its types
/// elsewhere (<c>System.Runtime</c> forwards everything to <c>System.Private.CoreLib</c>) never makes the compiler
/// warn: the warning names the assembly a used type is defined in, and that is not the unified one.
/// </remarks>
internal static class ReferenceFacadePlanner
{
    /// <param name="references">The assembly references of the libraries whose APIs notebook cells call.</param>
    /// <param name="findInRuntime">Finds the runtime's own assembly of a name (null when the runtime has none).</param>
    public static IReadOnlyList<ReferenceFacadePlan> Plan(IEnumerable<AssemblyName> references, Func<string, FrameworkAssembly?> findInRuntime)
    {
        var plans = new List<ReferenceFacadePlan>();
        var seen = new HashSet<(string, Version)>();
        foreach (var reference in references)
        {
            if (reference.Name is not { } name || reference.Version is not { } version || !seen.Add((name, version)))
            {
                continue;
            }
            var target = findInRuntime(name);
            if (target is null || version >= target.Version || target.DefinedPublicTypes.Count == 0)
            {
                continue;
            }
            if (!(reference.GetPublicKeyToken() ?? []).AsSpan().SequenceEqual(target.PublicKeyToken.AsSpan()) || target.PublicKey.IsDefaultOrEmpty)
            {
                continue;
            }
            plans.Add(new ReferenceFacadePlan(name, version, target));
        }
        return plans.OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.ReferencedVersion).ToList();
    }
}
