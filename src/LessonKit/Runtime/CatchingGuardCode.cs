using System.Buffers.Binary;
using System.Text;

namespace LessonKit.Runtime;

/// <summary>The addresses, in the running process, that the guard's code calls or reads.</summary>
/// <param name="Target">The unguarded native function to call, e.g. TorchSharp's original <c>THSTensor_matmul</c>.</param>
/// <param name="ErrorSlotTlsIndex">
/// The <c>{module, offset}</c> pair (a <c>tls_index</c>) that TorchSharp's own code passes to <c>__tls_get_addr</c> to
/// find its thread-local <c>torch_last_err</c>: the slot TorchSharp's <c>CheckForErrors()</c> reads.
/// </param>
/// <param name="TlsGetAddr"><c>__tls_get_addr</c> (the dynamic loader's).</param>
/// <param name="StrDup"><c>strdup</c> (libc): TorchSharp frees the message it reads with <c>free</c>.</param>
/// <param name="BeginCatch"><c>__cxa_begin_catch</c> (libstdc++).</param>
/// <param name="EndCatch"><c>__cxa_end_catch</c> (libstdc++).</param>
/// <param name="Personality"><c>__gxx_personality_v0</c> (libstdc++): reads the guard's catch table while unwinding.</param>
/// <param name="StdExceptionTypeInfo">libstdc++'s <c>typeinfo for std::exception</c> (what the first catch clause matches).</param>
/// <param name="MessageFormatter">
/// <c>char* format(Tensor left, Tensor right, const char* what)</c>: returns the message to store (from
/// <c>malloc</c>), or null to store a copy of libtorch's own (<see cref="MatmulErrorMessage"/>).
/// </param>
internal readonly record struct CatchingGuardImports(
    ulong Target, ulong ErrorSlotTlsIndex, ulong TlsGetAddr, ulong StrDup, ulong BeginCatch, ulong EndCatch,
    ulong Personality, ulong StdExceptionTypeInfo, ulong MessageFormatter);

/// <summary>The guard's bytes for one load address, and where its parts are inside them.</summary>
/// <param name="Bytes">Code, data, unwind table and catch table, to be copied to the load address as they are.</param>
/// <param name="EhFrameOffset">Where the <c>.eh_frame</c>-style unwind table starts (for <c>__register_frame</c>).</param>
/// <param name="CodeLength">The length of the code (the function the unwind table describes starts at offset 0).</param>
internal sealed record CatchingGuardImage(byte[] Bytes, int EhFrameOffset, int CodeLength);

/// <summary>
/// Builds a small native function that does what TorchSharp's guarded entry points (such as <c>THSTensor_mm</c>) do
/// around their libtorch call, for an entry point that lacks it (<c>THSTensor_matmul</c>). In C++ it would read:
/// <code>
/// Tensor guard(Tensor left, Tensor right) {
///     try { return THSTensor_matmul(left, right); }                              // the original, unchanged
///     catch (const std::exception&amp; e) { torch_last_err = message(left, right, e.what()); return nullptr; }
///     catch (...) { torch_last_err = message(left, right, "a C++ exception that is not a std::exception"); return nullptr; }
/// }
/// char* message(Tensor left, Tensor right, const char* what) {
///     char* text = format(left, right, what);                                     // LessonKit's, names both shapes
///     return text != nullptr ? text : strdup(what);
/// }
/// </code>
/// TorchSharp checks for a null result, reads <c>torch_last_err</c> and throws a managed <c>ExternalException</c>
/// with libtorch's message, as it does for every guarded entry point.
/// </summary>
/// <remarks>
/// <para>
/// No compiler is needed at run time: the x86-64 instructions are written out below, each with its assembly. A C++
/// exception can only be caught by a function the unwinder knows, so the bytes also hold the two tables a compiler
/// would emit: a DWARF call-frame table (CIE + FDE, as in <c>.eh_frame</c>; it tells the unwinder how to find the
/// caller's frame from this one) and a language-specific table (LSDA, as in <c>.gcc_except_table</c>; it tells
/// libstdc++'s personality routine that the call to the original is covered by two catch clauses and where the
/// handler code starts). The layouts follow the System V x86-64 ABI, the LSB "Exception Frames" chapter and the
/// Itanium C++ ABI. Every pointer in the tables is absolute (<c>DW_EH_PE_absptr</c>), so the image is built for the
/// address it will live at.
/// </para>
/// <para>
/// Register use: the original receives <c>rdi</c>/<c>rsi</c> (left, right) untouched; copies wait in <c>r13</c>/<c>r14</c>.
/// At the handler, the unwinder has restored <c>rbp</c>, <c>rbx</c>, <c>r12</c>-<c>r14</c> to their values at the call
/// and passes the exception object in <c>rax</c> and the number of the matching catch clause in <c>edx</c>
/// (1: std::exception, 2: anything else).
/// </para>
/// </remarks>
internal static class CatchingGuardCode
{
    /// <summary>The message stored when the error is a C++ exception that does not derive from std::exception.</summary>
    public const string UnknownErrorMessage = "libtorch failed with a C++ exception that is not a std::exception (caught by LessonKit's guard).";

    // DWARF register numbers (System V x86-64 ABI, figure 3.36).
    private const byte DwarfRbx = 3, DwarfRbp = 6, DwarfRsp = 7, DwarfR12 = 12, DwarfR13 = 13, DwarfR14 = 14, DwarfReturnAddress = 16;

    /// <summary>Builds the guard for <paramref name="loadAddress"/>.</summary>
    public static CatchingGuardImage Build(ulong loadAddress, CatchingGuardImports imports)
    {
        var code = new Assembler();

        // --- the function: call the original inside the "try" range ---
        code.Emit(0x55);                                   // push rbp
        code.Emit(0x48, 0x89, 0xE5);                       // mov rbp, rsp          (CFA = rbp + 16 from here on)
        code.Emit(0x53);                                   // push rbx              (the handler uses rbx, r12-r14)
        code.Emit(0x41, 0x54);                             // push r12
        code.Emit(0x41, 0x55);                             // push r13
        code.Emit(0x41, 0x56);                             // push r14              (rsp is 16-aligned again)
        code.Emit(0x49, 0x89, 0xFD);                       // mov r13, rdi          left, for the message
        code.Emit(0x49, 0x89, 0xF6);                       // mov r14, rsi          right, for the message
        int tryStart = code.Position;
        code.EmitRipRelative([0xFF, 0x15], "target");      // call [rip + target]   left, right still in rdi, rsi
        int tryEnd = code.Position;
        EmitEpilogue(code);                                // return the original's result (rax)

        // --- the handler ("landing pad"): rax = exception object, edx = catch clause number ---
        int handler = code.Position;
        code.Emit(0x41, 0x89, 0xD4);                       // mov r12d, edx         clause number
        code.Emit(0x48, 0x89, 0xC7);                       // mov rdi, rax
        code.EmitRipRelative([0xFF, 0x15], "beginCatch");  // call [rip + __cxa_begin_catch]   rax = the caught object
        code.Emit(0x41, 0x83, 0xFC, 0x01);                 // cmp r12d, 1           caught as std::exception?
        code.EmitJump8(0x75, "unknown");                   // jne unknown
        code.Emit(0x48, 0x89, 0xC7);                       // mov rdi, rax          this = the std::exception
        code.Emit(0x48, 0x8B, 0x00);                       // mov rax, [rax]        its vtable
        code.Emit(0xFF, 0x50, 0x10);                       // call [rax + 16]       what() (slot 2, after the two destructors)
        code.Emit(0x48, 0x89, 0xC7);                       // mov rdi, rax
        code.EmitJump8(0xEB, "store");                     // jmp store
        code.Label("unknown");
        code.EmitRipRelative([0x48, 0x8D, 0x3D], "unknownMessage"); // lea rdi, [rip + unknownMessage]
        code.Label("store");
        code.Emit(0x48, 0x89, 0xFB);                       // mov rbx, rdi          what
        code.Emit(0x4C, 0x89, 0xEF);                       // mov rdi, r13          left
        code.Emit(0x4C, 0x89, 0xF6);                       // mov rsi, r14          right
        code.Emit(0x48, 0x89, 0xDA);                       // mov rdx, rbx          what
        code.EmitRipRelative([0xFF, 0x15], "formatter");   // call [rip + formatter]  rax = LessonKit's message, or 0
        code.Emit(0x48, 0x85, 0xC0);                       // test rax, rax
        code.EmitJump8(0x75, "haveMessage");               // jnz haveMessage
        code.Emit(0x48, 0x89, 0xDF);                       // mov rdi, rbx          what
        code.EmitRipRelative([0xFF, 0x15], "strdup");      // call [rip + strdup]   rax = a malloc'ed copy of libtorch's message
        code.Label("haveMessage");
        code.Emit(0x48, 0x89, 0xC3);                       // mov rbx, rax
        code.EmitRipRelative([0x48, 0x8B, 0x3D], "tlsIndex"); // mov rdi, [rip + tlsIndex]   &tls_index of torch_last_err
        code.EmitRipRelative([0xFF, 0x15], "tlsGetAddr");  // call [rip + __tls_get_addr]   rax = &torch_last_err (this thread)
        code.Emit(0x48, 0x89, 0x18);                       // mov [rax], rbx        torch_last_err = copy
        code.EmitRipRelative([0xFF, 0x15], "endCatch");    // call [rip + __cxa_end_catch]  destroys the exception
        code.Emit(0x31, 0xC0);                             // xor eax, eax          return nullptr
        EmitEpilogue(code);
        int codeLength = code.Position;

        // --- data the code reads ---
        code.Align(8);
        code.Quad("target", imports.Target);
        code.Quad("beginCatch", imports.BeginCatch);
        code.Quad("endCatch", imports.EndCatch);
        code.Quad("strdup", imports.StrDup);
        code.Quad("tlsIndex", imports.ErrorSlotTlsIndex);
        code.Quad("tlsGetAddr", imports.TlsGetAddr);
        code.Quad("formatter", imports.MessageFormatter);
        code.Label("unknownMessage");
        code.Emit([.. Encoding.ASCII.GetBytes(UnknownErrorMessage), 0]);

        // --- the catch table (LSDA) ---
        code.Align(8);
        int lsda = code.Position;
        WriteLsda(code, tryStart, tryEnd - tryStart, handler, imports.StdExceptionTypeInfo);

        // --- the unwind table (CIE + FDE + terminator) ---
        code.Align(8);
        int ehFrame = code.Position;
        WriteUnwindTable(code, loadAddress, codeLength, loadAddress + (ulong)lsda, imports.Personality);

        return new CatchingGuardImage(code.Finish(), ehFrame, codeLength);
    }

    private static void EmitEpilogue(Assembler code)
    {
        code.Emit(0x41, 0x5E);                             // pop r14
        code.Emit(0x41, 0x5D);                             // pop r13
        code.Emit(0x41, 0x5C);                             // pop r12
        code.Emit(0x5B);                                   // pop rbx
        code.Emit(0x5D);                                   // pop rbp
        code.Emit(0xC3);                                   // ret
    }

    // The LSDA: header, one call-site record, two action records, two type entries. Offsets are from the function start.
    private static void WriteLsda(Assembler code, int tryStart, int tryLength, int handler, ulong stdExceptionTypeInfo)
    {
        var callSites = new List<byte>();
        Uleb(callSites, (ulong)tryStart);  // the call to the original starts here ...
        Uleb(callSites, (ulong)tryLength); // ... and is this long
        Uleb(callSites, (ulong)handler);   // where to land when something is caught
        Uleb(callSites, 1);                // 1 + offset of its first action record (0)

        // Action records (filter, offset to the next record from that field): catch type 1, else catch type 2.
        byte[] actions = [0x01, 0x01, 0x02, 0x00];

        // Type table, read backwards from its end: entry 1 = std::exception, entry 2 = null (catch-all).
        var types = new byte[16];
        BinaryPrimitives.WriteUInt64LittleEndian(types.AsSpan(0, 8), 0);                    // entry 2
        BinaryPrimitives.WriteUInt64LittleEndian(types.AsSpan(8, 8), stdExceptionTypeInfo); // entry 1

        var afterTypeOffset = new List<byte> { 0x01 };  // call-site encoding: DW_EH_PE_uleb128
        Uleb(afterTypeOffset, (ulong)callSites.Count);
        afterTypeOffset.AddRange(callSites);
        afterTypeOffset.AddRange(actions);
        afterTypeOffset.AddRange(types);

        code.Emit(0xFF);  // landing-pad base: omitted, so offsets are from the function start
        code.Emit(0x00);  // type table encoding: DW_EH_PE_absptr
        var typeOffset = new List<byte>();
        Uleb(typeOffset, (ulong)afterTypeOffset.Count);  // from after this field to the end of the type table
        code.Emit([.. typeOffset]);
        code.Emit([.. afterTypeOffset]);
    }

    // One CIE (personality, LSDA and FDE pointers absolute) and one FDE for the function at 'functionAddress'.
    private static void WriteUnwindTable(Assembler code, ulong functionAddress, int functionLength, ulong lsdaAddress, ulong personality)
    {
        var cie = new List<byte>();
        cie.AddRange([0, 0, 0, 0]);                         // CIE id 0
        cie.Add(1);                                         // version
        cie.AddRange("zPLR\0"u8.ToArray());                 // augmentation: data length, Personality, LSDA, pointer encodings
        Uleb(cie, 1);                                       // code alignment factor
        cie.Add(0x78);                                      // data alignment factor: -8 (sleb128)
        cie.Add(DwarfReturnAddress);                        // return address column
        Uleb(cie, 1 + 8 + 1 + 1);                           // augmentation data length
        cie.Add(0x00); AddU64(cie, personality);            // P: absptr, __gxx_personality_v0
        cie.Add(0x00);                                      // L: the LSDA pointer in the FDE is absptr
        cie.Add(0x00);                                      // R: FDE addresses are absptr
        cie.AddRange([0x0C, DwarfRsp, 8]);                  // DW_CFA_def_cfa rsp, 8      (at entry)
        cie.AddRange([0x80 | DwarfReturnAddress, 1]);       // DW_CFA_offset return address, cfa - 8
        int cieStart = code.Position;
        EmitEntry(code, cie);

        var fde = new List<byte>();
        int cieField = code.Position + 4;
        AddU32(fde, (uint)(cieField - cieStart));           // distance back to the CIE
        AddU64(fde, functionAddress);                       // pc_begin
        AddU64(fde, (ulong)functionLength);                 // pc_range
        Uleb(fde, 8);                                       // augmentation data length
        AddU64(fde, lsdaAddress);                           // the LSDA
        fde.AddRange([0x41, 0x0E, 16]);                     // after push rbp:     DW_CFA_def_cfa_offset 16
        fde.AddRange([0x80 | DwarfRbp, 2]);                 //                     DW_CFA_offset rbp, cfa - 16
        fde.AddRange([0x43, 0x0D, DwarfRbp]);               // after mov rbp, rsp: DW_CFA_def_cfa_register rbp
        fde.AddRange([0x41, 0x80 | DwarfRbx, 3]);           // after push rbx:     DW_CFA_offset rbx, cfa - 24
        fde.AddRange([0x42, 0x80 | DwarfR12, 4]);           // after push r12:     DW_CFA_offset r12, cfa - 32
        fde.AddRange([0x42, 0x80 | DwarfR13, 5]);           // after push r13:     DW_CFA_offset r13, cfa - 40
        fde.AddRange([0x42, 0x80 | DwarfR14, 6]);           // after push r14:     DW_CFA_offset r14, cfa - 48
        EmitEntry(code, fde);

        code.Emit(0, 0, 0, 0);                              // terminator: an entry of length 0
    }

    // Writes a length-prefixed CIE/FDE, padded with DW_CFA_nop so the next entry stays 8-byte aligned.
    private static void EmitEntry(Assembler code, List<byte> body)
    {
        while ((body.Count + 4) % 8 != 0)
        {
            body.Add(0x00);  // DW_CFA_nop
        }
        var length = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)body.Count);
        code.Emit(length);
        code.Emit([.. body]);
    }

    private static void Uleb(List<byte> bytes, ulong value)
    {
        do
        {
            byte low = (byte)(value & 0x7F);
            value >>= 7;
            bytes.Add(value == 0 ? low : (byte)(low | 0x80));
        }
        while (value != 0);
    }

    private static void AddU32(List<byte> bytes, uint value)
    {
        Span<byte> buffer = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(buffer, value);
        bytes.AddRange(buffer.ToArray());
    }

    private static void AddU64(List<byte> bytes, ulong value)
    {
        Span<byte> buffer = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(buffer, value);
        bytes.AddRange(buffer.ToArray());
    }

    /// <summary>A byte buffer with named positions and 32-bit RIP-relative / 8-bit jump references resolved at the end.</summary>
    private sealed class Assembler
    {
        private readonly List<byte> bytes = [];
        private readonly Dictionary<string, int> labels = [];
        private readonly List<(int At, int Size, int NextInstruction, string Label)> fixups = [];

        public int Position => bytes.Count;

        public void Emit(params byte[] values) => bytes.AddRange(values);

        public void Label(string name) => labels.Add(name, bytes.Count);

        public void Align(int alignment)
        {
            while (bytes.Count % alignment != 0)
            {
                bytes.Add(0xCC);  // int3: never executed
            }
        }

        public void Quad(string name, ulong value)
        {
            Label(name);
            AddU64(bytes, value);
        }

        /// <summary>An instruction whose last 4 bytes are a displacement from the next instruction to <paramref name="label"/>.</summary>
        public void EmitRipRelative(byte[] opcode, string label)
        {
            bytes.AddRange(opcode);
            fixups.Add((bytes.Count, 4, bytes.Count + 4, label));
            bytes.AddRange([0, 0, 0, 0]);
        }

        /// <summary>A short jump (<paramref name="opcode"/> + 8-bit displacement) to <paramref name="label"/>.</summary>
        public void EmitJump8(byte opcode, string label)
        {
            bytes.Add(opcode);
            fixups.Add((bytes.Count, 1, bytes.Count + 1, label));
            bytes.Add(0);
        }

        public byte[] Finish()
        {
            var result = bytes.ToArray();
            foreach (var (at, size, next, label) in fixups)
            {
                int displacement = labels[label] - next;
                if (size == 1)
                {
                    result[at] = unchecked((byte)checked((sbyte)displacement));
                }
                else
                {
                    BinaryPrimitives.WriteInt32LittleEndian(result.AsSpan(at, 4), displacement);
                }
            }
            return result;
        }
    }
}
