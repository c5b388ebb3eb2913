using System.Collections;
using System.Reflection;

namespace LessonKit.Runner.Display;

/// <summary>
/// One formatter found through .NET Interactive's convention: an object with <c>string MimeType</c>, optionally
/// <c>Type Type</c>, and <c>bool Format(object instance, TextWriter writer)</c>, created by a formatter source's
/// <c>CreateTypeFormatters()</c>. Called through reflection, so the library that declares it needs no reference
/// to .NET Interactive (nor to this runner).
/// </summary>
internal sealed class ConventionFormatter
{
    private readonly object _formatter;
    private readonly MethodInfo _format;

    private ConventionFormatter(object formatter, MethodInfo format, string mimeType, Type? appliesTo)
    {
        _formatter = formatter;
        _format = format;
        MimeType = mimeType;
        AppliesTo = appliesTo;
    }

    /// <summary>The MIME type the formatter writes.</summary>
    public string MimeType { get; }

    /// <summary>The type the formatter declares it formats, or null when it does not say (then it is tried on the attributed type).</summary>
    public Type? AppliesTo { get; }

    /// <summary>Formats <paramref name="value"/>; returns null when the formatter declines (returns false).</summary>
    public string? Format(object value)
    {
        if (AppliesTo is not null && !AppliesTo.IsInstanceOfType(value)) return null;
        using var writer = new StringWriter();
        try
        {
            return _format.Invoke(_formatter, [value, writer]) is true ? writer.ToString() : null;
        }
        catch (TargetInvocationException e) when (e.InnerException is not null)
        {
            // Surface the formatter's own exception, not the reflection wrapper.
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e.InnerException).Throw();
            throw;
        }
    }

    /// <summary>
    /// Builds the formatters a source type provides: instantiates it, calls <c>CreateTypeFormatters()</c> and
    /// keeps each returned object that has a string <c>MimeType</c> and a <c>Format(object, TextWriter)</c> method.
    /// </summary>
    /// <exception cref="InvalidOperationException">The source cannot be created or has no CreateTypeFormatters().</exception>
    public static IReadOnlyList<ConventionFormatter> FromSource(Type sourceType, Type attributedType)
    {
        object source;
        try
        {
            source = Activator.CreateInstance(sourceType, nonPublic: true)
                ?? throw new InvalidOperationException("Activator returned null");
        }
        catch (Exception e) when (e is MissingMethodException or TargetInvocationException or MemberAccessException)
        {
            throw new InvalidOperationException(
                $"The formatter source {sourceType.FullName} named by [TypeFormatterSource] on {attributedType.FullName} " +
                $"cannot be created: it needs a parameterless constructor. ({e.GetBaseException().Message})", e);
        }

        var create = sourceType.GetMethod("CreateTypeFormatters", BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic, Type.EmptyTypes)
            ?? throw new InvalidOperationException(
                $"The formatter source {sourceType.FullName} named by [TypeFormatterSource] on {attributedType.FullName} " +
                "has no CreateTypeFormatters() method.");

        var formatters = new List<ConventionFormatter>();
        if (create.Invoke(source, null) is not IEnumerable created) return formatters;
        foreach (var candidate in created)
        {
            if (candidate is null) continue;
            var type = candidate.GetType();
            var mimeType = type.GetProperty("MimeType")?.GetValue(candidate) as string;
            var format = type.GetMethod("Format", [typeof(object), typeof(TextWriter)]);
            if (string.IsNullOrWhiteSpace(mimeType) || format is null || format.ReturnType != typeof(bool)) continue;
            var appliesTo = type.GetProperty("Type")?.GetValue(candidate) as Type;
            formatters.Add(new ConventionFormatter(candidate, format, mimeType, appliesTo));
        }
        return formatters;
    }
}
