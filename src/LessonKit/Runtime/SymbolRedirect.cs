using System.Buffers.Binary;

namespace LessonKit.Runtime;

/// <summary>What <see cref="SymbolRedirect.Apply"/> found and did.</summary>
internal enum RedirectOutcome
{
    /// <summary>The entry was as the file has it; its address now points at the new code.</summary>
    Redirected,

    /// <summary>The entry already points at the new code: nothing written.</summary>
    AlreadyRedirected,

    /// <summary>The entry is neither the file's nor the redirected one: left alone.</summary>
    Refused,
}

/// <summary>
/// Changes where one dynamic symbol (an <c>Elf64_Sym</c> in <c>.dynsym</c>) points: its <c>st_value</c>. The
/// loader's <c>dlsym</c>, which .NET uses to bind a <c>[DllImport]</c>, returns load address + <c>st_value</c>, so
/// after the change a P/Invoke bound by name lands on the new code. The value wraps around 2⁶⁴, so any address in
/// the process can be reached. Only <c>st_value</c> changes, and only when the entry is exactly as expected.
/// </summary>
internal static class SymbolRedirect
{
    /// <summary>The size of an <c>Elf64_Sym</c>.</summary>
    public const int EntrySize = 24;

    private const int ValueOffset = 8;  // st_name (4), st_info (1), st_other (1), st_shndx (2), then st_value (8), st_size (8)

    /// <summary>The <c>st_value</c> that makes load address <paramref name="loadAddress"/> + value = <paramref name="target"/>.</summary>
    public static ulong ValueFor(ulong target, ulong loadAddress) => unchecked(target - loadAddress);

    /// <summary>The entry <paramref name="original"/> with its <c>st_value</c> set to <paramref name="newValue"/>.</summary>
    public static byte[] Redirected(ReadOnlySpan<byte> original, ulong newValue)
    {
        var entry = original[..EntrySize].ToArray();
        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(ValueOffset), newValue);
        return entry;
    }

    /// <summary>
    /// Points <paramref name="entry"/> (24 bytes, in a file's bytes or a loaded image) at <paramref name="newValue"/>
    /// if it equals <paramref name="original"/>; does nothing if it already points there; refuses anything else.
    /// </summary>
    public static RedirectOutcome Apply(Span<byte> entry, ReadOnlySpan<byte> original, ulong newValue)
    {
        var outcome = Check(entry, original, newValue);
        if (outcome == RedirectOutcome.Redirected)
        {
            BinaryPrimitives.WriteUInt64LittleEndian(entry[ValueOffset..], newValue);
        }
        return outcome;
    }

    /// <summary>What <see cref="Apply"/> would do, without writing.</summary>
    public static RedirectOutcome Check(ReadOnlySpan<byte> entry, ReadOnlySpan<byte> original, ulong newValue)
    {
        if (entry.Length < EntrySize || original.Length < EntrySize)
        {
            return RedirectOutcome.Refused;
        }
        if (entry[..EntrySize].SequenceEqual(original[..EntrySize]))
        {
            return RedirectOutcome.Redirected;
        }
        return entry[..EntrySize].SequenceEqual(Redirected(original, newValue)) ? RedirectOutcome.AlreadyRedirected : RedirectOutcome.Refused;
    }
}
