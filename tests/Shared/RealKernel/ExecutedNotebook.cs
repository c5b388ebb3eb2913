using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace LessonKit.Tests.RealKernel;

/// <summary>A notebook as the real kernel (or the runner) left it, with what a learner would see go wrong in each cell.</summary>
public sealed class ExecutedNotebook(string fileName, JsonNode notebook)
{
    public string FileName { get; } = fileName;

    public JsonNode Json { get; } = notebook;

    /// <summary>Reads an executed notebook from disk.</summary>
    public static ExecutedNotebook Read(string path) => new(Path.GetFileName(path), JsonNode.Parse(File.ReadAllText(path))!);

    /// <summary>The code cells, in order (markdown cells left out); <see cref="ExecutedCell.Number"/> 1 is the first.</summary>
    public IReadOnlyList<ExecutedCell> Cells =>
        Json["cells"]!.AsArray().Select(c => c!).Where(c => (string?)c["cell_type"] == "code")
            .Select((c, i) => new ExecutedCell(i + 1, c)).ToList();

    /// <summary>
    /// One line per problem: an error output, or text on stderr (a compiler warning, an exception, anything), except the
    /// kit's own one-line notices, which start with "LessonKit: ". Each names the cell among all cells, as an editor counts.
    /// </summary>
    public IReadOnlyList<string> Problems()
    {
        var all = Json["cells"]!.AsArray();
        var problems = new List<string>();
        foreach (var cell in Cells)
        {
            int index = all.IndexOf(cell.Json) + 1;
            string where = $"{FileName}, cell {index} of {all.Count} (`{cell.FirstLine}`)";
            problems.AddRange(cell.Problems.Select(problem => $"{where}: {problem}"));
        }
        return problems;
    }

    /// <summary>The MIME types, streams and errors of each code cell, in order: what a learner sees, by kind.</summary>
    public IReadOnlyList<string[]> OutputKinds() => Cells.Select(cell => cell.OutputKinds().ToArray()).ToList();

    /// <summary>A notebook's multi-line text: a string or an array of lines.</summary>
    public static string Text(JsonNode? node) => node switch
    {
        JsonArray lines => string.Concat(lines.Select(l => (string?)l)),
        null => "",
        _ => (string?)node ?? "",
    };
}

/// <summary>One executed code cell: its number (1 = the first code cell), its JSON, source and outputs.</summary>
public sealed partial class ExecutedCell(int number, JsonNode json)
{
    public int Number { get; } = number;

    public JsonNode Json { get; } = json;

    public string Source => ExecutedNotebook.Text(Json["source"]);

    public IReadOnlyList<JsonNode> Outputs => Json["outputs"]!.AsArray().Select(o => o!).ToList();

    /// <summary>The text/html of every display or result output.</summary>
    public IEnumerable<string> Html =>
        Outputs.Where(o => o["data"]?["text/html"] is not null).Select(o => ExecutedNotebook.Text(o["data"]!["text/html"]));

    /// <summary>
    /// The texts of one kind of output, in order: <c>stdout</c> or <c>stderr</c> (stream text), <c>error</c>
    /// ("name: message"), or <c>result</c> (the text/plain of a displayed or returned value).
    /// </summary>
    public IEnumerable<string> Texts(string kind) => Outputs.SelectMany(output => ((string?)output["output_type"], kind) switch
    {
        ("stream", _) when (string?)output["name"] == kind => [ExecutedNotebook.Text(output["text"])],
        ("error", "error") => [$"{output["ename"]}: {StripAnsi((string?)output["evalue"] ?? "")}"],
        ("execute_result" or "display_data", "result") when output["data"]?["text/plain"] is { } plain => [ExecutedNotebook.Text(plain)],
        _ => Array.Empty<string>(),
    });

    /// <summary>What went wrong in the cell: errors, and any line on stderr except the kit's own "LessonKit: " notices.</summary>
    public IEnumerable<string> Problems =>
        Texts("error").Concat(Texts("stderr").SelectMany(text => text.Split('\n')).Select(line => line.TrimEnd())
            .Where(line => line.Length > 0 && !line.StartsWith("LessonKit: ", StringComparison.Ordinal))
            .Select(line => "stderr: " + line));

    /// <summary>Per output: the stream name, "error", or the MIME types it carries.</summary>
    public IEnumerable<string> OutputKinds() => Outputs.SelectMany(output => (string?)output["output_type"] switch
    {
        "stream" => [(string)output["name"]!],
        "error" => ["error"],
        _ => output["data"]!.AsObject().Select(entry => entry.Key),
    });

    public string FirstLine
    {
        get
        {
            string line = Source.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0) ?? "";
            return line.Length > 60 ? line[..60] + "…" : line;
        }
    }

    public override string ToString() =>
        $"cell {Number}: {FirstLine}\n" + string.Join("\n", Outputs.SelectMany(OutputLines));

    private static IEnumerable<string> OutputLines(JsonNode output) => (string?)output["output_type"] switch
    {
        "stream" => [$"  [{output["name"]}] {ExecutedNotebook.Text(output["text"]).Trim()}"],
        "error" => [$"  [error] {output["ename"]}: {output["evalue"]}"],
        _ => [$"  [result] {ExecutedNotebook.Text(output["data"]?["text/plain"]).Trim()}"],
    };

    private static string StripAnsi(string text) => AnsiEscape().Replace(text, "");

    [GeneratedRegex(@"\x1b\[[0-9;]*m")]
    private static partial Regex AnsiEscape();
}
