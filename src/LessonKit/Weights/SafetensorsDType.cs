using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Weights;

/// <summary>
/// One element type a safetensors header may name (<c>"F32"</c>, <c>"BF16"</c>, ...).
/// </summary>
/// <param name="Name">The spelling in the header.</param>
/// <param name="Bits">Bits per element; the sub-byte float formats (<c>F4</c>, <c>F6_*</c>) pack below 8.</param>
/// <param name="AlignmentRank">
/// Position in the reference implementation's <c>Dtype</c> enum, which lists types in increasing alignment. Its
/// writer lays tensors out by descending rank (widest types first), then by name.
/// </param>
/// <param name="TorchType">The TorchSharp type that holds these elements, or null when TorchSharp has none.</param>
internal sealed record SafetensorsDType(string Name, int Bits, int AlignmentRank, ScalarType? TorchType)
{
    /// <summary>Whether the elements are real floating-point numbers (these follow <c>Load</c>'s dtype argument).</summary>
    public bool IsFloatingPoint => TorchType is ScalarType.Float16 or ScalarType.BFloat16 or ScalarType.Float32 or ScalarType.Float64;
}

/// <summary>The table of every dtype the safetensors format defines, and lookups into it.</summary>
internal static class SafetensorsDTypes
{
    // The reference implementation's enum, in its order (increasing alignment). Keep this order: the writer's
    // tensor order depends on it.
    private static readonly SafetensorsDType[] Table =
    [
        new("BOOL", 8, 0, ScalarType.Bool),
        new("F4", 4, 1, null),
        new("F6_E2M3", 6, 2, null),
        new("F6_E3M2", 6, 3, null),
        new("U8", 8, 4, ScalarType.Byte),
        new("I8", 8, 5, ScalarType.Int8),
        new("F8_E5M2", 8, 6, null),
        new("F8_E4M3", 8, 7, null),
        new("F8_E8M0", 8, 8, null),
        new("I16", 16, 9, ScalarType.Int16),
        new("U16", 16, 10, null),
        new("F16", 16, 11, ScalarType.Float16),
        new("BF16", 16, 12, ScalarType.BFloat16),
        new("I32", 32, 13, ScalarType.Int32),
        new("U32", 32, 14, null),
        new("F32", 32, 15, ScalarType.Float32),
        new("C64", 64, 16, ScalarType.ComplexFloat32),
        new("F64", 64, 17, ScalarType.Float64),
        new("I64", 64, 18, ScalarType.Int64),
        new("U64", 64, 19, null),
    ];

    private static readonly Dictionary<string, SafetensorsDType> ByName = Table.ToDictionary(d => d.Name, StringComparer.Ordinal);

    private static readonly Dictionary<ScalarType, SafetensorsDType> ByTorchType =
        Table.Where(d => d.TorchType is not null).ToDictionary(d => d.TorchType!.Value);

    /// <summary>Every dtype name the format defines, comma-separated, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", Table.Select(d => d.Name));

    /// <summary>The dtype names this reader can turn into tensors, comma-separated, for error messages.</summary>
    public static string LoadableNames { get; } = string.Join(", ", Table.Where(d => d.TorchType is not null).Select(d => d.Name));

    /// <summary>The TorchSharp types the writer can store, comma-separated, for error messages.</summary>
    public static string WritableTorchTypes { get; } = string.Join(", ", ByTorchType.Keys);

    /// <summary>The dtype spelled <paramref name="name"/> (case-sensitive, as the format is), or null.</summary>
    public static SafetensorsDType? Find(string name) => ByName.GetValueOrDefault(name);

    /// <summary>The dtype that stores TorchSharp's <paramref name="type"/>, or null when the format has none.</summary>
    public static SafetensorsDType? Find(ScalarType type) => ByTorchType.GetValueOrDefault(type);
}
