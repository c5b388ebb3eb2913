using System.Text;

namespace LessonKit.Weights;

/// <summary>A checked tensor entry: its dtype is known and its offsets hold exactly its bytes, inside the data area.</summary>
internal sealed record TensorLayout(string Name, SafetensorsDType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;

    /// <summary>The public view of this entry, with its own copy of the shape.</summary>
    public SafetensorsEntry ToEntry() => new(Name, DType.Name, (long[])Shape.Clone(), Begin, End);
}

/// <summary>
/// A safetensors header that passed every check: tensors ordered by where their bytes lie, and the metadata.
/// </summary>
/// <remarks>
/// What <see cref="Parse"/> accepts, beyond well-formed JSON (see <see cref="SafetensorsHeaderReader"/>):
/// <list type="bullet">
/// <item>the header is valid UTF-8 and starts with <c>{</c> (the spec's rule; trailing spaces are padding);</item>
/// <item>every dtype is one the format defines;</item>
/// <item>a shape's sizes multiply (counting zeros as one, so libtorch's strides cannot overflow either) and its byte
/// size, elements × bits / 8, fit a signed 64-bit integer and fill whole bytes;</item>
/// <item>end − begin equals that byte size, and begin ≤ end;</item>
/// <item>the tensors tile the data area exactly, like the reference implementation requires: sorted by offset they
/// start at 0, each begins where the previous ends (no overlap, no hole), and the last ends where the file does. A
/// hole or a tail could hide bytes no tensor accounts for (a second file riding along in the first, a polyglot), so
/// they are refused rather than ignored.</item>
/// </list>
/// Because every tensor must lie inside the data area, nothing a header says can make a reader allocate more than
/// the file holds.
/// </remarks>
internal sealed class SafetensorsHeader
{
    private SafetensorsHeader(OrderedDictionary<string, TensorLayout> tensors, OrderedDictionary<string, string> metadata)
    {
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The tensors by name, ordered by data offset.</summary>
    public OrderedDictionary<string, TensorLayout> Tensors { get; }

    /// <summary>The <c>__metadata__</c> pairs in header order (empty when the header has none).</summary>
    public OrderedDictionary<string, string> Metadata { get; }

    /// <summary>Checks and parses the header bytes of <paramref name="path"/>, whose data area is <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> header, long dataLength, string path)
    {
        if (header.IsEmpty)
            throw SafetensorsFormat.Invalid(path, "its header is empty (header length 0); it must hold a JSON object");
        if (!System.Text.Unicode.Utf8.IsValid(header))
            throw SafetensorsFormat.Invalid(path, $"its header is not valid UTF-8 text (the first bad byte is at header offset {FirstInvalidUtf8(header)})");
        if (header[0] != (byte)'{')
            throw SafetensorsFormat.Invalid(path, $"its header must be a JSON object starting with '{{', but it starts with {DescribeFirstCharacter(header)}");

        var (rawEntries, rawMetadata) = SafetensorsHeaderReader.Read(header, path);

        var checkedEntries = rawEntries.Select(raw => CheckEntry(raw, path)).ToList();
        CheckTiling(checkedEntries, dataLength, path);

        var tensors = new OrderedDictionary<string, TensorLayout>(checkedEntries.Count, StringComparer.Ordinal);
        foreach (var entry in checkedEntries.OrderBy(e => e.Begin).ThenBy(e => e.End))
            tensors.Add(entry.Name, entry);
        var metadata = new OrderedDictionary<string, string>(rawMetadata, StringComparer.Ordinal);
        return new SafetensorsHeader(tensors, metadata);
    }

    // Dtype known, shape's byte size computable, offsets consistent with it.
    private static TensorLayout CheckEntry(RawHeaderEntry raw, string path)
    {
        var dtype = SafetensorsDTypes.Find(raw.DType)
            ?? throw SafetensorsFormat.Invalid(path, $"tensor '{raw.Name}' has unknown dtype '{raw.DType}'. Known dtypes: {SafetensorsDTypes.KnownNames}.");
        string shapeText = $"[{string.Join(", ", raw.Shape)}]";

        // capacity = product of max(size, 1). If it fits in a long, so does the element count, and so does every
        // stride libtorch computes for this shape (a zero-sized dimension does not protect those from overflow).
        long capacity = 1;
        bool hasZero = false;
        foreach (long size in raw.Shape)
        {
            if (size == 0) { hasZero = true; continue; }
            if (capacity > long.MaxValue / size)
                throw SafetensorsFormat.Invalid(path, $"tensor '{raw.Name}' has shape {shapeText}, whose element count overflows a 64-bit integer");
            capacity *= size;
        }
        long elements = hasZero ? 0 : capacity;
        if (elements > long.MaxValue / dtype.Bits)
            throw SafetensorsFormat.Invalid(path, $"tensor '{raw.Name}' has shape {shapeText} of {dtype.Name}, whose size in bits overflows a 64-bit integer");
        long bits = elements * dtype.Bits;
        if (bits % 8 != 0)
            throw SafetensorsFormat.Invalid(path, $"tensor '{raw.Name}' ({elements} elements of {dtype.Bits}-bit {dtype.Name}) does not fill a whole number of bytes");
        long bytes = bits / 8;

        if (raw.Begin > raw.End)
            throw SafetensorsFormat.Invalid(path, $"tensor '{raw.Name}' has data_offsets [{raw.Begin}, {raw.End}]: begin is after end");
        if (raw.End - raw.Begin != bytes)
            throw SafetensorsFormat.Invalid(path,
                $"tensor '{raw.Name}' is {dtype.Name} {shapeText}, which takes {bytes} bytes, but its data_offsets [{raw.Begin}, {raw.End}] span {raw.End - raw.Begin} bytes");
        return new TensorLayout(raw.Name, dtype, raw.Shape, raw.Begin, raw.End);
    }

    // The tensors, sorted by offset, must cover [0, dataLength) exactly once.
    private static void CheckTiling(List<TensorLayout> entries, long dataLength, string path)
    {
        TensorLayout? farthest = entries.Count == 0 ? null : entries.MaxBy(e => e.End);
        if (farthest is not null && farthest.End > dataLength)
            throw SafetensorsFormat.Invalid(path,
                $"tensor '{farthest.Name}' needs data bytes [{farthest.Begin}, {farthest.End}), but only {dataLength} bytes of data follow the header: " +
                "the file is truncated, or its header points outside it");

        long next = 0;                  // the first data byte no tensor has claimed yet
        TensorLayout? previous = null;  // the tensor that ends at `next`
        foreach (var entry in entries.OrderBy(e => e.Begin).ThenBy(e => e.End).ThenBy(e => e.Name, StringComparer.Ordinal))
        {
            if (entry.Begin < next)
                throw SafetensorsFormat.Invalid(path,
                    $"tensors '{previous!.Name}' (data bytes [{previous.Begin}, {previous.End})) and '{entry.Name}' (data bytes [{entry.Begin}, {entry.End})) overlap");
            if (entry.Begin > next)
                throw SafetensorsFormat.Invalid(path,
                    $"data bytes [{next}, {entry.Begin}) belong to no tensor ({(previous is null ? "before" : $"between '{previous.Name}' and")} '{entry.Name}'); " +
                    "the format requires tensors to cover the data area without holes");
            previous = entry;
            next = entry.End;
        }
        if (next < dataLength)
            throw SafetensorsFormat.Invalid(path,
                $"{dataLength - next} bytes follow the last tensor's data ({(previous is null ? "the header lists no tensors" : $"'{previous.Name}' ends at data byte {next}")}, " +
                $"the data area is {dataLength} bytes); the format requires the file to end where the last tensor does");
    }

    private static int FirstInvalidUtf8(ReadOnlySpan<byte> bytes)
    {
        int offset = 0;
        while (offset < bytes.Length)
        {
            if (Rune.DecodeFromUtf8(bytes[offset..], out _, out int consumed) != System.Buffers.OperationStatus.Done)
                return offset;
            offset += consumed;
        }
        return -1;   // unreachable: only called on invalid input
    }

    private static string DescribeFirstCharacter(ReadOnlySpan<byte> header)
    {
        byte first = header[0];
        return first is >= 0x21 and < 0x7F ? $"'{(char)first}'" : $"byte 0x{first:X2}";
    }
}
