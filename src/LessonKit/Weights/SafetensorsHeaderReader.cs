using System.Text;
using System.Text.Json;

namespace LessonKit.Weights;

/// <summary>A header entry exactly as the JSON gave it, before its dtype and offsets are checked.</summary>
internal sealed record RawHeaderEntry(string Name, string DType, long[] Shape, long Begin, long End);

/// <summary>
/// Reads a safetensors header's JSON into raw entries and metadata, strictly: the header is an object whose values are
/// tensor entries <c>{"dtype": string, "shape": [int, ...], "data_offsets": [int, int]}</c> plus at most one
/// <c>"__metadata__"</c> object of string values. Anything else (duplicate keys, unknown fields, wrong JSON types,
/// fractions, negative numbers, comments, trailing commas, text after the object) is an <see cref="InvalidDataException"/>
/// that names the file, the tensor and the problem.
/// </summary>
/// <remarks>
/// It streams through the bytes with <see cref="Utf8JsonReader"/>, so a header never becomes a document tree; the
/// nesting limit stops a header of a million <c>[</c> from going deep. Numbers must fit a signed 64-bit integer.
/// </remarks>
internal sealed class SafetensorsHeaderReader
{
    // Deepest legal nesting: root object > entry object > shape array. One spare level so the error for an extra
    // level comes from our type checks ("shape holds an array"), not from the reader's depth limit.
    private const int MaxJsonDepth = 4;

    private readonly string _path;

    private SafetensorsHeaderReader(string path) => _path = path;

    /// <summary>The tensor entries in the order the header lists them, and the metadata (empty when absent).</summary>
    public static (List<RawHeaderEntry> Entries, List<KeyValuePair<string, string>> Metadata) Read(ReadOnlySpan<byte> json, string path)
    {
        var options = new JsonReaderOptions
        {
            MaxDepth = MaxJsonDepth,
            CommentHandling = JsonCommentHandling.Disallow,
            AllowTrailingCommas = false,
        };
        var reader = new Utf8JsonReader(json, options);
        var self = new SafetensorsHeaderReader(path);
        try
        {
            return self.ReadRoot(ref reader);
        }
        catch (JsonException e)
        {
            throw SafetensorsFormat.Invalid(path, $"its header is not valid JSON ({e.Message})", e);
        }
        catch (InvalidOperationException e)
        {
            // Utf8JsonReader.GetString() throws this for escapes that make no valid text, e.g. a lone "\ud800".
            throw SafetensorsFormat.Invalid(path, $"its header holds a string that is not valid text ({e.Message})", e);
        }
    }

    private (List<RawHeaderEntry>, List<KeyValuePair<string, string>>) ReadRoot(ref Utf8JsonReader reader)
    {
        reader.Read();
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid($"its header must be a JSON object, but it is {Describe(reader.TokenType)}");

        var entries = new List<RawHeaderEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        List<KeyValuePair<string, string>>? metadata = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
                break;
            string key = reader.GetString()!;   // the reader guarantees a property name here
            if (!seen.Add(key))
                throw Invalid(key == SafetensorsFormat.MetadataKey
                    ? $"its header has \"{SafetensorsFormat.MetadataKey}\" twice"
                    : $"its header lists tensor '{key}' twice");
            reader.Read();
            if (key == SafetensorsFormat.MetadataKey)
                metadata = ReadMetadata(ref reader);
            else
                entries.Add(ReadEntry(ref reader, key));
        }

        // After the root object only whitespace may follow (the spec pads with spaces): this last Read throws a
        // JsonException ("... is invalid after a single JSON value") for anything else.
        reader.Read();
        return (entries, metadata ?? []);
    }

    private List<KeyValuePair<string, string>> ReadMetadata(ref Utf8JsonReader reader)
    {
        var metadata = new List<KeyValuePair<string, string>>();
        if (reader.TokenType == JsonTokenType.Null)
            return metadata;   // the reference implementation reads null as "no metadata"
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid($"\"{SafetensorsFormat.MetadataKey}\" must be an object of string values, but it is {Describe(reader.TokenType)}");

        var seen = new HashSet<string>(StringComparer.Ordinal);
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
                return metadata;
            string key = reader.GetString()!;
            if (!seen.Add(key))
                throw Invalid($"\"{SafetensorsFormat.MetadataKey}\" has the key '{key}' twice");
            reader.Read();
            if (reader.TokenType != JsonTokenType.String)
                throw Invalid($"\"{SafetensorsFormat.MetadataKey}\" value for '{key}' is {Describe(reader.TokenType)}; metadata values must be strings");
            metadata.Add(new(key, reader.GetString()!));
        }
    }

    private RawHeaderEntry ReadEntry(ref Utf8JsonReader reader, string name)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
            throw Invalid($"tensor '{name}' must be described by an object {{\"dtype\", \"shape\", \"data_offsets\"}}, but its value is {Describe(reader.TokenType)}");

        string? dtype = null;
        long[]? shape = null;
        long[]? offsets = null;
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndObject)
                break;
            string field = reader.GetString()!;
            reader.Read();
            switch (field)
            {
                case "dtype":
                    if (dtype is not null)
                        throw Invalid($"tensor '{name}' gives \"dtype\" twice");
                    if (reader.TokenType != JsonTokenType.String)
                        throw Invalid($"tensor '{name}' has a dtype that is {Describe(reader.TokenType)}, not a string such as \"F32\"");
                    dtype = reader.GetString()!;
                    break;
                case "shape":
                    if (shape is not null)
                        throw Invalid($"tensor '{name}' gives \"shape\" twice");
                    shape = ReadIntegers(ref reader, name, "shape", "its size", SafetensorsFormat.MaxRank);
                    break;
                case "data_offsets":
                    if (offsets is not null)
                        throw Invalid($"tensor '{name}' gives \"data_offsets\" twice");
                    offsets = ReadIntegers(ref reader, name, "data_offsets", "its data offset", maxCount: 2);
                    if (offsets.Length != 2)
                        throw Invalid($"tensor '{name}' has {offsets.Length} data_offsets; it needs exactly two, [begin, end]");
                    break;
                default:
                    throw Invalid($"tensor '{name}' has an unexpected field '{field}'; an entry holds only dtype, shape and data_offsets");
            }
        }

        var missing = new List<string>();
        if (dtype is null) missing.Add("dtype");
        if (shape is null) missing.Add("shape");
        if (offsets is null) missing.Add("data_offsets");
        if (missing.Count > 0)
            throw Invalid($"tensor '{name}' is missing {string.Join(" and ", missing)} (every entry needs dtype, shape and data_offsets)");

        return new RawHeaderEntry(name, dtype!, shape!, offsets![0], offsets[1]);
    }

    // An array of non-negative whole numbers, at most `maxCount` long (checked while reading, so a huge array is
    // refused before it is stored).
    private long[] ReadIntegers(ref Utf8JsonReader reader, string name, string field, string what, int maxCount)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
            throw Invalid($"tensor '{name}' has a {field} that is {Describe(reader.TokenType)}, not an array of whole numbers");
        var values = new List<long>();
        while (true)
        {
            reader.Read();
            if (reader.TokenType == JsonTokenType.EndArray)
                return values.ToArray();
            if (values.Count == maxCount)
                throw Invalid(field == "shape"
                    ? $"tensor '{name}' has more than {maxCount} dimensions, more than this reader accepts"
                    : $"tensor '{name}' has more than {maxCount} {field}; it needs exactly two, [begin, end]");
            if (reader.TokenType != JsonTokenType.Number)
                throw Invalid($"tensor '{name}' has a {field} holding {Describe(reader.TokenType)}; it must hold whole numbers");
            if (!reader.TryGetInt64(out long value))
            {
                string text = Shorten(Encoding.UTF8.GetString(reader.ValueSpan));
                throw Invalid(text.AsSpan().IndexOfAny(".eE") >= 0
                    ? $"tensor '{name}' has {what} {text} in {field}, which is not a whole number"
                    : $"tensor '{name}' has {what} {text} in {field}, which is larger than 2^63 − 1");
            }
            if (value < 0)
                throw Invalid(field == "shape"
                    ? $"tensor '{name}' has a negative dimension {value} in its shape"
                    : $"tensor '{name}' has a negative data offset {value}");
            values.Add(value);
        }
    }

    private InvalidDataException Invalid(string problem) => SafetensorsFormat.Invalid(_path, problem);

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Describe(JsonTokenType token) => token switch
    {
        JsonTokenType.StartObject => "an object",
        JsonTokenType.StartArray => "an array",
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => token.ToString(),
    };
}
