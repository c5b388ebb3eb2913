using System.Buffers.Binary;
using System.Security.Cryptography;

namespace LessonKit.Runtime;

/// <summary>Where the matmul guard's pieces are in the one <c>libLibTorchSharp.so</c> build LessonKit knows.</summary>
/// <param name="Path">The file that was checked.</param>
/// <param name="MatmulEntryAddress">The address (relative to the load address) of <c>THSTensor_matmul</c>'s <c>.dynsym</c> entry.</param>
/// <param name="MatmulEntryFileOffset">Where that entry is in the file.</param>
/// <param name="MatmulEntry">The entry's 24 bytes (an <c>Elf64_Sym</c>) as the file has them.</param>
/// <param name="MatmulValue">The entry's <c>st_value</c>: where the original, unguarded code starts.</param>
/// <param name="LastErrorValue">The <c>st_value</c> of <c>THSTorch_get_and_reset_last_err</c> (used to find the load address).</param>
/// <param name="ErrorSlotTlsIndex">
/// The address (relative to the load address) of the <c>tls_index</c> pair the library's own
/// <c>THSTorch_get_and_reset_last_err</c> passes to <c>__tls_get_addr</c> to reach <c>torch_last_err</c>.
/// </param>
internal sealed record LibTorchSharpMatmulLayout(
    string Path, ulong MatmulEntryAddress, ulong MatmulEntryFileOffset, byte[] MatmulEntry, ulong MatmulValue,
    ulong LastErrorValue, ulong ErrorSlotTlsIndex);

/// <summary>
/// Recognizes TorchSharp 0.107.0's Linux x64 <c>libLibTorchSharp.so</c>, the only build whose matmul LessonKit guards.
/// A file is that build when its SHA-256 matches, with the one byte LessonKit's own libstdc++ fix may have changed
/// (the weak flag of its <c>GLIBCXX_3.4.32</c> requirement) counted as unset. Any other file (another TorchSharp
/// version, another compiler run, a damaged copy) is left alone: the guard relies on exact addresses inside it.
/// </summary>
internal static class LibTorchSharpBuild
{
    /// <summary>SHA-256 of TorchSharp 0.107.0's <c>runtimes/linux-x64/native/libLibTorchSharp.so</c> as shipped.</summary>
    public const string ExpectedSha256 = "cf33b1b0bb6bbb9754a768fb5c5d04d9f498603be50e73f55621a0b40ee608b8";

    public const string MatmulSymbol = "THSTensor_matmul";
    public const string LastErrorSymbol = "THSTorch_get_and_reset_last_err";

    // Read off that build with objdump -d: THSTensor_matmul is at 0x1650e0 (71 bytes: operator new, then
    // at::_ops::matmul::call, no catch); THSTorch_get_and_reset_last_err at 0x16c9a0 does
    // "lea 0x1d5e28(%rip),%rdi; call __tls_get_addr@plt", so 0x1d5e28 is torch_last_err's tls_index.
    private const ulong ExpectedMatmulValue = 0x1650e0;
    private const ulong ExpectedLastErrorValue = 0x16c9a0;
    private const ulong ErrorSlotTlsIndex = 0x1d5e28;

    private const ulong SymbolSize = 24;  // sizeof(Elf64_Sym); st_value is at offset 8

    /// <summary>
    /// Returns the layout when <paramref name="path"/> is the known build, otherwise null and a sentence saying why.
    /// Never throws for file problems.
    /// </summary>
    public static LibTorchSharpMatmulLayout? Recognize(string path, out string problem)
    {
        try
        {
            var bytes = File.ReadAllBytes(path);
            var elf = ElfImage.Parse(bytes, path);
            string hash = NormalizedSha256(elf, bytes);
            if (hash != ExpectedSha256)
            {
                problem = $"it is not the TorchSharp 0.107.0 build LessonKit knows (SHA-256 {hash[..12]}…, expected {ExpectedSha256[..12]}…)";
                return null;
            }
            var symbols = ElfDynamicTables.ReadDynamicSymbols(elf, out var dynsym);
            var matmul = symbols.Single(s => s.Name == MatmulSymbol && !s.IsUndefined);
            var lastError = symbols.Single(s => s.Name == LastErrorSymbol && !s.IsUndefined);
            ulong matmulOffset = dynsym.Offset + matmul.Index * SymbolSize;
            ulong matmulValue = elf.ReadU64(matmulOffset + 8, $"{MatmulSymbol}'s st_value");
            ulong lastErrorValue = elf.ReadU64(dynsym.Offset + lastError.Index * SymbolSize + 8, $"{LastErrorSymbol}'s st_value");
            if (matmulValue != ExpectedMatmulValue || lastErrorValue != ExpectedLastErrorValue)
            {
                problem = $"its symbols are not where that build has them ({MatmulSymbol} at 0x{matmulValue:x}, {LastErrorSymbol} at 0x{lastErrorValue:x})";
                return null;
            }
            problem = "";
            return new LibTorchSharpMatmulLayout(path, dynsym.Address + matmul.Index * SymbolSize, matmulOffset,
                elf.Slice(matmulOffset, SymbolSize, MatmulSymbol).ToArray(), matmulValue, lastErrorValue, ErrorSlotTlsIndex);
        }
        catch (ElfFormatException e)
        {
            problem = e.Message.TrimEnd('.');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            problem = $"it could not be read: {e.Message.TrimEnd('.')}";
        }
        return null;
    }

    /// <summary>SHA-256 of the file with the weak flag of its <c>GLIBCXX_3.4.32</c> requirement (if any) cleared.</summary>
    internal static string NormalizedSha256(ElfImage elf, byte[] bytes)
    {
        var copy = (byte[])bytes.Clone();
        foreach (var need in ElfDynamicTables.ReadVersionNeeds(elf).Where(n => n.Version == VersionRequirementRule.IosBaseLibraryInitMarker.Version))
        {
            BinaryPrimitives.WriteUInt16LittleEndian(copy.AsSpan((int)need.FlagsOffset, 2), (ushort)(need.Flags & ~ElfDynamicTables.VersionFlagWeak));
        }
        return Convert.ToHexStringLower(SHA256.HashData(copy));
    }
}
