using System.Text.Json.Nodes;
using LessonKit.Runner.Notebooks;

namespace LessonKit.Runner.Tests.Notebooks;

public class JupyterJsonTests
{
    // Written by hand the way Python's json.dumps(nb, indent=1, ensure_ascii=False) writes it.
    private const string JupyterText = """
        {
         "cells": [
          {
           "cell_type": "markdown",
           "metadata": {},
           "source": [
            "Attention — naïve 🤖 \"quoted\" back\\slash\n",
            "tab\there <b>&</b> \u0001"
           ]
          }
         ],
         "metadata": {
          "ratio": 1.0,
          "big": 12345678901234,
          "flag": true,
          "none": null,
          "empty": []
         },
         "nbformat": 4,
         "nbformat_minor": 5
        }

        """;

    [Fact]
    public void Round_trips_jupyter_text_byte_for_byte()
    {
        var node = JupyterJson.Parse(JupyterText);

        Assert.Equal(JupyterText, JupyterJson.Serialize(node, JsonTextStyle.Detect(JupyterText)));
    }

    [Fact]
    public void Detects_and_keeps_two_space_indentation_and_windows_line_endings()
    {
        var text = "{\r\n  \"a\": [\r\n    1\r\n  ]\r\n}\r\n";

        var style = JsonTextStyle.Detect(text);

        Assert.Equal(new JsonTextStyle(2, "\r\n"), style);
        Assert.Equal(text, JupyterJson.Serialize(JupyterJson.Parse(text), style));
    }

    [Fact]
    public void Splits_text_into_nbformat_lines_and_joins_them_back()
    {
        var lines = CellSource.ToLines("a\nb\n\nc");

        Assert.Equal(["a\n", "b\n", "\n", "c"], lines.Select(l => l!.GetValue<string>()));
        Assert.Equal("a\nb\n\nc", CellSource.Join(lines));
        Assert.Equal("x", CellSource.Join(JsonValue.Create("x")));
        Assert.Throws<FormatException>(() => CellSource.Join(new JsonArray(1, 2)));
    }

    [Fact]
    public void Explains_a_file_that_is_not_a_notebook()
    {
        var error = Assert.Throws<NotebookFormatException>(() => Notebook.Parse("{ \"cells\": [", "broken.ipynb"));

        Assert.StartsWith("broken.ipynb: not valid JSON", error.Message);
        Assert.Contains("no \"cells\" list", Assert.Throws<NotebookFormatException>(() => Notebook.Parse("{}", "x.ipynb")).Message);
    }
}
