namespace LessonKit.Runner.Tests.Display;

// Stand-ins for a library's views: they carry their OWN TypeFormatterSourceAttribute (matched by name, as the
// .NET Interactive kernel does) and know nothing about the runner. Public so notebook cells can use them.

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

/// <summary>Inherits its base class's formatter attribute.</summary>
public sealed class BigSwatch(string color) : Swatch(color);

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

/// <summary>Names no preferred MIME types: the kernel's default, text/html, applies.</summary>
[TypeFormatterSource(typeof(BadgeFormatterSource))]
public sealed class Badge
{
    public bool Decline { get; init; }
}

internal sealed class BadgeFormatterSource
{
    public IEnumerable<object> CreateTypeFormatters() => [new BadgeHtmlFormatter(), new NotAFormatter()];
}

internal sealed class BadgeHtmlFormatter
{
    public string MimeType => "text/html";

    public bool Format(object instance, TextWriter writer)
    {
        if (((Badge)instance).Decline) return false;
        writer.Write("<b>badge</b>");
        return true;
    }
}

/// <summary>Lacks a Format method: ignored, as the kernel ignores it.</summary>
internal sealed class NotAFormatter
{
    public string MimeType => "text/html";
}

/// <summary>Its formatter source cannot be created.</summary>
[TypeFormatterSource(typeof(BrokenFormatterSource))]
public sealed class Broken;

internal sealed class BrokenFormatterSource(int required)
{
    public IEnumerable<object> CreateTypeFormatters() => [required];
}
