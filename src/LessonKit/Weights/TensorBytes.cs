using Microsoft.Win32.SafeHandles;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Weights;

/// <summary>
/// Moves bytes between a file and a tensor's own memory, a slice at a time, with no managed copy in between.
/// </summary>
/// <remarks>
/// TorchSharp exposes a contiguous CPU tensor's memory as a <see cref="Span{T}"/> (<c>tensor.bytes</c>), but a span
/// holds at most 2 GB. So the tensor is viewed as one flat row of elements and walked in slices
/// (<c>narrow</c> views of that row) of at most <c>chunkBytes</c> each; every slice's span is read from or written to
/// the file directly.
/// </remarks>
internal static class TensorBytes
{
    /// <summary>Slice size used unless a caller asks otherwise: large enough that system calls cost nothing.</summary>
    public const long DefaultChunkBytes = 64L << 20;

    // A span holds at most int.MaxValue bytes; stay well below it.
    private const long MaxChunkBytes = 1L << 30;

    /// <summary>
    /// Fills the contiguous CPU <paramref name="tensor"/> with the bytes of <paramref name="file"/> starting at
    /// <paramref name="fileOffset"/>, at most <paramref name="chunkBytes"/> per read. If the file ends early, throws
    /// what <paramref name="endOfFile"/> makes of the offset where it ended.
    /// </summary>
    public static void ReadInto(SafeFileHandle file, long fileOffset, Tensor tensor, long chunkBytes, Func<long, Exception> endOfFile)
    {
        ForEachSlice(tensor, chunkBytes, (slice, byteOffset) => ReadExactly(file, slice.bytes, fileOffset + byteOffset, endOfFile));
    }

    /// <summary>Writes the bytes of the contiguous CPU <paramref name="tensor"/> to <paramref name="stream"/>.</summary>
    public static void WriteFrom(Stream stream, Tensor tensor, long chunkBytes)
    {
        ForEachSlice(tensor, chunkBytes, (slice, _) => stream.Write(slice.bytes));
    }

    /// <summary>
    /// Reads the elements of <paramref name="file"/> at <paramref name="fileOffset"/>, stored as
    /// <paramref name="storedType"/> (<paramref name="storedSize"/> bytes each) in row-major order, into the CPU
    /// <paramref name="tensor"/> through one staging tensor of about <paramref name="chunkBytes"/>: each slice is read
    /// into the staging tensor, then copied into its place, converted to the tensor's type. The tensor need not be
    /// contiguous (a Conv1D weight is an [in, out] view of [out, in] memory): it is then filled a block of whole
    /// rows of its first dimension at a time. If the file ends early, throws what <paramref name="endOfFile"/> makes of
    /// the offset where it ended.
    /// </summary>
    public static void ReadStaged(SafeFileHandle file, long fileOffset, ScalarType storedType, int storedSize, Tensor tensor,
                                  long chunkBytes, Func<long, Exception> endOfFile)
    {
        long count = tensor.numel();
        if (count == 0)
            return;
        if (tensor.device_type != DeviceType.CPU)
            throw new ArgumentException("Only a CPU tensor can be read into directly.", nameof(tensor));
        long sliceElements = SliceElements(storedSize, chunkBytes);
        // A contiguous tensor is one flat row cut anywhere; any other is cut between rows of its first dimension.
        bool contiguous = tensor.is_contiguous();
        using var target = contiguous ? tensor.view(count) : tensor.alias();          // [count] or the tensor's own shape
        long[] sliceShape = contiguous ? [count] : tensor.shape;
        long rowElements = contiguous ? 1 : count / sliceShape[0];                     // elements per index of dim 0
        long rowsPerSlice = Math.Clamp(sliceElements / rowElements, 1, sliceShape[0]);
        sliceShape[0] = rowsPerSlice;
        using var staging = torch.empty(sliceShape, storedType);                      // [rows per slice, ...]
        for (long row = 0; row < target.shape[0]; row += rowsPerSlice)
        {
            long rows = Math.Min(rowsPerSlice, target.shape[0] - row);
            using var stored = staging.narrow(0, 0, rows);
            ReadExactly(file, stored.bytes, fileOffset + row * rowElements * storedSize, endOfFile);
            using var place = target.narrow(0, row, rows);
            place.copy_(stored);                                                       // converts storedType → tensor's type
        }
    }

    /// <summary>
    /// The first element of the contiguous CPU one-byte-per-element <paramref name="tensor"/> whose byte is neither 0
    /// nor 1, and that byte; (-1, 0) when there is none.
    /// </summary>
    public static (long Index, byte Value) FindByteOtherThanZeroOrOne(Tensor tensor)
    {
        long found = -1;
        byte value = 0;
        ForEachSlice(tensor, DefaultChunkBytes, (slice, byteOffset) =>
        {
            if (found >= 0)
                return;
            ReadOnlySpan<byte> bytes = slice.bytes;
            int index = bytes.IndexOfAnyExcept((byte)0, (byte)1);
            if (index >= 0)
            {
                found = byteOffset + index;
                value = bytes[index];
            }
        });
        return (found, value);
    }

    // Calls `action` on consecutive 1-D slices of the tensor's memory, with each slice's byte offset.
    private static void ForEachSlice(Tensor tensor, long chunkBytes, Action<Tensor, long> action)
    {
        long count = tensor.numel();
        if (count == 0)
            return;
        if (!tensor.is_contiguous() || tensor.device_type != DeviceType.CPU)
            throw new ArgumentException("Only a contiguous CPU tensor's memory can be read or written directly.", nameof(tensor));
        long elementSize = tensor.element_size();
        long sliceElements = SliceElements(elementSize, chunkBytes);
        using var flat = tensor.view(count);                                 // [count]
        for (long start = 0; start < count; start += sliceElements)
        {
            using var slice = flat.narrow(0, start, Math.Min(sliceElements, count - start));
            action(slice, start * elementSize);
        }
    }

    private static long SliceElements(long elementSize, long chunkBytes) =>
        Math.Max(1, Math.Clamp(chunkBytes, 1, MaxChunkBytes) / elementSize);

    /// <summary>Fills <paramref name="buffer"/> from <paramref name="file"/> at <paramref name="offset"/>; throws what <paramref name="endOfFile"/> makes of the offset where the file ended.</summary>
    public static void ReadExactly(SafeFileHandle file, Span<byte> buffer, long offset, Func<long, Exception> endOfFile)
    {
        while (!buffer.IsEmpty)
        {
            int read = RandomAccess.Read(file, buffer, offset);
            if (read == 0)
                throw endOfFile(offset);
            buffer = buffer[read..];
            offset += read;
        }
    }
}
