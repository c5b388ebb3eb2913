namespace LessonKit.Runner.Execution;

/// <summary>Settings for running notebooks.</summary>
public sealed record RunSettings
{
    /// <summary>The environment variable through which <c>--model</c> reaches <c>HookedGpt2.FromPretrained</c>.</summary>
    public const string ModelOverrideVariable = "LESSONKIT_MODEL_OVERRIDE";

    /// <summary>Folder for the executed notebooks and HTML pages.</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>Time limit per cell; a cell over it stops the run.</summary>
    public TimeSpan CellTimeout { get; init; } = TimeSpan.FromSeconds(600);

    /// <summary>
    /// A model name or directory that <c>HookedGpt2.FromPretrained</c> loads instead of whatever the notebook asks
    /// for (set as <see cref="ModelOverrideVariable"/> while cells run), or null.
    /// </summary>
    public string? ModelOverride { get; init; }
}
