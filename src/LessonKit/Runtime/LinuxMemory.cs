using System.Globalization;
using System.Runtime.InteropServices;

namespace LessonKit.Runtime;

/// <summary>
/// The few Linux memory calls the matmul guard needs (glibc's <c>mmap</c> and <c>mprotect</c>): a page of its own
/// for the guard's code, and a short write into a read-only page of a loaded library.
/// </summary>
internal static class LinuxMemory
{
    public const int ProtectRead = 0x1, ProtectWrite = 0x2, ProtectExecute = 0x4;
    private const int MapPrivate = 0x02, MapAnonymous = 0x20;
    private static readonly IntPtr MapFailed = new(-1);

    /// <summary>The size of a memory page.</summary>
    public static int PageSize => Environment.SystemPageSize;

    /// <summary>Maps <paramref name="length"/> bytes of fresh, zeroed, readable and writable memory.</summary>
    /// <exception cref="InvalidOperationException">The kernel refused (the message has errno).</exception>
    public static IntPtr MapReadWrite(int length)
    {
        var address = mmap(IntPtr.Zero, (nuint)length, ProtectRead | ProtectWrite, MapPrivate | MapAnonymous, -1, 0);
        if (address == MapFailed)
        {
            throw new InvalidOperationException($"mmap of {length} bytes failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        return address;
    }

    /// <summary>Sets the protection of the pages that hold [<paramref name="address"/>, +<paramref name="length"/>).</summary>
    /// <exception cref="InvalidOperationException">The kernel refused (the message has errno).</exception>
    public static void Protect(IntPtr address, int length, int protection)
    {
        long page = PageSize;
        long start = (long)address & ~(page - 1);
        long end = ((long)address + length + page - 1) & ~(page - 1);
        if (mprotect(new IntPtr(start), (nuint)(end - start), protection) != 0)
        {
            throw new InvalidOperationException(
                $"mprotect(0x{start:x}, {end - start}, {protection}) failed (errno {Marshal.GetLastPInvokeError()}).");
        }
    }

    /// <summary>
    /// Writes <paramref name="bytes"/> at <paramref name="address"/> inside a mapping that is not writable (such as a
    /// library's symbol table): makes its pages writable, writes, and gives them back the protection
    /// <c>/proc/self/maps</c> showed. The mapping is private, so only this process sees the change, never the file.
    /// </summary>
    public static unsafe void WriteIntoProtectedMapping(IntPtr address, ReadOnlySpan<byte> bytes)
    {
        int original = ProtectionAt(address, bytes.Length);
        Protect(address, bytes.Length, original | ProtectWrite);
        try
        {
            bytes.CopyTo(new Span<byte>((void*)address, bytes.Length));
        }
        finally
        {
            Protect(address, bytes.Length, original);
        }
    }

    /// <summary>The protection of the mapping that holds the whole range, from <c>/proc/self/maps</c>.</summary>
    /// <exception cref="InvalidOperationException">No single mapping holds the range.</exception>
    public static int ProtectionAt(IntPtr address, int length)
    {
        ulong start = (ulong)address, end = start + (ulong)length;
        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            // address-range perms offset dev inode path, e.g. "7f12a0000000-7f12a0050000 r--p 00000000 08:01 42 /x.so"
            var fields = line.Split(' ', 3, StringSplitOptions.RemoveEmptyEntries);
            var range = fields[0].Split('-');
            ulong from = ulong.Parse(range[0], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            ulong to = ulong.Parse(range[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture);
            if (start >= from && end <= to)
            {
                string perms = fields[1];
                return (perms[0] == 'r' ? ProtectRead : 0) | (perms[1] == 'w' ? ProtectWrite : 0) | (perms[2] == 'x' ? ProtectExecute : 0);
            }
        }
        throw new InvalidOperationException($"no single mapping in /proc/self/maps holds 0x{start:x}..0x{end:x}.");
    }

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern IntPtr mmap(IntPtr address, nuint length, int protection, int flags, int fd, nint offset);

    [DllImport("libc.so.6", SetLastError = true)]
    private static extern int mprotect(IntPtr address, nuint length, int protection);
}
