using System.Collections;
using System.Collections.Concurrent;
using System.Globalization;
using System.Text;

namespace LessonKit.Runner.Display;

/// <summary>
/// Turns a value a cell displays (through <c>display(x)</c> or a trailing expression) into notebook outputs, the
/// way the .NET Interactive kernel does for the cases lessons meet:
/// <list type="bullet">
/// <item>a type carrying an attribute named <c>TypeFormatterSourceAttribute</c> (any namespace, matched by name as
/// the kernel does) is formatted by the formatters its source creates, in its <c>PreferredMimeTypes</c> order
/// (text/html when it names none), plus text/plain;</item>
/// <item>strings are text/plain; null is <c>&lt;null&gt;</c>; sequences are <c>[ a, b, c ]</c>;</item>
/// <item>anything else is its <c>ToString()</c> as text/plain (the kernel would draw an HTML table of its properties).</item>
/// </list>
/// </summary>
public static class ValueFormatter
{
    /// <summary>The attribute name the kernel looks for, in any namespace.</summary>
    public const string FormatterSourceAttributeName = "TypeFormatterSourceAttribute";

    /// <summary>How many items of a sequence are written before "... (more)".</summary>
    public const int ListExpansionLimit = 20;

    private static readonly ConcurrentDictionary<Type, FormatterSet> Cache = new();

    /// <summary>Formats <paramref name="value"/> into a MIME bundle.</summary>
    /// <param name="value">The value to show.</param>
    /// <param name="mimeTypes">MIME types the caller asked for (as in <c>display(x, "text/html")</c>); null or empty for the type's preferred ones.</param>
    public static MimeBundle Format(object? value, IReadOnlyList<string>? mimeTypes = null)
    {
        var bundle = new MimeBundle();
        var requested = mimeTypes is { Count: > 0 } ? mimeTypes : null;

        if (value is null)
        {
            return bundle.Add(MimeTypes.PlainText, "<null>");
        }
        if (value is string text)
        {
            foreach (var mimeType in requested ?? [MimeTypes.PlainText]) bundle.Add(mimeType, text);
            return bundle;
        }

        var set = Cache.GetOrAdd(value.GetType(), FormatterSet.For);
        foreach (var mimeType in requested ?? set.PreferredMimeTypes)
        {
            if (set.TryFormat(value, mimeType) is { } formatted) bundle.Add(mimeType, formatted);
        }
        if (requested is null || requested.Contains(MimeTypes.PlainText) || bundle.Items.Count == 0)
        {
            bundle.Add(MimeTypes.PlainText, set.TryFormat(value, MimeTypes.PlainText) ?? ToPlainText(value));
        }
        return bundle;
    }

    /// <summary>The plain-text fallback: sequences as <c>[ a, b, c ]</c>, anything else as <c>ToString()</c>.</summary>
    public static string ToPlainText(object? value)
    {
        switch (value)
        {
            case null:
                return "<null>";
            case string s:
                return s;
            case IFormattable formattable:
                return formattable.ToString(null, CultureInfo.InvariantCulture);
            case IEnumerable sequence:
                var builder = new StringBuilder("[ ");
                var count = 0;
                foreach (var item in sequence)
                {
                    if (count == ListExpansionLimit)
                    {
                        builder.Append(" ... (more)");
                        break;
                    }
                    if (count > 0) builder.Append(", ");
                    builder.Append(ToPlainText(item));
                    count++;
                }
                return builder.Append(" ]").ToString();
            default:
                return value.ToString() ?? value.GetType().FullName ?? "?";
        }
    }

    /// <summary>The convention formatters declared for one runtime type, with its preferred MIME types.</summary>
    private sealed class FormatterSet
    {
        private readonly IReadOnlyList<ConventionFormatter> _formatters;

        private FormatterSet(IReadOnlyList<ConventionFormatter> formatters, IReadOnlyList<string> preferred)
        {
            _formatters = formatters;
            PreferredMimeTypes = preferred;
        }

        public IReadOnlyList<string> PreferredMimeTypes { get; }

        public string? TryFormat(object value, string mimeType)
        {
            foreach (var formatter in _formatters)
            {
                if (formatter.MimeType == mimeType && formatter.Format(value) is { } text) return text;
            }
            return null;
        }

        public static FormatterSet For(Type type)
        {
            var formatters = new List<ConventionFormatter>();
            var preferred = new List<string>();
            // GetCustomAttributes(true) also returns attributes inherited from base classes, as the kernel sees them.
            foreach (var attribute in type.GetCustomAttributes(inherit: true))
            {
                var attributeType = attribute.GetType();
                if (attributeType.Name != FormatterSourceAttributeName) continue;
                if (attributeType.GetProperty("FormatterSourceType")?.GetValue(attribute) is not Type sourceType) continue;
                formatters.AddRange(ConventionFormatter.FromSource(sourceType, type));
                if (attributeType.GetProperty("PreferredMimeTypes")?.GetValue(attribute) is string[] mimeTypes)
                {
                    preferred.AddRange(mimeTypes.Where(m => !string.IsNullOrWhiteSpace(m) && !preferred.Contains(m)));
                }
            }
            if (preferred.Count == 0 && formatters.Count > 0) preferred.Add(MimeTypes.Html);  // the kernel's default
            return new FormatterSet(formatters, preferred);
        }
    }
}
