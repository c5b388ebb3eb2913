namespace LessonKit.Runtime;

/// <summary>
/// The patch step: when the process's libstdc++ lacks <c>GLIBCXX_3.4.32</c>, make that requirement weak in every
/// copy of TorchSharp's native library (see <see cref="ElfVersionRequirementPatcher"/>), and say so on stderr.
/// </summary>
internal static class GlibcxxMarkerFix
{
    /// <summary>Set this environment variable (to anything but 0/false) to stop LessonKit from patching files.</summary>
    public const string OptOutVariable = "LESSONKIT_NO_NATIVE_PATCH";

    private static readonly VersionRequirementRule Rule = VersionRequirementRule.IosBaseLibraryInitMarker;

    /// <summary>What the patch step found and did.</summary>
    /// <param name="LibStdCxx">The libstdc++ the process uses, or null if it could not be read.</param>
    /// <param name="Needed">True when that libstdc++ lacks <c>GLIBCXX_3.4.32</c>, so TorchSharp needs the patch.</param>
    /// <param name="Disabled">True when patching was turned off with <see cref="OptOutVariable"/>.</param>
    /// <param name="Libraries">The copies of <c>libLibTorchSharp.so</c> found.</param>
    /// <param name="Files">What happened to each copy (empty when nothing was needed or it was disabled).</param>
    internal sealed record Result(LibStdCxxInfo? LibStdCxx, bool Needed, bool Disabled, IReadOnlyList<string> Libraries,
        IReadOnlyList<PatchResult> Files)
    {
        /// <summary>The copies that still need the missing version (refused, damaged, unwritable or disabled).</summary>
        public IEnumerable<string> LeftUnpatched =>
            Disabled && Needed ? Libraries : Files.Where(f => f.LeftUnpatched).Select(f => f.Path);
    }

    /// <summary>
    /// Runs the step for libraries <paramref name="libraries"/> given the process's libstdc++; writes one line to
    /// <paramref name="stderr"/> for each file it patches or fails to patch, and adds what it did to <paramref name="log"/>.
    /// </summary>
    internal static Result Run(LibStdCxxInfo? libStdCxx, string? libStdCxxProblem, IReadOnlyList<string> libraries,
        bool disabled, TextWriter stderr, ICollection<string> log)
    {
        if (libStdCxx is null)
        {
            log.Add($"Did not check TorchSharp's native library: {libStdCxxProblem}.");
            return new Result(null, false, disabled, libraries, []);
        }
        string newest = libStdCxx.NewestGlibcxx ?? "no GLIBCXX version";
        if (libStdCxx.Defines(Rule.Version))
        {
            log.Add($"{libStdCxx.Path} ({libStdCxx.FoundBy}) provides {Rule.Version} (newest: {newest}): nothing to patch.");
            return new Result(libStdCxx, false, disabled, libraries, []);
        }
        log.Add($"{libStdCxx.Path} ({libStdCxx.FoundBy}) stops at {newest}, without {Rule.Version}: TorchSharp's {TorchSharpNativeFiles.LibraryFileName} needs its requirement marked weak.");
        if (libraries.Count == 0)
        {
            log.Add($"Found no {TorchSharpNativeFiles.LibraryFileName} to patch.");
        }
        if (disabled)
        {
            log.Add($"{OptOutVariable} is set, so LessonKit did not patch: {string.Join(", ", libraries)}.");
            return new Result(libStdCxx, true, true, libraries, []);
        }

        var files = new List<PatchResult>();
        foreach (var library in libraries)
        {
            var result = ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(library);
            files.Add(result);
            log.Add(result.ToString());
            if (result.Outcome == PatchOutcome.Patched)
            {
                stderr.WriteLine(
                    $"LessonKit: {TorchSharpNativeFiles.LibraryFileName} needs {Rule.Version} only for std::ios_base_library_init (a link-time marker); " +
                    $"your libstdc++ stops at {newest}, so LessonKit marked that requirement weak in {result.Path}.");
            }
            else if (result.LeftUnpatched)
            {
                stderr.WriteLine(
                    $"LessonKit: {TorchSharpNativeFiles.LibraryFileName} needs {Rule.Version}, which your libstdc++ lacks (it stops at {newest}), " +
                    $"and LessonKit could not mark that requirement weak in {result.Path}: {result.Detail.TrimEnd('.')}. " +
                    "TorchSharp will fail to start; LessonKit.Runtime.TorchRuntime.EnsureReady() explains what to do.");
            }
        }
        return new Result(libStdCxx, true, false, libraries, files);
    }

    /// <summary>True when <see cref="OptOutVariable"/> is set to something other than empty, 0 or false.</summary>
    internal static bool IsDisabled(string? value) =>
        !string.IsNullOrWhiteSpace(value) && value.Trim() is not ("0" or "false" or "False" or "FALSE");
}
