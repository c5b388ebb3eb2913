namespace LessonKit.Runner.Directives;

/// <summary>A reference directive found in a cell; <see cref="Line"/> counts from 1 within the cell.</summary>
public abstract record CellDirective(int Line);

/// <summary><c>#r "nuget: Name, Version"</c>.</summary>
public sealed record NuGetReference(string PackageId, string Version, int Line) : CellDirective(Line)
{
    /// <inheritdoc/>
    public override string ToString() => $"#r \"nuget: {PackageId}, {Version}\"";
}

/// <summary><c>#r "path/to/Assembly.dll"</c>; the path is relative to the notebook's folder.</summary>
public sealed record AssemblyFileReference(string Path, int Line) : CellDirective(Line)
{
    /// <inheritdoc/>
    public override string ToString() => $"#r \"{Path}\"";
}
