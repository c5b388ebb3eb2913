namespace LessonKit.Runner.Execution;

/// <summary>How a cell ended.</summary>
public enum CellStatus
{
    /// <summary>Ran without error.</summary>
    Succeeded,

    /// <summary>Did not compile, threw, or used something the runner does not support.</summary>
    Failed,

    /// <summary>Ran past the time limit.</summary>
    TimedOut,

    /// <summary>Was running when the run was interrupted (Ctrl+C).</summary>
    Interrupted,
}

/// <summary>How a cell ended and, when it did not succeed, the cell line (from 1, when known) and what went wrong.</summary>
public sealed record CellOutcome(CellStatus Status, int? Line = null, string? Message = null)
{
    /// <summary>A cell that ran without error.</summary>
    public static CellOutcome Success { get; } = new(CellStatus.Succeeded);
}
