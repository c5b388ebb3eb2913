namespace LessonKit.Runner.References;

/// <summary>What restoring a package produced: its runtime assemblies (and its dependencies') and native library folders.</summary>
public sealed record RestoredPackage(IReadOnlyList<string> AssemblyPaths, IReadOnlyList<string> NativeDirectories);
