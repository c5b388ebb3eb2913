using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace LessonKit.Runtime;

/// <summary>Where the matmul guard stands in this process.</summary>
internal enum MatmulGuardState
{
    /// <summary>Not started (LessonKit's module initializer has not run, or not on Linux x64).</summary>
    NotStarted,

    /// <summary>Waiting for TorchSharp to load its native library (the guard goes in at TorchSharp's first native call).</summary>
    Waiting,

    /// <summary><c>torch.matmul</c> now goes through the guard: a shape mistake throws instead of ending the process.</summary>
    Installed,

    /// <summary>Left as TorchSharp ships it (turned off, another build, or a step failed); <see cref="MatmulGuard.Detail"/> says why.</summary>
    LeftAlone,
}

/// <summary>
/// Makes <c>torch.matmul</c> / <c>Tensor.matmul</c> throw a managed exception when the shapes do not fit, instead of
/// ending the whole process (and a notebook kernel with every variable in it).
/// </summary>
/// <remarks>
/// <para>
/// Why it is needed: in TorchSharp 0.107.0 every native entry point wraps its libtorch call in a try/catch that stores
/// the error for <c>CheckForErrors()</c>, except <c>THSTensor_matmul</c>. libtorch's <c>c10::Error</c> then unwinds
/// into .NET code, which C++ cannot unwind through, and the C++ runtime calls <c>std::terminate</c>: SIGABRT.
/// TorchSharp's managed <c>matmul</c> already checks for an error when the native call returns null.
/// </para>
/// <para>
/// What LessonKit does, in this process only (no file is changed): it writes a small native function that calls the
/// original <c>THSTensor_matmul</c> inside a try/catch and stores the error where TorchSharp looks
/// (<see cref="CatchingGuardCode"/>), and points the library's <c>THSTensor_matmul</c> symbol at it in memory
/// (<see cref="SymbolRedirect"/>), before .NET binds TorchSharp's <c>[DllImport]</c> of that name. Valid products run
/// the original code unchanged, so results are bit for bit the same. It does this only for the exact
/// <c>libLibTorchSharp.so</c> build it knows (<see cref="LibTorchSharpBuild"/>), says so in one line on stderr, and
/// is turned off, like the libstdc++ fix, by <c>LESSONKIT_NO_NATIVE_PATCH=1</c>.
/// </para>
/// <para>
/// When: LessonKit's module initializer registers a <see cref="NativeLibrary.SetDllImportResolver"/> callback on
/// TorchSharp's assembly. .NET calls it each time it binds one of TorchSharp's native functions, the first time
/// right after TorchSharp's static constructor loaded the library; the guard goes in then, before any
/// <c>matmul</c> can be bound. The callback always returns "not handled", so .NET then loads the library as usual.
/// </para>
/// </remarks>
internal static class MatmulGuard
{
    private const string TorchSharpLibraryName = "LibTorchSharp";  // the name in TorchSharp's [DllImport]s

    private static readonly Lock Gate = new();
    private static MatmulGuardState state = MatmulGuardState.NotStarted;
    private static string detail = "LessonKit's module initializer has not run yet.";
    private static bool loadedBeforeStart;  // TorchSharp's library was loaded before the guard started: a matmul may already be bound

    /// <summary>Where the guard stands.</summary>
    public static MatmulGuardState State
    {
        get
        {
            lock (Gate)
            {
                return state;
            }
        }
    }

    /// <summary>A sentence saying what happened (why it is left alone, or which file it guards).</summary>
    public static string Detail
    {
        get
        {
            lock (Gate)
            {
                return detail;
            }
        }
    }

    /// <summary>
    /// Starts the guard (once per process): registers the callback on TorchSharp's assembly and, if TorchSharp's
    /// library is already loaded, installs the guard now. Never throws; writes what it did to <paramref name="log"/>.
    /// </summary>
    public static void Start(bool disabled, Action<string> log)
    {
        var lines = new List<string>();
        lock (Gate)
        {
            StartLocked(disabled, lines);
        }
        lines.ForEach(log);  // outside the lock: the log has a lock of its own
    }

    /// <summary>Installs the guard if TorchSharp's library is loaded and the guard is still waiting. Never throws.</summary>
    public static void TryInstall(Action<string> log)
    {
        var lines = new List<string>();
        lock (Gate)
        {
            TryInstallLocked(lines);
        }
        lines.ForEach(log);
    }

    private static void StartLocked(bool disabled, List<string> log)
    {
        if (state != MatmulGuardState.NotStarted)
        {
            return;
        }
        if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
        {
            LeaveAlone($"the matmul guard is for Linux x64 only (this is {RuntimeInformation.OSDescription}, {RuntimeInformation.ProcessArchitecture})", log);
            return;
        }
        if (disabled)
        {
            LeaveAlone($"{GlibcxxMarkerFix.OptOutVariable} is set, so torch.matmul is left as TorchSharp ships it (shapes that do not fit end the process)", log);
            return;
        }
        var torchSharp = TorchSharpNativeFiles.TorchSharpAssembly();
        if (torchSharp is null)
        {
            LeaveAlone("TorchSharp.dll cannot be loaded yet, so LessonKit cannot watch for its native library; torch.matmul is not guarded", log);
            return;
        }
        try
        {
            NativeLibrary.SetDllImportResolver(torchSharp, OnTorchSharpBinding);
        }
        catch (InvalidOperationException e)
        {
            LeaveAlone($"TorchSharp.dll already has a native library resolver ({e.Message.TrimEnd('.')}); torch.matmul is not guarded", log);
            return;
        }
        state = MatmulGuardState.Waiting;
        detail = "waiting for TorchSharp to load its native library.";
        loadedBeforeStart = MappedLibraries().Length > 0;
        TryInstallLocked(log);
    }

    private static string[] MappedLibraries() =>
        ProcessMemoryMap.MappedFiles().Where(f => f.EndsWith("/" + TorchSharpNativeFiles.LibraryFileName, StringComparison.Ordinal)).ToArray();

    // Called by .NET before it binds each of TorchSharp's [DllImport]s; returning zero lets .NET load the library as usual.
    private static IntPtr OnTorchSharpBinding(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName == TorchSharpLibraryName && State == MatmulGuardState.Waiting)
        {
            TryInstall(TorchRuntime.AddToLog);
        }
        return IntPtr.Zero;
    }

    private static void TryInstallLocked(List<string> log)
    {
        if (state != MatmulGuardState.Waiting)
        {
            return;
        }
        try
        {
            var loaded = MappedLibraries();
            if (loaded.Length == 0)
            {
                return;  // not loaded yet: the next binding tries again
            }
            if (loaded.Length > 1)
            {
                LeaveAlone($"{loaded.Length} copies of {TorchSharpNativeFiles.LibraryFileName} are loaded ({string.Join(", ", loaded)}), so LessonKit cannot tell which one TorchSharp calls; torch.matmul is not guarded", log, warn: true);
                return;
            }
            var layout = LibTorchSharpBuild.Recognize(loaded[0], out var problem);
            if (layout is null)
            {
                LeaveAlone($"{loaded[0]}: {problem}, so LessonKit left it alone and torch.matmul is not guarded (shapes that do not fit end the process; use mm, bmm or einsum)", log, warn: true);
                return;
            }
            Install(layout, log);
        }
        catch (Exception e)
        {
            LeaveAlone($"installing the matmul guard failed ({e.GetType().Name}: {e.Message.TrimEnd('.')}); torch.matmul is not guarded", log, warn: true);
        }
    }

    private static unsafe void Install(LibTorchSharpMatmulLayout layout, List<string> log)
    {
        var library = LinuxDynamicLoader.HandleOfLoaded(layout.Path)
            ?? throw new InvalidOperationException($"{layout.Path} is mapped but the loader does not know it by that path");
        ulong Export(string name) => (ulong)NativeLibrary.GetExport(library, name);  // searches the library, then what it needs

        ulong loadAddress = Export(LibTorchSharpBuild.LastErrorSymbol) - layout.LastErrorValue;
        var entry = new Span<byte>((void*)(loadAddress + layout.MatmulEntryAddress), SymbolRedirect.EntrySize);
        if (!entry.SequenceEqual(layout.MatmulEntry))
        {
            LeaveAlone($"{layout.Path}: the {LibTorchSharpBuild.MatmulSymbol} entry in memory is not what the file has (another tool changed it?), so LessonKit left it alone; torch.matmul is not guarded", log, warn: true);
            return;
        }

        var imports = new CatchingGuardImports(
            Target: loadAddress + layout.MatmulValue,
            ErrorSlotTlsIndex: loadAddress + layout.ErrorSlotTlsIndex,
            TlsGetAddr: Export("__tls_get_addr"),
            StrDup: Export("strdup"),
            BeginCatch: Export("__cxa_begin_catch"),
            EndCatch: Export("__cxa_end_catch"),
            Personality: Export("__gxx_personality_v0"),
            StdExceptionTypeInfo: Export("_ZTISt9exception"),
            MessageFormatter: MatmulErrorMessage.Connect((IntPtr)Export("THSTensor_ndimension"), (IntPtr)Export("THSTensor_size")));
        var registerFrame = (delegate* unmanaged<IntPtr, void>)Export("__register_frame");  // libgcc_s: the unwinder libstdc++ uses

        // The guard lives in a page of its own for the rest of the process: written, then made read + execute.
        int size = LinuxMemory.PageSize;
        var page = LinuxMemory.MapReadWrite(size);
        var image = CatchingGuardCode.Build((ulong)page, imports);
        if (image.Bytes.Length > size)
        {
            throw new InvalidOperationException($"the guard needs {image.Bytes.Length} bytes, more than one page");
        }
        image.Bytes.CopyTo(new Span<byte>((void*)page, image.Bytes.Length));
        LinuxMemory.Protect(page, size, LinuxMemory.ProtectRead | LinuxMemory.ProtectExecute);
        registerFrame(page + image.EhFrameOffset);

        ulong newValue = SymbolRedirect.ValueFor((ulong)page, loadAddress);
        LinuxMemory.WriteIntoProtectedMapping((IntPtr)(long)(loadAddress + layout.MatmulEntryAddress), SymbolRedirect.Redirected(layout.MatmulEntry, newValue));

        state = MatmulGuardState.Installed;
        detail = $"torch.matmul goes through LessonKit's guard (in memory, for {layout.Path}).";
        log.Add($"Guarded {LibTorchSharpBuild.MatmulSymbol} of {layout.Path} in this process: its symbol now points at a try/catch around the original (at 0x{(ulong)page:x}); a matmul error becomes a managed exception.");
        Console.Error.WriteLine(
            "LessonKit: in TorchSharp 0.107.0 a torch.matmul whose shapes do not fit ends the whole process (its native code does not catch " +
            "libtorch's error); LessonKit put a guard around it in this process, so it throws an exception instead, like mm and bmm" +
            (loadedBeforeStart ? " (unless torch.matmul already ran before LessonKit was first used: .NET keeps what it bound then)." : "."));
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void LeaveAlone(string why, List<string> log, bool warn = false)
    {
        state = MatmulGuardState.LeftAlone;
        detail = why + ".";
        log.Add($"Matmul guard: {why}.");
        if (warn)
        {
            Console.Error.WriteLine($"LessonKit: {why}.");
        }
    }
}
