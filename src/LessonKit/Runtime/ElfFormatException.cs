namespace LessonKit.Runtime;

/// <summary>Why an <see cref="ElfImage"/> could not read a file.</summary>
internal enum ElfProblem
{
    /// <summary>The file is not an ELF file at all (no <c>\x7FELF</c> magic).</summary>
    NotElf,

    /// <summary>An ELF file of a kind this reader does not handle: 32-bit or big-endian.</summary>
    Unsupported,

    /// <summary>An ELF file whose tables are truncated or point past the end of the file.</summary>
    Malformed,
}

/// <summary>
/// Thrown by <see cref="ElfImage"/> when a file cannot be read as a 64-bit little-endian ELF file.
/// The message names the file and what was wrong; <see cref="Problem"/> says whether the file is simply not
/// applicable (not ELF, 32-bit, big-endian) or damaged (truncated, offsets past the end).
/// </summary>
internal sealed class ElfFormatException(ElfProblem problem, string message) : Exception(message)
{
    /// <summary>What kind of problem the file has.</summary>
    public ElfProblem Problem { get; } = problem;
}
