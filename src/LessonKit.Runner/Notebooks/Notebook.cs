using System.Text.Json;
using System.Text.Json.Nodes;

namespace LessonKit.Runner.Notebooks;

/// <summary>
/// A notebook file (.ipynb, nbformat 4) held as its JSON tree, so everything the runner does not touch is
/// written back exactly as it was read.
/// </summary>
public sealed class Notebook
{
    private Notebook(string path, JsonObject root, JsonTextStyle style, IReadOnlyList<NotebookCell> cells)
    {
        Path = path;
        Root = root;
        Style = style;
        Cells = cells;
    }

    /// <summary>Full path of the file the notebook was read from.</summary>
    public string Path { get; }

    /// <summary>The notebook's JSON document.</summary>
    public JsonObject Root { get; }

    /// <summary>Indentation and line endings of the original file, kept when writing.</summary>
    public JsonTextStyle Style { get; }

    /// <summary>The cells in order; <see cref="NotebookCell.Number"/> counts from 1.</summary>
    public IReadOnlyList<NotebookCell> Cells { get; }

    /// <summary>The notebook's top-level <c>metadata</c> object, or null when missing.</summary>
    public JsonObject? Metadata => Root["metadata"] as JsonObject;

    /// <summary>Reads a notebook file.</summary>
    /// <exception cref="NotebookFormatException">The file is missing, not JSON, or has no list of cells.</exception>
    public static Notebook Load(string path)
    {
        var fullPath = System.IO.Path.GetFullPath(path);
        if (!File.Exists(fullPath))
        {
            throw new NotebookFormatException(path, $"file not found (looked at {fullPath}).");
        }
        try
        {
            return Parse(File.ReadAllText(fullPath), fullPath);
        }
        catch (NotebookFormatException e) when (e.FilePath != path)
        {
            // Name the file the way the user did.
            throw new NotebookFormatException(path, e.Reason, e.InnerException);
        }
    }

    /// <summary>Reads notebook text; <paramref name="path"/> is used in messages and as the notebook's location.</summary>
    /// <exception cref="NotebookFormatException">The text is not JSON or has no list of cells.</exception>
    public static Notebook Parse(string json, string path)
    {
        JsonNode? node;
        try
        {
            node = JupyterJson.Parse(json);
        }
        catch (JsonException e)
        {
            throw new NotebookFormatException(path,
                $"not valid JSON (line {e.LineNumber + 1}): {e.Message} Is it a notebook saved by VS Code or Jupyter?", e);
        }
        if (node is not JsonObject root)
        {
            throw new NotebookFormatException(path, $"a notebook must be a JSON object with \"cells\", \"metadata\", \"nbformat\".");
        }
        if (root["cells"] is not JsonArray cellArray)
        {
            throw new NotebookFormatException(path, $"the notebook has no \"cells\" list.");
        }
        var cells = new List<NotebookCell>();
        for (var i = 0; i < cellArray.Count; i++)
        {
            if (cellArray[i] is not JsonObject cell)
            {
                throw new NotebookFormatException(path, $"cell {i + 1} is not a JSON object.");
            }
            cells.Add(new NotebookCell(i + 1, cell));
        }
        return new Notebook(path, root, JsonTextStyle.Detect(json), cells);
    }

    /// <summary>The notebook as text in its original style.</summary>
    public string ToJson() => JupyterJson.Serialize(Root, Style);

    /// <summary>Writes the notebook to <paramref name="path"/> (UTF-8 without BOM), creating the folder if needed.</summary>
    public void Save(string path)
    {
        var folder = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (folder is not null) Directory.CreateDirectory(folder);
        File.WriteAllText(path, ToJson());
    }

    /// <summary>A deep copy of this notebook (same path and style) that can be changed independently.</summary>
    public Notebook Clone() => Parse(ToJson(), Path);
}
