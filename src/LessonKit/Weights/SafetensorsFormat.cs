namespace LessonKit.Weights;

/// <summary>
/// The fixed facts of the safetensors layout, and the one way this folder reports a broken file.
/// </summary>
/// <remarks>
/// A safetensors file is three parts, back to back:
/// <code>
/// [ N: u64, little-endian ][ N bytes: UTF-8 JSON header, padded with spaces ][ data area ]
/// </code>
/// The header maps each tensor name to <c>{"dtype", "shape", "data_offsets": [begin, end]}</c>, offsets counted
/// from the start of the data area, plus an optional <c>"__metadata__"</c> object of string → string.
/// Tensor bytes are little-endian, row-major (C order).
/// </remarks>
internal static class SafetensorsFormat
{
    /// <summary>Bytes of the little-endian u64 that opens the file and holds the header length.</summary>
    public const int LengthPrefixBytes = 8;

    /// <summary>The largest header the reference implementation accepts (100 MB); anything larger is refused.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    /// <summary>
    /// The most dimensions a tensor may have. The spec sets no limit; no real model comes near it, and the cap stops a
    /// hostile header from making the reader allocate millions of dimensions.
    /// </summary>
    public const int MaxRank = 64;

    /// <summary>The reserved header key that holds free-form string metadata instead of a tensor.</summary>
    public const string MetadataKey = "__metadata__";

    /// <summary>The writer pads the header with spaces so the data area starts at a multiple of this many bytes.</summary>
    public const int HeaderAlignment = 8;

    /// <summary>An <see cref="InvalidDataException"/> whose message names the file and what is wrong with it.</summary>
    public static InvalidDataException Invalid(string path, string problem, Exception? inner = null) =>
        new($"'{path}' is not a valid safetensors file: {problem}", inner);

    /// <summary>Safetensors stores little-endian bytes; this reader copies them as they are.</summary>
    public static void EnsureLittleEndianHost()
    {
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException(
                "Safetensors files are little-endian and this reader copies their bytes as they are; it does not run on a big-endian machine.");
    }
}
