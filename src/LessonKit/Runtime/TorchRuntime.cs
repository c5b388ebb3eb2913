using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace LessonKit.Runtime;

/// <summary>
/// Gets TorchSharp's native libraries (libtorch) running, and explains clearly when they cannot run.
/// </summary>
/// <remarks>
/// <para>
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> asks for <c>GLIBCXX_3.4.32</c> (GCC 13's libstdc++) only
/// because of <c>std::ios_base_library_init()</c>, a link-time marker it never calls. Debian 12 and Ubuntu 22.04
/// ship an older libstdc++, so the library would not load there. On such systems LessonKit marks that single
/// requirement weak (after checking that nothing else needs the version), prints one line to stderr for each file
/// it changes, and records what it did in <see cref="Log"/>. Elsewhere (Ubuntu 24.04, the dev container,
/// Windows, macOS) it changes nothing.
/// </para>
/// <para>
/// The patch step runs by itself (a module initializer) as soon as code that mentions anything from LessonKit is
/// compiled, which in a notebook is before any statement of that cell runs, so before TorchSharp starts. Only a
/// cell that uses <c>torch</c> before any cell has mentioned LessonKit is too early: call
/// <see cref="EnsureReady"/> first. Set the environment variable <c>LESSONKIT_NO_NATIVE_PATCH=1</c> to turn the
/// patch off.
/// </para>
/// <para>
/// The same start also guards <c>torch.matmul</c>, whose shape errors would otherwise end the process (see
/// <see cref="MatmulGuard"/>); <c>LESSONKIT_NO_NATIVE_PATCH=1</c> turns that off too.
/// In a .NET Interactive notebook, <see cref="EnsureReady"/> called in a first cell that holds only <c>#r</c> lines and
/// namespace usings (as the lessons do) also gives the kernel's C# compiler exact-version references, so later cells
/// calling TorchSharp compile without warning CS1701 (see <see cref="KernelCompileReferences"/>).
/// </para>
/// </remarks>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static readonly List<string> log = [];
    private static GlibcxxMarkerFix.Result? patchStep;
    private static bool patchStepDone;
    private static bool ready;

    /// <summary>What LessonKit checked and did so far, one sentence per entry (a copy; safe to keep).</summary>
    public static IReadOnlyList<string> Log
    {
        get
        {
            lock (Gate)
            {
                return log.ToArray();
            }
        }
    }

    /// <summary>
    /// Makes sure TorchSharp can run: applies the libstdc++ fix if needed (see the remarks on
    /// <see cref="TorchRuntime"/>), then starts TorchSharp's CPU backend. In a notebook kernel's first cell it also
    /// gives the kernel's C# compiler LessonKit's exact-version references (<see cref="KernelCompileReferences"/>).
    /// Safe to call many times and from many threads; after the first success it returns at once.
    /// </summary>
    /// <exception cref="TorchRuntimeException">
    /// TorchSharp cannot start. The message says why (for example: the C++ runtime is too old and the library
    /// file could not be patched; or another libtorch on the system, such as Debian's <c>python3-torch</c>, was
    /// loaded instead) and what to do.
    /// </exception>
    public static void EnsureReady()
    {
        KernelCompileReferences.ApplyIfInKernel();
        lock (Gate)
        {
            if (ready)
            {
                return;
            }
            RunPatchStepLocked();
            var failure = TryStartTorch();
            if (failure is null)
            {
                ready = true;
                MatmulGuard.TryInstall(log.Add);
                var loaded = ProcessMemoryMap.MappedFiles().Where(f => f.EndsWith("/" + TorchSharpNativeFiles.LibraryFileName, StringComparison.Ordinal));
                log.Add($"TorchSharp started (native library: {string.Join(", ", loaded.DefaultIfEmpty("not found in the memory map"))}).");
                return;
            }
            var facts = TorchLoadDiagnostics.Gather(failure, patchStep, log.ToArray());
            var explanation = TorchLoadDiagnostics.Explain(facts, TorchLoadDiagnostics.OwningDebianPackage);
            log.Add($"EnsureReady failed: {explanation.Split('\n')[0]}");
            throw new TorchRuntimeException(explanation, failure);
        }
    }

    /// <summary>Adds a sentence to <see cref="Log"/>.</summary>
    internal static void AddToLog(string line)
    {
        lock (Gate)
        {
            log.Add(line);
        }
    }

    /// <summary>
    /// Runs the patch step once per process (later calls do nothing). Does not start TorchSharp.
    /// Never throws: problems go to <see cref="Log"/> (and stderr when a needed patch fails).
    /// </summary>
    internal static void RunPatchStep()
    {
        lock (Gate)
        {
            RunPatchStepLocked();
        }
    }

    private static void RunPatchStepLocked()
    {
        if (patchStepDone)
        {
            return;
        }
        patchStepDone = true;
        try
        {
            if (!OperatingSystem.IsLinux() || RuntimeInformation.ProcessArchitecture != Architecture.X64)
            {
                log.Add($"Nothing to patch on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}): the GLIBCXX_3.4.32 fix is for Linux x64 only.");
                return;
            }
            var libStdCxx = LibStdCxxProbe.FindForCurrentProcess(out var problem);
            // Only look for TorchSharp's files when they may need the patch (keeps the common case cheap).
            bool mayNeedPatch = libStdCxx is not null && !libStdCxx.Defines(VersionRequirementRule.IosBaseLibraryInitMarker.Version);
            if (mayNeedPatch && TorchSharpNativeFiles.TorchSharpAssembly() is null)
            {
                log.Add($"TorchSharp.dll cannot be loaded yet, so only the NuGet package cache and the app folder are searched for {TorchSharpNativeFiles.LibraryFileName}.");
            }
            var libraries = mayNeedPatch ? TorchSharpNativeFiles.FindForCurrentProcess() : [];
            bool disabled = GlibcxxMarkerFix.IsDisabled(Environment.GetEnvironmentVariable(GlibcxxMarkerFix.OptOutVariable));
            patchStep = GlibcxxMarkerFix.Run(libStdCxx, problem, libraries, disabled, Console.Error, log);
        }
        catch (Exception e)
        {
            // The module initializer must never take the learner's program down: record and carry on.
            log.Add($"The GLIBCXX_3.4.32 check failed unexpectedly: {e.GetType().Name}: {e.Message}");
        }
    }

    // Kept in its own method, never inlined: touching any member of 'torch' runs TorchSharp's static constructor,
    // which loads the native library, and that must happen only after the patch step.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static Exception? TryStartTorch()
    {
        try
        {
            torch.InitializeDeviceType(DeviceType.CPU);
            using var probe = torch.ones(2);
            using var total = probe.sum();
            return total.item<float>() == 2f ? null : new InvalidOperationException("libtorch computed a wrong sum of torch.ones(2).");
        }
        catch (Exception e)
        {
            return e;
        }
    }
}
