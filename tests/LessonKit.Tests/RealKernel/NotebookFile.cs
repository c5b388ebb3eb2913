using System.Text.Json.Nodes;

namespace LessonKit.Tests.RealKernel;

/// <summary>Writes a C# notebook with the metadata the lessons carry (kernelspec .net-csharp, cells in kernel csharp).</summary>
public static class NotebookFile
{
    public static string Write(string path, params string[] cells)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var notebook = new JsonObject
        {
            ["cells"] = new JsonArray(cells.Select(source => (JsonNode)new JsonObject
            {
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
        File.WriteAllText(path, notebook.ToJsonString());
        return path;
    }
}
