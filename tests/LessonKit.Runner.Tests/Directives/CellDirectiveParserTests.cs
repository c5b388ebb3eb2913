using LessonKit.Runner.Directives;

namespace LessonKit.Runner.Tests.Directives;

public class CellDirectiveParserTests
{
    [Fact]
    public void Reads_nuget_and_file_references_with_their_lines()
    {
        var parsed = CellDirectiveParser.Parse("#r \"nuget: TorchSharp-cpu, 0.107.0\"\n#r \"../src/bin/LessonKit.dll\"\nvar x = 1;");

        Assert.Empty(parsed.Problems);
        Assert.Equal(
            [new NuGetReference("TorchSharp-cpu", "0.107.0", 1), new AssemblyFileReference("../src/bin/LessonKit.dll", 2)],
            parsed.References);
    }

    [Fact]
    public void Blanks_directive_lines_so_code_keeps_the_cell_line_numbers()
    {
        var parsed = CellDirectiveParser.Parse("#r \"nuget: Markdig, 1.6.0\"\n\nvar x = 1;\nx");

        var segment = Assert.Single(parsed.Segments);
        Assert.Equal(CellKernel.CSharp, segment.Kernel);
        Assert.Equal(["", "", "var x = 1;", "x"], segment.Code.Split('\n'));
    }

    [Fact]
    public void Splits_csharp_and_markdown_segments_and_pads_later_csharp_to_its_cell_line()
    {
        var parsed = CellDirectiveParser.Parse("var a = 1;\n#!markdown\n# Title\n#!csharp\nvar b = 2;");

        Assert.Empty(parsed.Problems);
        Assert.Collection(parsed.Segments,
            s => Assert.Equal((CellKernel.CSharp, "var a = 1;", 1), (s.Kernel, s.Code, s.FirstLine)),
            s => Assert.Equal((CellKernel.Markdown, "# Title", 3), (s.Kernel, s.Code, s.FirstLine)),
            s =>
            {
                Assert.Equal(CellKernel.CSharp, s.Kernel);
                Assert.Equal(5, s.FirstLine);
                Assert.Equal(["", "", "", "", "var b = 2;"], s.Code.Split('\n'));   // line 5 stays line 5
            });
    }

    [Fact]
    public void Does_not_read_directives_inside_markdown()
    {
        var parsed = CellDirectiveParser.Parse("# heading", CellKernel.Markdown);

        Assert.Empty(parsed.Problems);
        Assert.Equal("# heading", Assert.Single(parsed.Segments).Code);
    }

    [Theory]
    [InlineData("#!time", "magic command")]
    [InlineData("#!fsharp", "F# kernel")]
    [InlineData("#!pwsh", "PowerShell kernel")]
    [InlineData("#i \"nuget: https://example.org/v3/index.json\"", "package source")]
    [InlineData("#load \"helpers.csx\"", "loads a script")]
    public void Refuses_magic_commands_outside_the_lesson_subset(string line, string expected)
    {
        var parsed = CellDirectiveParser.Parse($"var x = 1;\n{line}\nx");

        var problem = Assert.Single(parsed.Problems);
        Assert.Equal(2, problem.Line);
        Assert.Contains(expected, problem.Message);
        Assert.Contains("real .NET Interactive kernel may support it", problem.Message);
    }

    [Theory]
    [InlineData("#r \"nuget: Markdig\"", "does not pin a version")]
    [InlineData("#r \"nuget: Markdig, 1.*\"", "not an exact version")]
    [InlineData("#r \"nuget: Markdig, [1.0,2.0)\"", "nuget: Name, Version")]
    [InlineData("#r \"System.Xml\"", "by file only")]
    [InlineData("#r System.Xml.dll", "not a reference the runner understands")]
    public void Explains_malformed_references(string line, string expected)
    {
        var problem = Assert.Single(CellDirectiveParser.Parse(line).Problems);

        Assert.Equal(1, problem.Line);
        Assert.Contains(expected, problem.Message);
    }

    [Fact]
    public void Leaves_csharp_preprocessor_directives_to_the_compiler()
    {
        var parsed = CellDirectiveParser.Parse("#nullable enable\n#pragma warning disable CS0168\n#region x\nint y;\n#endregion");

        Assert.Empty(parsed.Problems);
        Assert.Empty(parsed.References);
        Assert.Contains("#nullable enable", parsed.Segments[0].Code);
        Assert.Contains("#region x", parsed.Segments[0].Code);
    }

    [Fact]
    public void Handles_windows_line_endings_and_indentation()
    {
        var parsed = CellDirectiveParser.Parse("  #r \"nuget: Markdig, 1.6.0\"\r\nvar x = 1;\r\n");

        Assert.Empty(parsed.Problems);
        Assert.Equal(new NuGetReference("Markdig", "1.6.0", 1), Assert.Single(parsed.References));
    }

    [Fact]
    public void A_cell_of_only_directives_has_nothing_to_run()
    {
        var parsed = CellDirectiveParser.Parse("#r \"nuget: Markdig, 1.6.0\"\n");

        Assert.Empty(parsed.Segments);
        Assert.Single(parsed.References);
    }
}
