namespace LessonKit.Runtime;

/// <summary>
/// Which version requirement may be made weak, and under which condition: only the listed symbols may be bound
/// to it. LessonKit itself only ever uses <see cref="IosBaseLibraryInitMarker"/>; other rules exist for tests.
/// </summary>
/// <param name="Library">The library the version comes from, e.g. <c>libstdc++.so.6</c>.</param>
/// <param name="Version">The version name, e.g. <c>GLIBCXX_3.4.32</c>.</param>
/// <param name="AllowedSymbols">The only symbols that may use the version; each must be a pure marker.</param>
internal sealed record VersionRequirementRule(string Library, string Version, IReadOnlyList<string> AllowedSymbols)
{
    /// <summary>
    /// GCC 13 made every C++ library that includes &lt;iostream&gt; reference
    /// <c>std::ios_base_library_init()</c> (<c>_ZSt21ios_base_library_initv</c>, version <c>GLIBCXX_3.4.32</c>) so
    /// that the linker orders libstdc++'s stream initialisation first. The reference has no relocation: nothing
    /// calls it, so an older libstdc++ serves the library just as well once the requirement is weak.
    /// </summary>
    public static VersionRequirementRule IosBaseLibraryInitMarker { get; } =
        new("libstdc++.so.6", "GLIBCXX_3.4.32", ["_ZSt21ios_base_library_initv"]);
}

/// <summary>What <see cref="ElfVersionRequirementPatcher.Analyze"/> concluded about a file.</summary>
internal enum RequirementVerdict
{
    /// <summary>The requirement exists, is not weak, and only marker symbols use it: it may be made weak.</summary>
    SafeToWeaken,

    /// <summary>The requirement is already weak: nothing to do.</summary>
    AlreadyWeak,

    /// <summary>The file does not need the version at all.</summary>
    Absent,

    /// <summary>The requirement exists but making it weak could break the library; the reason says why.</summary>
    Unsafe,
}

/// <summary>The result of checking one file against a <see cref="VersionRequirementRule"/>.</summary>
/// <param name="Verdict">Whether the requirement may be made weak.</param>
/// <param name="Reason">A sentence for people: why this verdict.</param>
/// <param name="Need">The requirement entry, when the file has exactly one for the rule's version.</param>
/// <param name="BoundSymbols">The dynamic symbols bound to that version.</param>
internal sealed record VersionRequirementAnalysis(
    RequirementVerdict Verdict, string Reason, ElfVersionNeed? Need, IReadOnlyList<string> BoundSymbols);
