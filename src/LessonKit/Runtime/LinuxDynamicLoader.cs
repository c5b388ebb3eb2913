using System.Runtime.InteropServices;

namespace LessonKit.Runtime;

/// <summary>Asks the Linux dynamic loader (glibc's <c>dlopen</c>) about a library that is already loaded.</summary>
internal static class LinuxDynamicLoader
{
    private const int BindNow = 0x2, NoLoad = 0x4;  // RTLD_NOW, RTLD_NOLOAD

    /// <summary>
    /// The handle of the library loaded from <paramref name="path"/>, or null if no library is loaded from that file.
    /// Never loads anything (<c>RTLD_NOLOAD</c>), so a file replaced on disk since it was loaded is not loaded twice.
    /// </summary>
    public static IntPtr? HandleOfLoaded(string path)
    {
        IntPtr handle;
        try
        {
            handle = DlOpenFromLibc(path, BindNow | NoLoad);  // glibc 2.34 and later have dlopen in libc
        }
        catch (EntryPointNotFoundException)
        {
            handle = DlOpenFromLibDl(path, BindNow | NoLoad);
        }
        return handle == IntPtr.Zero ? null : handle;
    }

    [DllImport("libc.so.6", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpenFromLibc([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libdl.so.2", EntryPoint = "dlopen")]
    private static extern IntPtr DlOpenFromLibDl([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
