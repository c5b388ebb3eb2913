using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Checking;

/// <summary>
/// Validates that a notebook is one the Polyglot Notebooks extension opens as C#: nbformat 4.4+, the .NET C#
/// kernelspec, sane Polyglot kernel metadata, every code cell marked as C#, well-formed cells, and (for files under a
/// <c>lessons</c> folder) no stored outputs or execution counts. What a cell's code does (magic commands included)
/// is the kernel's business: <c>run</c> finds out.
/// </summary>
public static partial class NotebookChecker
{
    /// <summary>The kernelspec every lesson notebook must carry.</summary>
    public static readonly IReadOnlyDictionary<string, string> ExpectedKernelSpec = new Dictionary<string, string>
    {
        ["name"] = ".net-csharp",
        ["display_name"] = ".NET (C#)",
        ["language"] = "C#",
    };

    /// <summary>Checks one notebook file.</summary>
    /// <param name="path">The file, as the user gave it (used in messages).</param>
    public static IReadOnlyList<NotebookProblem> Check(string path)
    {
        Notebook notebook;
        try
        {
            notebook = Notebook.Load(path);
        }
        catch (NotebookFormatException e)
        {
            return [new NotebookProblem(path, null, e.Reason)];
        }
        var problems = new List<NotebookProblem>();
        void Add(int? cell, string message) => problems.Add(new NotebookProblem(path, cell, message));

        CheckFormatVersion(notebook.Root, Add);
        CheckKernelSpec(notebook.Metadata, Add);
        CheckKernelInfo(notebook.Metadata, Add);

        var isLesson = IsUnderLessons(notebook.Path);
        var requireIds = notebook.Root["nbformat_minor"] is JsonValue minor && minor.TryGetValue<int>(out var m) && m >= 5;
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var cell in notebook.Cells)
        {
            CheckCell(cell, isLesson, requireIds, ids, message => Add(cell.Number, message));
        }
        return problems;
    }

    /// <summary>The notebooks to check for a path: the file itself, or every .ipynb below a folder (skipping bin, obj and checkpoints).</summary>
    public static IReadOnlyList<string> FindNotebooks(string path)
    {
        if (!Directory.Exists(path)) return [path];
        return Directory.EnumerateFiles(path, "*.ipynb", SearchOption.AllDirectories)
            .Where(f => !Path.GetRelativePath(path, f).Split(Path.DirectorySeparatorChar)
                .Any(part => part is "bin" or "obj" or ".ipynb_checkpoints"))
            .Order(StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>True when the file lies in a folder named <c>lessons</c> (where notebooks are kept without outputs).</summary>
    public static bool IsUnderLessons(string path) =>
        Path.GetDirectoryName(Path.GetFullPath(path))!.Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Contains("lessons", StringComparer.Ordinal);

    private static void CheckFormatVersion(JsonObject root, Action<int?, string> add)
    {
        if (root["nbformat"] is not JsonValue major || !major.TryGetValue<int>(out var nbformat))
        {
            add(null, "\"nbformat\" is missing; expected 4.");
        }
        else if (nbformat != 4)
        {
            add(null, $"nbformat is {nbformat}; expected 4.");
        }
        if (root["nbformat_minor"] is not JsonValue minor || !minor.TryGetValue<int>(out var nbformatMinor))
        {
            add(null, "\"nbformat_minor\" is missing; expected 4 or higher.");
        }
        else if (nbformatMinor < 4)
        {
            add(null, $"nbformat_minor is {nbformatMinor}; expected 4 or higher (save the notebook again with VS Code).");
        }
    }

    private static void CheckKernelSpec(JsonObject? metadata, Action<int?, string> add)
    {
        if (metadata?["kernelspec"] is not JsonObject kernelSpec)
        {
            add(null, "metadata.kernelspec is missing; expected {\"name\": \".net-csharp\", \"display_name\": \".NET (C#)\", \"language\": \"C#\"}.");
            return;
        }
        foreach (var (key, expected) in ExpectedKernelSpec)
        {
            var actual = StringAt(kernelSpec, key);
            if (actual != expected)
            {
                add(null, $"metadata.kernelspec.{key} is {Show(actual)}; expected \"{expected}\".");
            }
        }
    }

    private static void CheckKernelInfo(JsonObject? metadata, Action<int?, string> add)
    {
        if (metadata?["polyglot_notebook"] is not { } polyglot) return;
        if (polyglot is not JsonObject polyglotObject)
        {
            add(null, "metadata.polyglot_notebook must be an object.");
            return;
        }
        if (polyglotObject["kernelInfo"] is not { } info) return;
        if (info is not JsonObject kernelInfo)
        {
            add(null, "metadata.polyglot_notebook.kernelInfo must be an object.");
            return;
        }
        var defaultKernel = StringAt(kernelInfo, "defaultKernelName");
        if (defaultKernel != "csharp")
        {
            add(null, $"metadata.polyglot_notebook.kernelInfo.defaultKernelName is {Show(defaultKernel)}; expected \"csharp\".");
        }
        if (kernelInfo["items"] is not JsonArray items)
        {
            add(null, "metadata.polyglot_notebook.kernelInfo.items must be a list of kernels.");
            return;
        }
        var names = new List<string>();
        for (var i = 0; i < items.Count; i++)
        {
            if (items[i] is JsonObject item && StringAt(item, "name") is { Length: > 0 } name)
            {
                names.Add(name);
            }
            else
            {
                add(null, $"metadata.polyglot_notebook.kernelInfo.items[{i}] must be an object with a \"name\".");
            }
        }
        if (!names.Contains("csharp"))
        {
            add(null, "metadata.polyglot_notebook.kernelInfo.items has no \"csharp\" kernel.");
        }
    }

    private static void CheckCell(NotebookCell cell, bool isLesson, bool requireIds, HashSet<string> ids, Action<string> add)
    {
        var type = cell.CellType;
        if (type is not ("code" or "markdown" or "raw"))
        {
            add($"cell_type is {Show(type)}; expected \"code\", \"markdown\" or \"raw\".");
            return;
        }
        if (!CellSource.IsMultilineString(cell.Json["source"]))
        {
            add("\"source\" must be a string or a list of strings (lines).");
            return;
        }
        if (cell.Json["metadata"] is not JsonObject)
        {
            add("\"metadata\" is missing (nbformat requires an object, even an empty one).");
        }
        if (requireIds)
        {
            var id = StringAt(cell.Json, "id");
            if (id is null || !CellId().IsMatch(id))
            {
                add($"\"id\" is {Show(id)}; nbformat 4.5 needs 1-64 letters, digits, '-' or '_'.");
            }
            else if (!ids.Add(id))
            {
                add($"\"id\" \"{id}\" is used by an earlier cell; ids must be unique.");
            }
        }
        if (type != "code") return;

        var kernelName = cell.PolyglotKernelName;
        if (kernelName != "csharp")
        {
            add($"metadata.polyglot_notebook.kernelName is {Show(kernelName)}; every code cell must have \"polyglot_notebook\": {{\"kernelName\": \"csharp\"}}.");
        }
        if (cell.Metadata?["dotnet_interactive"]?["language"] is JsonValue language
            && language.GetValueKind() == JsonValueKind.String && language.GetValue<string>() != "csharp")
        {
            add($"metadata.dotnet_interactive.language is \"{language.GetValue<string>()}\"; lessons are C# only.");
        }
        if (cell.Json["outputs"] is not JsonArray outputs)
        {
            add("a code cell needs an \"outputs\" list (empty in lessons).");
        }
        else if (isLesson && outputs.Count > 0)
        {
            add($"has {outputs.Count} stored output(s); lessons are committed without outputs (run 'strip').");
        }
        if (isLesson && cell.Json["execution_count"] is not null)
        {
            add("has an execution count; lessons are committed without them (run 'strip').");
        }
    }

    private static string? StringAt(JsonObject obj, string key) =>
        obj[key] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    private static string Show(string? value) => value is null ? "missing" : $"\"{value}\"";

    [GeneratedRegex("^[a-zA-Z0-9_-]{1,64}$")]
    private static partial Regex CellId();
}
