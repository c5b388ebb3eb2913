using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>C# notebooks with the metadata the lessons carry (kernelspec .net-csharp, every cell in kernel csharp).</summary>
public static class NotebookFile
{
    /// <summary>A notebook of code cells, in order.</summary>
    public static JsonObject Build(params string[] cells) => new()
    {
        ["cells"] = new JsonArray(cells.Select((source, i) => (JsonNode)new JsonObject
        {
            ["id"] = $"cell-{i}",
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["metadata"] = new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } },
            ["outputs"] = new JsonArray(),
            ["source"] = source,
        }).ToArray()),
        ["metadata"] = new JsonObject
        {
            ["kernelspec"] = new JsonObject { ["name"] = JupyterKernel.KernelName, ["display_name"] = ".NET (C#)", ["language"] = "C#" },
            ["language_info"] = new JsonObject { ["name"] = "polyglot-notebook" },
        },
        ["nbformat"] = 4,
        ["nbformat_minor"] = 5,
    };

    /// <summary>Writes a notebook of <paramref name="cells"/> to <paramref name="path"/> (its folder is made) and returns the path.</summary>
    public static string Write(string path, params string[] cells)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        File.WriteAllText(path, Build(cells).ToJsonString());
        return path;
    }
}
