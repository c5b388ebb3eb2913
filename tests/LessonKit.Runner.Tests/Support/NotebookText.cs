using System.Text.Json.Nodes;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Tests.Support;

/// <summary>Builds small lesson notebooks (as VS Code writes them) for tests.</summary>
public sealed class NotebookText
{
    private readonly JsonArray _cells = [];
    private int _nextId = 1;

    public JsonObject Metadata { get; } = new()
    {
        ["kernelspec"] = new JsonObject { ["display_name"] = ".NET (C#)", ["language"] = "C#", ["name"] = ".net-csharp" },
        ["polyglot_notebook"] = new JsonObject
        {
            ["kernelInfo"] = new JsonObject
            {
                ["defaultKernelName"] = "csharp",
                ["items"] = new JsonArray(new JsonObject { ["aliases"] = new JsonArray(), ["name"] = "csharp" }),
            },
        },
    };

    public int NbformatMinor { get; set; } = 5;

    public NotebookText Markdown(string source)
    {
        _cells.Add(new JsonObject
        {
            ["cell_type"] = "markdown",
            ["id"] = $"cell-{_nextId++}",
            ["metadata"] = new JsonObject(),
            ["source"] = CellSource.ToLines(source),
        });
        return this;
    }

    public NotebookText Code(string source, JsonObject? metadata = null)
    {
        _cells.Add(new JsonObject
        {
            ["cell_type"] = "code",
            ["execution_count"] = null,
            ["id"] = $"cell-{_nextId++}",
            ["metadata"] = metadata ?? new JsonObject { ["polyglot_notebook"] = new JsonObject { ["kernelName"] = "csharp" } },
            ["outputs"] = new JsonArray(),
            ["source"] = CellSource.ToLines(source),
        });
        return this;
    }

    /// <summary>The last added cell's JSON, to tweak it.</summary>
    public JsonObject LastCell => (JsonObject)_cells[^1]!;

    public string ToJson() => JupyterJson.Serialize(new JsonObject
    {
        ["cells"] = _cells.DeepClone(),
        ["metadata"] = Metadata.DeepClone(),
        ["nbformat"] = 4,
        ["nbformat_minor"] = NbformatMinor,
    }, JsonTextStyle.Jupyter);

    public string WriteTo(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, ToJson());
        return path;
    }
}
