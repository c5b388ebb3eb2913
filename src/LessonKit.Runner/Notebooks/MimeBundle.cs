namespace LessonKit.Runner.Notebooks;

/// <summary>
/// One displayed value in several representations (MIME type to text), in the order they were produced:
/// what nbformat stores as the <c>data</c> of a display_data or execute_result output.
/// </summary>
public sealed class MimeBundle
{
    private readonly List<KeyValuePair<string, string>> _items = [];

    /// <summary>The representations, in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> Items => _items;

    /// <summary>The text for <paramref name="mimeType"/>, or null.</summary>
    public string? this[string mimeType] =>
        _items.FirstOrDefault(i => i.Key == mimeType) is { Key: not null } item ? item.Value : null;

    /// <summary>True when a representation for <paramref name="mimeType"/> is present.</summary>
    public bool Contains(string mimeType) => _items.Any(i => i.Key == mimeType);

    /// <summary>Adds a representation unless one for that MIME type is already present.</summary>
    public MimeBundle Add(string mimeType, string value)
    {
        if (!Contains(mimeType)) _items.Add(new(mimeType, value));
        return this;
    }
}
