namespace LessonKit.Runner.Tests.Display;

// A stand-in for a library's views: it carries its OWN TypeFormatterSourceAttribute, which the .NET Interactive
// formatter matches by name, and knows nothing about the kernel. Public so notebook cells can use it.

[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = true)]
public sealed class TypeFormatterSourceAttribute(Type formatterSourceType) : Attribute
{
    public Type FormatterSourceType { get; } = formatterSourceType;

    public string[]? PreferredMimeTypes { get; set; }
}

/// <summary>Shows itself as HTML and plain text.</summary>
[TypeFormatterSource(typeof(SwatchFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public class Swatch(string color)
{
    public string Color { get; } = color;

    public override string ToString() => "Swatch.ToString";
}

internal sealed class SwatchFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters()
    {
        yield return new SwatchHtmlFormatter();
        yield return new SwatchTextFormatter();
    }
}

internal sealed class SwatchHtmlFormatter
{
    public string MimeType => "text/html";

    public Type Type => typeof(Swatch);

    public bool Format(object instance, TextWriter writer)
    {
        if (instance is not Swatch swatch) return false;
        writer.Write($"<div style=\"background:{swatch.Color}\">{swatch.Color}</div>");
        return true;
    }
}

internal sealed class SwatchTextFormatter
{
    public string MimeType => "text/plain";

    public bool Format(object instance, TextWriter writer)
    {
        writer.Write($"swatch {((Swatch)instance).Color}");
        return true;
    }
}
