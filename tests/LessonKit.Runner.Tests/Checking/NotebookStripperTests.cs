using LessonKit.Runner.Tests.Support;

namespace LessonKit.Runner.Tests.Checking;

public class NotebookStripperTests
{
    private const string WithOutputs = """
        {
         "cells": [
          {
           "cell_type": "code",
           "execution_count": 3,
           "id": "a1",
           "metadata": {
            "polyglot_notebook": {
             "kernelName": "csharp"
            }
           },
           "outputs": [
            {
             "name": "stdout",
             "output_type": "stream",
             "text": [
              "héllo\n"
             ]
            }
           ],
           "source": [
            "Console.WriteLine(\"héllo\");"
           ]
          },
          {
           "cell_type": "markdown",
           "id": "b2",
           "metadata": {},
           "source": [
            "# Ünïcode stays"
           ]
          }
         ],
         "metadata": {
          "kernelspec": {
           "display_name": ".NET (C#)",
           "language": "C#",
           "name": ".net-csharp"
          }
         },
         "nbformat": 4,
         "nbformat_minor": 5
        }

        """;

    private static readonly string Stripped = WithOutputs
        .Replace("\"execution_count\": 3", "\"execution_count\": null")
        .Replace("""
               "outputs": [
                {
                 "name": "stdout",
                 "output_type": "stream",
                 "text": [
                  "héllo\n"
                 ]
                }
               ],
            """, """
               "outputs": [],
            """);

    [Fact]
    public async Task Strip_removes_outputs_and_counts_and_leaves_every_other_byte()
    {
        using var folder = new TempFolder();
        var path = folder.File("lesson.ipynb");
        await File.WriteAllTextAsync(path, WithOutputs);

        var result = await RunnerHost.InvokeAsync("strip", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("stripped 1 cell(s)", result.Output);
        Assert.NotEqual(WithOutputs, Stripped);
        Assert.Equal(Stripped, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Strip_leaves_a_clean_notebook_untouched()
    {
        using var folder = new TempFolder();
        var path = folder.File("lesson.ipynb");
        await File.WriteAllTextAsync(path, Stripped);
        var written = File.GetLastWriteTimeUtc(path) - TimeSpan.FromHours(1);
        File.SetLastWriteTimeUtc(path, written);

        var result = await RunnerHost.InvokeAsync("strip", path);

        Assert.Equal(0, result.ExitCode);
        Assert.Contains("already clean", result.Output);
        Assert.Equal(written, File.GetLastWriteTimeUtc(path));
        Assert.Equal(Stripped, await File.ReadAllTextAsync(path));
    }

    [Fact]
    public async Task Strip_reports_a_file_that_is_not_a_notebook()
    {
        using var folder = new TempFolder();
        var path = folder.File("broken.ipynb");
        await File.WriteAllTextAsync(path, "not json");

        var result = await RunnerHost.InvokeAsync("strip", path);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("not valid JSON", result.Output);
    }
}
