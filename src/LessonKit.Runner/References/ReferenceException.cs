namespace LessonKit.Runner.References;

/// <summary>A <c>#r</c> directive could not be satisfied. The message says which and what to do.</summary>
public sealed class ReferenceException(string message, Exception? inner = null) : Exception(message, inner);
