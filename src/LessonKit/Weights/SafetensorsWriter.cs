using System.Buffers;
using System.Buffers.Binary;
using System.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Weights;

/// <summary>
/// Writes tensors to a safetensors file laid out exactly as Hugging Face's <c>safetensors</c> library lays it out.
/// </summary>
/// <remarks>
/// The layout, as the reference implementation makes it:
/// <list type="bullet">
/// <item>tensors ordered by dtype, widest alignment first (I64, F64, C64, F32, I32, BF16, F16, I16, I8, U8, BOOL), then by
/// name (byte-wise on UTF-8), their bytes back to back in that order with no gaps;</item>
/// <item>the header is compact JSON (<c>{"__metadata__":{...},"name":{"dtype":"F32","shape":[2,3],"data_offsets":[0,24]},...}</c>)
/// in the same order, <c>__metadata__</c> first and its keys sorted; strings escaped as serde_json escapes them;</item>
/// <item>the header is padded with spaces to a multiple of 8 bytes, so every tensor's data starts 8-byte aligned.</item>
/// </list>
/// The file is written to a temporary file in the same folder, flushed to disk, then renamed over
/// <c>path</c>: a reader never sees half a file, and a failure leaves any earlier file untouched.
/// </remarks>
internal static class SafetensorsWriter
{
    private sealed record PlannedTensor(string Name, byte[] NameUtf8, SafetensorsDType DType, long[] Shape, long ByteLength, Tensor Tensor);

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// Saves <paramref name="tensors"/> to <paramref name="path"/>, each in its own dtype (float32 → F32, float16 → F16,
    /// bfloat16 → BF16, float64 → F64, int64 → I64, int32 → I32, int16 → I16, int8 → I8, uint8 → U8, bool → BOOL,
    /// complex64 → C64). Tensors may live on any device and need not be contiguous; they are not changed.
    /// </summary>
    /// <param name="path">The file to create or replace.</param>
    /// <param name="tensors">Name → tensor. Names must be distinct and not <c>__metadata__</c>.</param>
    /// <param name="metadata">Free-form strings stored in the header's <c>__metadata__</c> (Hugging Face writes <c>format: pt</c>).</param>
    /// <exception cref="ArgumentException">A name is repeated or reserved, a tensor is null, disposed, sparse, or of a type the format cannot hold.</exception>
    public static void Save(string path, IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(tensors);
        SafetensorsFormat.EnsureLittleEndianHost();

        var planned = Plan(tensors);
        byte[] header = BuildHeader(planned, metadata);

        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)!;
        string temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        try
        {
            // bufferSize 0: no FileStream buffer; tensor slices are large and go to the file as they are.
            using (var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                stream.Write(header);
                foreach (var tensor in planned)
                    WriteTensor(stream, tensor);
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, fullPath, overwrite: true);
        }
        catch
        {
            try { File.Delete(temporary); } catch (IOException) { } catch (UnauthorizedAccessException) { }
            throw;
        }
    }

    // Checks every tensor and puts them in the reference implementation's order.
    private static List<PlannedTensor> Plan(IEnumerable<KeyValuePair<string, Tensor>> tensors)
    {
        var planned = new List<PlannedTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, tensor) in tensors)
        {
            if (name is null)
                throw new ArgumentException("A tensor name is null.", nameof(tensors));
            if (name == SafetensorsFormat.MetadataKey)
                throw new ArgumentException($"'{SafetensorsFormat.MetadataKey}' is reserved for the header's metadata; give the tensor another name.", nameof(tensors));
            if (!names.Add(name))
                throw new ArgumentException($"Two tensors are named '{name}'; names in a safetensors file must be distinct.", nameof(tensors));
            if (tensor is null)
                throw new ArgumentException($"Tensor '{name}' is null.", nameof(tensors));
            if (tensor.IsInvalid)
                throw new ArgumentException($"Tensor '{name}' has been disposed.", nameof(tensors));
            if (tensor.is_sparse)
                throw new ArgumentException($"Tensor '{name}' is sparse; safetensors stores dense tensors (call to_dense() first).", nameof(tensors));
            var dtype = SafetensorsDTypes.Find(tensor.dtype)
                ?? throw new ArgumentException($"Tensor '{name}' is {tensor.dtype}, which safetensors cannot store. Storable types: {SafetensorsDTypes.WritableTorchTypes}.", nameof(tensors));
            planned.Add(new PlannedTensor(name, EncodeUtf8(name, "tensor name"), dtype, tensor.shape, tensor.numel() * tensor.element_size(), tensor));
        }
        planned.Sort((a, b) =>
        {
            int byAlignment = b.DType.AlignmentRank.CompareTo(a.DType.AlignmentRank);   // widest first
            return byAlignment != 0 ? byAlignment : a.NameUtf8.AsSpan().SequenceCompareTo(b.NameUtf8);
        });
        return planned;
    }

    // The 8-byte length prefix followed by the space-padded JSON header.
    private static byte[] BuildHeader(List<PlannedTensor> planned, IReadOnlyDictionary<string, string>? metadata)
    {
        var json = new ArrayBufferWriter<byte>();
        Append(json, "{"u8);
        bool first = true;
        if (metadata is not null)
        {
            Append(json, "\"__metadata__\":{"u8);
            var pairs = metadata
                .Select(pair => (Key: EncodeUtf8(pair.Key ?? throw new ArgumentException("A metadata key is null.", nameof(metadata)), "metadata key"),
                                 Value: EncodeUtf8(pair.Value ?? throw new ArgumentException($"Metadata '{pair.Key}' has a null value.", nameof(metadata)), "metadata value")))
                .ToList();
            pairs.Sort((a, b) => a.Key.AsSpan().SequenceCompareTo(b.Key));
            for (int i = 0; i < pairs.Count; i++)
            {
                if (i > 0) Append(json, ","u8);
                AppendString(json, pairs[i].Key);
                Append(json, ":"u8);
                AppendString(json, pairs[i].Value);
            }
            Append(json, "}"u8);
            first = false;
        }

        long offset = 0;
        foreach (var tensor in planned)
        {
            if (!first) Append(json, ","u8);
            first = false;
            AppendString(json, tensor.NameUtf8);
            Append(json, ":{\"dtype\":"u8);
            AppendString(json, Encoding.ASCII.GetBytes(tensor.DType.Name));
            Append(json, $",\"shape\":[{string.Join(",", tensor.Shape)}],\"data_offsets\":[{offset},{offset + tensor.ByteLength}]}}");
            offset += tensor.ByteLength;
        }
        Append(json, "}"u8);

        int padding = (SafetensorsFormat.HeaderAlignment - json.WrittenCount % SafetensorsFormat.HeaderAlignment) % SafetensorsFormat.HeaderAlignment;
        var header = new byte[SafetensorsFormat.LengthPrefixBytes + json.WrittenCount + padding];
        BinaryPrimitives.WriteUInt64LittleEndian(header, (ulong)(json.WrittenCount + padding));
        json.WrittenSpan.CopyTo(header.AsSpan(SafetensorsFormat.LengthPrefixBytes));
        header.AsSpan(SafetensorsFormat.LengthPrefixBytes + json.WrittenCount).Fill((byte)' ');
        return header;
    }

    // Writes one tensor's bytes, through a contiguous CPU copy only when the tensor is not one already.
    private static void WriteTensor(Stream stream, PlannedTensor planned)
    {
        var owned = new List<Tensor>();
        try
        {
            Tensor source = planned.Tensor;
            if (source.IsInvalid)
                throw new ArgumentException($"Tensor '{planned.Name}' was disposed while it was being saved.");
            if (source.device_type != DeviceType.CPU)
                owned.Add(source = source.cpu());
            if (source.is_complex() && source.is_conj())
                owned.Add(source = source.resolve_conj());   // a lazily conjugated view: materialize the conjugate
            if (!source.is_contiguous())
                owned.Add(source = source.contiguous());
            TensorBytes.WriteFrom(stream, source, TensorBytes.DefaultChunkBytes);
        }
        finally
        {
            foreach (var tensor in owned)
                if (!ReferenceEquals(tensor, planned.Tensor))
                    tensor.Dispose();
        }
    }

    // serde_json's escaping: quote, backslash and control characters; everything else as raw UTF-8.
    private static void AppendString(ArrayBufferWriter<byte> json, ReadOnlySpan<byte> utf8)
    {
        Append(json, "\""u8);
        foreach (byte b in utf8)
        {
            switch (b)
            {
                case (byte)'"': Append(json, "\\\""u8); break;
                case (byte)'\\': Append(json, "\\\\"u8); break;
                case (byte)'\b': Append(json, "\\b"u8); break;
                case (byte)'\f': Append(json, "\\f"u8); break;
                case (byte)'\n': Append(json, "\\n"u8); break;
                case (byte)'\r': Append(json, "\\r"u8); break;
                case (byte)'\t': Append(json, "\\t"u8); break;
                case < 0x20: Append(json, $"\\u{b:x4}"); break;
                default: json.GetSpan(1)[0] = b; json.Advance(1); break;
            }
        }
        Append(json, "\""u8);
    }

    private static void Append(ArrayBufferWriter<byte> json, ReadOnlySpan<byte> bytes) => json.Write(bytes);

    private static void Append(ArrayBufferWriter<byte> json, string ascii) => json.Write(Encoding.ASCII.GetBytes(ascii));

    private static byte[] EncodeUtf8(string text, string what)
    {
        try
        {
            return StrictUtf8.GetBytes(text);
        }
        catch (EncoderFallbackException e)
        {
            throw new ArgumentException($"The {what} '{text}' is not valid Unicode text (it holds a lone surrogate) and cannot be stored as UTF-8.", e);
        }
    }
}
