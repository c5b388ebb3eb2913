using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.Surface;

/// <summary>The tree shows the namespaces: <see cref="NamespaceRule"/> holds for every source file and every type.</summary>
public sealed class NamespaceRuleTests
{
    private static readonly string SourceFolder = Path.Combine(LessonRunner.FindRepositoryRoot(), "src", "LessonKit");

    [Fact]
    public void Every_source_file_is_in_its_folders_namespace_unless_it_declares_a_learner_type()
    {
        var files = Directory.EnumerateFiles(SourceFolder, "*.cs", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(SourceFolder, path).Replace('\\', '/'))
            .Where(path => !path.StartsWith("obj/", StringComparison.Ordinal) && !path.StartsWith("bin/", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(path => (path, File.ReadAllText(Path.Combine(SourceFolder, path))))
            .ToArray();

        Assert.True(files.Length > 100, $"Found only {files.Length} source files under {SourceFolder}.");
        var problems = NamespaceRule.Problems(files);
        Assert.True(problems.Count == 0, "Files outside the namespace rule:\n" + string.Join("\n", problems));
    }

    [Fact]
    public void Every_learner_type_is_public_in_LessonKit_and_every_public_type_there_is_a_learner_type()
    {
        var assembly = typeof(HookedGpt2).Assembly;
        var missing = NamespaceRule.LearnerTypes.Where(name => assembly.GetType($"{NamespaceRule.Root}.{name}") is not { IsPublic: true }).ToArray();
        var unlisted = assembly.GetExportedTypes()
            .Where(type => type.Namespace == NamespaceRule.Root && !type.IsNested && !NamespaceRule.LearnerTypes.Contains(type.Name))
            .Select(type => type.Name).Order(StringComparer.Ordinal).ToArray();

        Assert.True(missing.Length == 0, $"On NamespaceRule.LearnerTypes but not a public type in namespace LessonKit: {string.Join(", ", missing)}.");
        Assert.True(unlisted.Length == 0,
            $"Public in namespace LessonKit but not on NamespaceRule.LearnerTypes: {string.Join(", ", unlisted)}. " +
            "List it there if learners name it in cells; otherwise give it its folder's namespace.");
    }

    [Fact]
    public void Every_namespace_below_LessonKit_is_a_folder_of_the_source()
    {
        var namespaces = typeof(HookedGpt2).Assembly.GetTypes()
            .Select(type => type.Namespace)
            .OfType<string>()
            .Where(name => name.StartsWith(NamespaceRule.Root + ".", StringComparison.Ordinal))
            .Distinct().Order(StringComparer.Ordinal).ToArray();

        Assert.Contains("LessonKit.Model", namespaces);
        var withoutFolder = namespaces
            .Where(name => !Directory.Exists(Path.Combine([SourceFolder, .. name.Split('.').Skip(1)])))
            .ToArray();
        Assert.True(withoutFolder.Length == 0, $"Namespaces with no folder of that name under src/LessonKit: {string.Join(", ", withoutFolder)}.");
    }

    [Fact]
    public void The_rule_names_a_file_in_the_wrong_namespace_and_the_one_it_belongs_in()
    {
        var problems = NamespaceRule.Problems(
        [
            ("Hooks/HookPoint.cs", "namespace LessonKit;\npublic sealed record HookPoint(string Name);"),
            ("Display/Html/HtmlText.cs", "namespace LessonKit.Display.Html;\ninternal static class HtmlText { }"),
            ("Generation/KeyValueCache.cs", "namespace LessonKit;\npublic sealed class KeyValueCache { }\ninternal sealed class LayerKeyValueCache { }"),
            ("Hooks/BlockHookPoints.cs", "namespace LessonKit;\ninternal sealed class BlockHookPoints { }"),
            ("Model/Gpt2Config.cs", "namespace LessonKit.Model;\npublic sealed record Gpt2Config;"),
            ("Lessons/Quiz.cs", "namespace LessonKit.Lessons\n{\n    public static class Quiz { }\n}\nnamespace LessonKit.Other { }"),
        ]);

        Assert.Equal(3, problems.Count);
        Assert.StartsWith("Hooks/BlockHookPoints.cs: namespace LessonKit should be LessonKit.Hooks", problems[0]);
        Assert.StartsWith("Model/Gpt2Config.cs: declares Gpt2Config (a learner type) in namespace LessonKit.Model", problems[1]);
        Assert.StartsWith("Lessons/Quiz.cs: declares 2 namespaces", problems[2]);
    }
}
