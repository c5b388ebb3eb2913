namespace LessonKit.Runner.Directives;

/// <summary>A line of a cell the runner cannot run, with the reason and what to do.</summary>
/// <param name="Line">Line in the cell, from 1.</param>
/// <param name="Message">What is wrong and how to fix it.</param>
public sealed record DirectiveProblem(int Line, string Message);
