namespace LessonKit.Runtime;

/// <summary>What happened when LessonKit looked at (and maybe patched) one library file.</summary>
internal enum PatchOutcome
{
    /// <summary>The requirement was made weak; the file on disk now has the flag.</summary>
    Patched,

    /// <summary>The requirement was already weak; the file was left alone.</summary>
    AlreadyWeak,

    /// <summary>The file does not need the version; the file was left alone.</summary>
    NotNeeded,

    /// <summary>Making the requirement weak could break the library, so LessonKit refused; see the detail.</summary>
    Refused,

    /// <summary>The file is not a 64-bit little-endian ELF file (not ELF, 32-bit, big-endian, too large).</summary>
    NotApplicable,

    /// <summary>The file looks like ELF but is truncated or damaged.</summary>
    Malformed,

    /// <summary>The file could not be read or written (e.g. permission denied); see the detail and error.</summary>
    Failed,
}

/// <summary>The outcome for one file, with a sentence that explains it.</summary>
/// <param name="Path">The file looked at (after following symbolic links).</param>
/// <param name="Outcome">What happened.</param>
/// <param name="Detail">A sentence for people: what was found or what went wrong.</param>
/// <param name="Error">The exception behind a <see cref="PatchOutcome.Failed"/> outcome, if any.</param>
internal sealed record PatchResult(string Path, PatchOutcome Outcome, string Detail, Exception? Error = null)
{
    /// <summary>True when the file was left needing a version the system may lack (refused, damaged or not writable).</summary>
    public bool LeftUnpatched => Outcome is PatchOutcome.Refused or PatchOutcome.Malformed or PatchOutcome.Failed;

    public override string ToString() => $"{Outcome}: {Path}: {Detail}";
}
