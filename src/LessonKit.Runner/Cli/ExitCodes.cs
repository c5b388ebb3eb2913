namespace LessonKit.Runner.Cli;

/// <summary>The runner's process exit codes.</summary>
public static class ExitCodes
{
    /// <summary>Everything ran / no problems found.</summary>
    public const int Success = 0;

    /// <summary>A cell failed, or <c>check</c> found problems, or a file was not a notebook.</summary>
    public const int Failed = 1;

    /// <summary>The command line was wrong (unknown option, missing file, bad value).</summary>
    public const int Usage = 2;

    /// <summary>A cell ran past <c>--timeout</c> (as GNU <c>timeout</c> reports it).</summary>
    public const int TimedOut = 124;

    /// <summary>Interrupted by Ctrl+C (128 + SIGINT, the shell convention).</summary>
    public const int Interrupted = 130;
}
