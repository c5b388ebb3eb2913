using System.Buffers.Binary;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// The guard's bytes, read back: every indirect call reads the address it should, and the unwind and catch tables
/// cover exactly the call to the original. (That the guard really catches is the child-process test's job.)
/// </summary>
public sealed class CatchingGuardCodeTests
{
    private const ulong Base = 0x7f00_0000_0000;

    private static readonly CatchingGuardImports Imports = new(
        Target: 0x1111, ErrorSlotTlsIndex: 0x2222, TlsGetAddr: 0x3333, StrDup: 0x4444, BeginCatch: 0x5555,
        EndCatch: 0x6666, Personality: 0x7777, StdExceptionTypeInfo: 0x8888, MessageFormatter: 0x9999);

    private static readonly CatchingGuardImage Image = CatchingGuardCode.Build(Base, Imports);

    // Every "call [rip + d]" (FF 15 d32) in the code: its offset and the 64-bit value at rip + d.
    private static List<(int At, ulong Value)> IndirectCalls()
    {
        var calls = new List<(int, ulong)>();
        for (int i = 0; i + 6 <= Image.CodeLength; i++)
        {
            if (Image.Bytes[i] == 0xFF && Image.Bytes[i + 1] == 0x15)
            {
                int slot = i + 6 + BinaryPrimitives.ReadInt32LittleEndian(Image.Bytes.AsSpan(i + 2));
                calls.Add((i, BinaryPrimitives.ReadUInt64LittleEndian(Image.Bytes.AsSpan(slot))));
            }
        }
        return calls;
    }

    [Fact]
    public void The_code_calls_the_original_then_in_the_handler_the_catch_formatter_strdup_tls_and_end_catch_in_that_order()
    {
        Assert.Equal(
            [Imports.Target, Imports.BeginCatch, Imports.MessageFormatter, Imports.StrDup, Imports.TlsGetAddr, Imports.EndCatch],
            IndirectCalls().Select(c => c.Value));
        Assert.True(Image.Bytes.Length <= 4096);
    }

    [Fact]
    public void The_unwind_table_describes_the_function_and_points_at_the_personality_and_the_catch_table()
    {
        var bytes = Image.Bytes.AsSpan();
        int cie = Image.EhFrameOffset;
        int cieLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[cie..]);
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes[(cie + 4)..]));            // CIE id
        Assert.Equal("zPLR", System.Text.Encoding.ASCII.GetString(bytes.Slice(cie + 9, 4)));
        Assert.Equal(Imports.Personality, BinaryPrimitives.ReadUInt64LittleEndian(bytes[(cie + 19)..]));

        int fde = cie + 4 + cieLength;
        Assert.Equal(fde + 4 - cie, BinaryPrimitives.ReadInt32LittleEndian(bytes[(fde + 4)..]));  // back to the CIE
        Assert.Equal(Base, BinaryPrimitives.ReadUInt64LittleEndian(bytes[(fde + 8)..]));          // pc_begin
        Assert.Equal((ulong)Image.CodeLength, BinaryPrimitives.ReadUInt64LittleEndian(bytes[(fde + 16)..]));
        ulong lsda = BinaryPrimitives.ReadUInt64LittleEndian(bytes[(fde + 25)..]);
        Assert.InRange(lsda, Base + (ulong)Image.CodeLength, Base + (ulong)cie);

        int fdeLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[fde..]);
        Assert.Equal(0, BinaryPrimitives.ReadInt32LittleEndian(bytes[(fde + 4 + fdeLength)..]));  // terminator
        Assert.Equal(0, (fde + 4 + fdeLength) % 4);
    }

    [Fact]
    public void The_catch_table_covers_only_the_call_to_the_original_and_lands_after_its_return()
    {
        var bytes = Image.Bytes;
        int fde = Image.EhFrameOffset + 4 + BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(Image.EhFrameOffset));
        int lsda = (int)(BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(fde + 25)) - Base);

        Assert.Equal(0xFF, bytes[lsda]);      // landing pads relative to the function start
        Assert.Equal(0x00, bytes[lsda + 1]);  // absolute type pointers
        int typeTableEnd = lsda + 3 + bytes[lsda + 2];
        Assert.Equal(0x01, bytes[lsda + 3]);  // uleb128 call sites
        Assert.Equal(4, bytes[lsda + 4]);     // one record of four one-byte fields
        int start = bytes[lsda + 5], length = bytes[lsda + 6], landing = bytes[lsda + 7], action = bytes[lsda + 8];

        var callToOriginal = IndirectCalls()[0].At;
        Assert.Equal((callToOriginal, 6), (start, length));
        Assert.Equal(0xC3, bytes[landing - 1]);  // the handler starts right after the normal path's ret
        Assert.Equal(1, action);
        Assert.Equal([0x01, 0x01, 0x02, 0x00], bytes[(lsda + 9)..(lsda + 13)]);  // catch type 1, else catch type 2
        Assert.Equal(Imports.StdExceptionTypeInfo, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(typeTableEnd - 8)));
        Assert.Equal(0UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(typeTableEnd - 16)));  // catch (...)
    }
}
