namespace LessonKit.Display.Formatting;

/// <summary>
/// Tells a notebook kernel how to display a type, without LessonKit depending on the kernel's packages.
/// </summary>
/// <remarks>
/// .NET Interactive's formatter looks through a displayed object's attributes (inherited ones too) for one whose
/// type is NAMED <c>TypeFormatterSourceAttribute</c>, whatever its namespace or assembly. It reads the attribute's
/// <see cref="FormatterSourceType"/> and <see cref="PreferredMimeTypes"/> properties by reflection, creates the
/// source with its public parameterless constructor, calls its public <c>CreateTypeFormatters()</c>, and for each
/// formatter reads <c>MimeType</c> (string) and <c>Type</c> (the type it formats) and calls
/// <c>bool Format(object instance, TextWriter writer)</c>. LessonKit's headless notebook runner does the same.
/// Keep the name and these member names exactly as they are.
/// </remarks>
[AttributeUsage(AttributeTargets.Class | AttributeTargets.Struct, AllowMultiple = true, Inherited = true)]
public sealed class TypeFormatterSourceAttribute : Attribute
{
    /// <summary>Names the type whose <c>CreateTypeFormatters()</c> makes the formatters.</summary>
    public TypeFormatterSourceAttribute(Type formatterSourceType)
    {
        ArgumentNullException.ThrowIfNull(formatterSourceType);
        FormatterSourceType = formatterSourceType;
    }

    /// <summary>The formatter source: a class with a public parameterless constructor and <c>CreateTypeFormatters()</c>.</summary>
    public Type FormatterSourceType { get; }

    /// <summary>The MIME types the kernel should produce for the type, preferred first (<c>text/html</c>, <c>text/plain</c>).</summary>
    public string[]? PreferredMimeTypes { get; set; }
}
