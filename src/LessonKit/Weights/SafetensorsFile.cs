using System.Buffers.Binary;
using System.Collections.ObjectModel;
using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Weights;

/// <summary>
/// An open safetensors file (the format Hugging Face ships weights in): its checked header, and tensors loaded one at
/// a time straight from disk into tensor memory.
/// </summary>
/// <remarks>
/// <para>
/// <see cref="Open"/> reads and checks only the header; every tensor's bytes are then guaranteed to lie inside the
/// file, so a hostile header cannot make <see cref="Load(string, ScalarType?, Device?)"/> allocate more than the file holds. Every problem with the
/// file is an <see cref="InvalidDataException"/> whose message names the file, the tensor and what is wrong.
/// Following the reference implementation, the tensors must tile the data area exactly (no overlaps, no holes, nothing
/// after the last tensor): bytes no tensor accounts for are refused, not ignored.
/// </para>
/// <para>
/// The file stays open (shared for reading and deleting, so it can be replaced meanwhile) until
/// <see cref="Dispose"/>. <see cref="Load(string, ScalarType?, Device?)"/> reads at explicit offsets, so several threads may load at once.
/// </para>
/// <example>
/// <code>
/// using var file = SafetensorsFile.Open("model.safetensors");
/// foreach (var entry in file.Entries.Values) Console.WriteLine(entry);   // wte.weight: F32 [50257, 768], ...
/// using Tensor wte = file.Load("wte.weight");                             // float32 [50257, 768]
/// </code>
/// </example>
/// </remarks>
internal sealed class SafetensorsFile : IDisposable
{
    private readonly SafeFileHandle _file;
    private readonly long _dataStart;                                  // file offset of data byte 0
    private readonly OrderedDictionary<string, TensorLayout> _tensors; // our own copy: callers cannot change it

    private SafetensorsFile(string path, SafeFileHandle file, long dataStart, SafetensorsHeader header)
    {
        Path = path;
        _file = file;
        _dataStart = dataStart;
        _tensors = header.Tensors;
        var entries = new OrderedDictionary<string, SafetensorsEntry>(_tensors.Count, StringComparer.Ordinal);
        foreach (var (name, layout) in _tensors)
            entries.Add(name, layout.ToEntry());
        Entries = new ReadOnlyDictionary<string, SafetensorsEntry>(entries);
        Metadata = new ReadOnlyDictionary<string, string>(header.Metadata);
    }

    /// <summary>The full path of the file.</summary>
    public string Path { get; }

    /// <summary>Every tensor in the file by name, in the order their bytes lie in the file.</summary>
    public IReadOnlyDictionary<string, SafetensorsEntry> Entries { get; }

    /// <summary>The header's <c>__metadata__</c> strings (e.g. <c>format: pt</c>); empty when it has none.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>
    /// Opens <paramref name="path"/> and reads and checks its header; tensor bytes are read later, by <see cref="Load(string, ScalarType?, Device?)"/>.
    /// </summary>
    /// <exception cref="InvalidDataException">The file is not a valid safetensors file; the message says why.</exception>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        SafetensorsFormat.EnsureLittleEndianHost();
        string fullPath = System.IO.Path.GetFullPath(path);
        var file = File.OpenHandle(fullPath, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, FileOptions.RandomAccess);
        try
        {
            long fileLength = RandomAccess.GetLength(file);
            if (fileLength < SafetensorsFormat.LengthPrefixBytes)
                throw SafetensorsFormat.Invalid(fullPath,
                    $"it is {fileLength} bytes long, shorter than the {SafetensorsFormat.LengthPrefixBytes}-byte header length every safetensors file starts with");

            Span<byte> prefix = stackalloc byte[SafetensorsFormat.LengthPrefixBytes];
            ReadExactly(file, prefix, 0, fullPath);
            ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
            if (headerLength > SafetensorsFormat.MaxHeaderBytes)
                throw SafetensorsFormat.Invalid(fullPath,
                    $"its first 8 bytes give a header length of {headerLength} bytes, beyond the format's limit of {SafetensorsFormat.MaxHeaderBytes} bytes");
            long room = fileLength - SafetensorsFormat.LengthPrefixBytes;
            if ((long)headerLength > room)
                throw SafetensorsFormat.Invalid(fullPath,
                    $"its first 8 bytes give a header length of {headerLength} bytes, but only {room} bytes follow them (the file is {fileLength} bytes); it is truncated or not a safetensors file");

            var headerBytes = new byte[headerLength];
            ReadExactly(file, headerBytes, SafetensorsFormat.LengthPrefixBytes, fullPath);
            long dataStart = SafetensorsFormat.LengthPrefixBytes + (long)headerLength;
            var header = SafetensorsHeader.Parse(headerBytes, fileLength - dataStart, fullPath);
            return new SafetensorsFile(fullPath, file, dataStart, header);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads the tensor <paramref name="name"/> from the file into a new tensor, which the caller owns (dispose it).
    /// </summary>
    /// <param name="name">A key of <see cref="Entries"/>.</param>
    /// <param name="dtype">
    /// The type to give floating-point tensors (stored as <c>F16</c>, <c>BF16</c>, <c>F32</c> or <c>F64</c>): float32
    /// unless asked otherwise, since the model computes in float32; <c>null</c> keeps the stored type. It must be a
    /// floating-point type. Integer, boolean and complex tensors always keep their stored type (<c>I64</c> → int64,
    /// <c>BOOL</c> → bool, <c>C64</c> → complex64, ...), whatever <paramref name="dtype"/> says.
    /// </param>
    /// <param name="device">Where the result lives; the CPU when null.</param>
    /// <remarks>
    /// The bytes go from the file straight into the result's memory: no managed copy, and each byte is read once. A
    /// type conversion (say F16 → float32) reads through one staging tensor of at most 64 MB of the stored type.
    /// </remarks>
    /// <exception cref="InvalidDataException">
    /// The file has no tensor <paramref name="name"/> (the message suggests close names), or its bytes cannot be read
    /// as promised (the file shrank since it was opened, a BOOL tensor holds a byte other than 0 or 1).
    /// </exception>
    /// <exception cref="NotSupportedException">The tensor's dtype has no TorchSharp equivalent (U16, U32, U64, F8_*, F6_*, F4).</exception>
    /// <exception cref="ArgumentException"><paramref name="dtype"/> is not a floating-point type.</exception>
    public Tensor Load(string name, ScalarType? dtype = ScalarType.Float32, Device? device = null) =>
        Load(name, dtype, device, TensorBytes.DefaultChunkBytes);

    /// <summary><see cref="Load(string, ScalarType?, Device?)"/> reading at most <paramref name="chunkBytes"/> per slice (tests use tiny slices).</summary>
    internal Tensor Load(string name, ScalarType? dtype, Device? device, long chunkBytes)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        ArgumentNullException.ThrowIfNull(name);
        if (dtype is ScalarType requested && !torch.is_floating_point(requested))
            throw new ArgumentException(
                $"dtype {requested} is not a floating-point type. Pass Float32, Float16, BFloat16 or Float64 (it applies to floating-point tensors), " +
                "or null to keep each tensor's stored type.", nameof(dtype));
        if (!_tensors.TryGetValue(name, out var layout))
            throw MissingTensor(name);
        if (layout.DType.TorchType is not ScalarType storedType)
            throw new NotSupportedException(
                $"'{Path}': tensor '{name}' is stored as {layout.DType.Name}, which TorchSharp has no type for. Loadable dtypes: {SafetensorsDTypes.LoadableNames}.");

        ScalarType resultType = layout.DType.IsFloatingPoint && dtype is ScalarType floatType ? floatType : storedType;
        long fileOffset = _dataStart + layout.Begin;
        Func<long, Exception> endOfFile = offset => SafetensorsFormat.Invalid(Path,
            $"the file ended at byte {offset} while reading tensor '{name}' (file bytes [{fileOffset}, {_dataStart + layout.End})); it has changed since it was opened");

        var result = torch.empty(layout.Shape, resultType, torch.CPU);   // shape as the header gives it
        try
        {
            if (resultType == storedType)
                TensorBytes.ReadInto(_file, fileOffset, result, chunkBytes, endOfFile);
            else
                TensorBytes.ReadStaged(_file, fileOffset, storedType, layout.DType.Bits / 8, result, chunkBytes, endOfFile);

            if (storedType == ScalarType.Bool)
                CheckBooleans(result, name);
            if (device is null || device.type == DeviceType.CPU)
                return result;
            var moved = result.to(device);
            result.Dispose();
            return moved;
        }
        catch
        {
            result.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads floating-point tensor <paramref name="name"/> straight into <paramref name="destination"/> (a CPU tensor of
    /// the same shape and a floating-point type), converting F16/BF16 on the way: the model's parameters are filled
    /// with no temporary copy of the whole tensor. A contiguous destination of the stored type gets the bytes
    /// directly; any other (another type, or a strided view such as a Conv1D weight) through a small staging tensor.
    /// Other destinations go through <see cref="Load(string, ScalarType?, Device?)"/>.
    /// </summary>
    internal void LoadInto(string name, Tensor destination)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        if (!_tensors.TryGetValue(name, out var layout))
            throw MissingTensor(name);
        if (!layout.Shape.SequenceEqual(destination.shape))
            throw new ArgumentException($"'{Path}': tensor '{name}' has shape [{string.Join(", ", layout.Shape)}], the destination [{string.Join(", ", destination.shape)}].");
        bool direct = layout.DType.IsFloatingPoint && layout.DType.TorchType is ScalarType && destination.device_type == DeviceType.CPU
            && torch.is_floating_point(destination.dtype);
        if (!direct)
        {
            using var loaded = Load(name, destination.dtype, destination.device);
            destination.copy_(loaded);
            return;
        }
        ScalarType storedType = layout.DType.TorchType!.Value;
        long fileOffset = _dataStart + layout.Begin;
        Func<long, Exception> endOfFile = offset => SafetensorsFormat.Invalid(Path,
            $"the file ended at byte {offset} while reading tensor '{name}' (file bytes [{fileOffset}, {_dataStart + layout.End})); it has changed since it was opened");
        if (destination.dtype == storedType && destination.is_contiguous())
            TensorBytes.ReadInto(_file, fileOffset, destination, TensorBytes.DefaultChunkBytes, endOfFile);
        else
            TensorBytes.ReadStaged(_file, fileOffset, storedType, layout.DType.Bits / 8, destination, StagingChunkBytes, endOfFile);
    }

    /// <summary>
    /// Whether two tensors of the file hold the same bytes (same dtype and shape too), compared a slice at a time so
    /// that no copy of either is made: how a loader checks that a duplicate (a tied <c>lm_head.weight</c>) is one.
    /// </summary>
    internal bool SameBytes(string first, string second)
    {
        ObjectDisposedException.ThrowIf(_file.IsClosed, this);
        if (!_tensors.TryGetValue(first, out var a)) throw MissingTensor(first);
        if (!_tensors.TryGetValue(second, out var b)) throw MissingTensor(second);
        if (a.DType != b.DType || !a.Shape.SequenceEqual(b.Shape)) return false;
        var left = new byte[StagingChunkBytes];
        var right = new byte[StagingChunkBytes];
        for (long done = 0, length = a.End - a.Begin; done < length;)
        {
            int count = (int)Math.Min(StagingChunkBytes, length - done);
            TensorBytes.ReadExactly(_file, left.AsSpan(0, count), _dataStart + a.Begin + done, EndOfFile(first));
            TensorBytes.ReadExactly(_file, right.AsSpan(0, count), _dataStart + b.Begin + done, EndOfFile(second));
            if (!left.AsSpan(0, count).SequenceEqual(right.AsSpan(0, count))) return false;
            done += count;
        }
        return true;
    }

    private Func<long, Exception> EndOfFile(string name) => offset =>
        SafetensorsFormat.Invalid(Path, $"the file ended at byte {offset} while reading tensor '{name}'; it has changed since it was opened");

    /// <summary>
    /// Staging slice for <see cref="LoadInto"/>: small enough to stay in cache while it is copied into a strided
    /// destination, large enough that system calls cost nothing.
    /// </summary>
    private const long StagingChunkBytes = 1L << 20;

    /// <summary>Closes the file. Tensors already loaded stay valid.</summary>
    public void Dispose() => _file.Dispose();

    /// <inheritdoc/>
    public override string ToString() => $"{Path}: {_tensors.Count} tensors";

    // A BOOL element is one byte, 0 or 1; libtorch's bool ops misbehave on anything else (a 2 counts as 2 in a sum).
    private void CheckBooleans(Tensor tensor, string name)
    {
        var (index, value) = TensorBytes.FindByteOtherThanZeroOrOne(tensor);
        if (index >= 0)
            throw SafetensorsFormat.Invalid(Path,
                $"BOOL tensor '{name}' holds the byte {value} at element {index}; BOOL elements must be 0 or 1");
    }

    private InvalidDataException MissingTensor(string name)
    {
        var close = ClosestNames.Find(name, _tensors.Keys);
        string hint = close.Count > 0
            ? $"Did you mean {JoinAlternatives(close)}?"
            : _tensors.Count == 0
                ? "The file holds no tensors."
                : $"It holds {_tensors.Count} tensors, such as {string.Join(", ", _tensors.Keys.Take(3).Select(n => $"'{n}'"))}.";
        return new InvalidDataException($"'{Path}' has no tensor named '{name}'. {hint} SafetensorsFile.Entries lists every name.");
    }

    // 'a'  /  'a' or 'b'  /  'a', 'b' or 'c'
    private static string JoinAlternatives(IReadOnlyList<string> names)
    {
        var quoted = names.Select(n => $"'{n}'").ToList();
        return quoted.Count == 1 ? quoted[0] : $"{string.Join(", ", quoted.Take(quoted.Count - 1))} or {quoted[^1]}";
    }

    private static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset, string path) =>
        TensorBytes.ReadExactly(file, buffer, offset, end => SafetensorsFormat.Invalid(path, $"the file ended at byte {end} while its header was being read"));
}
