namespace LessonKit.Weights;

/// <summary>
/// One tensor as a safetensors header describes it: its name, element type, shape, and where its bytes lie.
/// </summary>
/// <param name="Name">The tensor's name in the file, e.g. <c>h.0.attn.c_attn.weight</c>.</param>
/// <param name="DType">The element type as the header spells it: <c>F32</c>, <c>F16</c>, <c>BF16</c>, <c>I64</c>, ...</param>
/// <param name="Shape">The size of each dimension; empty for a 0-d scalar.</param>
/// <param name="Begin">First byte of the tensor, counted from the start of the data area (just after the header).</param>
/// <param name="End">One past the last byte, counted the same way.</param>
internal sealed record SafetensorsEntry(string Name, string DType, long[] Shape, long Begin, long End)
{
    /// <summary>How many elements the tensor holds: the product of <see cref="Shape"/> (1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long count = 1;
            foreach (long size in Shape)
                count = checked(count * size);
            return count;
        }
    }

    /// <summary>How many bytes the tensor takes in the file: <see cref="End"/> − <see cref="Begin"/>.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Entries are equal when every field is, the shape compared dimension by dimension.</summary>
    public bool Equals(SafetensorsEntry? other) =>
        other is not null
        && Name == other.Name
        && DType == other.DType
        && Shape.AsSpan().SequenceEqual(other.Shape)
        && Begin == other.Begin
        && End == other.End;

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(Name);
        hash.Add(DType);
        foreach (long size in Shape)
            hash.Add(size);
        hash.Add(Begin);
        hash.Add(End);
        return hash.ToHashCode();
    }

    /// <summary>A one-line description: <c>h.0.attn.c_attn.weight: F32 [32, 96], data bytes [6449792, 6462080)</c>.</summary>
    public override string ToString() => $"{Name}: {DType} [{string.Join(", ", Shape)}], data bytes [{Begin}, {End})";
}
