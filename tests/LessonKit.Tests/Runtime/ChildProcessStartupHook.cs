using System.Runtime.InteropServices;
using LessonKit.Runtime;
using TorchSharp;

/// <summary>
/// Lets the Runtime tests run code in a fresh process: started with <c>DOTNET_STARTUP_HOOKS</c> pointing at this
/// test assembly and <c>LESSONKIT_TEST_CHILD</c> set, <c>dotnet exec LessonKit.Tests.dll</c> runs
/// <see cref="Initialize"/> before the (empty) generated Main and exits from it. In the test runner this class is
/// inert. It must be called StartupHook and live in no namespace: that is how .NET finds a startup hook.
/// </summary>
internal static class StartupHook
{
    public const string ModeVariable = "LESSONKIT_TEST_CHILD";
    public const string ArgumentVariable = "LESSONKIT_TEST_CHILD_ARG";

    public static void Initialize()
    {
        var mode = Environment.GetEnvironmentVariable(ModeVariable);
        if (string.IsNullOrEmpty(mode))
        {
            return;
        }
        int exitCode = mode switch
        {
            "dlopen" => DlOpen(Environment.GetEnvironmentVariable(ArgumentVariable)!),
            "lessonkit-then-torch" => LessonKitThenTorch(),
            "notebook" => LoadTorchSharpFrom(Environment.GetEnvironmentVariable(ArgumentVariable)!) ?? LessonKitThenTorch(),
            "notebook-lessonkit-first" => UseLessonKit() ?? LoadTorchSharpFrom(Environment.GetEnvironmentVariable(ArgumentVariable)!) ?? LessonKitThenTorch(),
            "matmul" => LessonKit.Tests.Runtime.MatmulGuardChild.Run(Environment.GetEnvironmentVariable(ArgumentVariable)),
            "matmul-torch-first" => LessonKit.Tests.Runtime.MatmulGuardChild.TorchFirst(),
            _ => 90,
        };
        Console.Out.Flush();
        Console.Error.Flush();
        Environment.Exit(exitCode);
    }

    // LessonKit used before TorchSharp can even be found: its patch step must still cover the package cache.
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static int? UseLessonKit()
    {
        _ = TorchRuntime.Log;
        return null;
    }

    // Like a .NET Interactive kernel: TorchSharp.dll comes from the NuGet package folder, not from the app folder.
    private static int? LoadTorchSharpFrom(string path)
    {
        System.Runtime.Loader.AssemblyLoadContext.Default.Resolving += (context, name) =>
            name.Name == "TorchSharp" ? context.LoadFromAssemblyPath(path) : null;
        return null;
    }

    private static bool NativeLibraryMapped() =>
        File.ReadAllText("/proc/self/maps").Contains(TorchSharpNativeFiles.LibraryFileName, StringComparison.Ordinal);

    // Loads a library by path with the system loader and calls one of its exports.
    private static unsafe int DlOpen(string path)
    {
        try
        {
            var handle = NativeLibrary.Load(path);
            var getError = (delegate* unmanaged<IntPtr>)NativeLibrary.GetExport(handle, "THSTorch_get_and_reset_last_err");
            Console.WriteLine($"RESULT dlopen=ok last-error-is-null={getError() == IntPtr.Zero}");
            return 0;
        }
        catch (Exception e)
        {
            Console.WriteLine($"RESULT dlopen=failed {e.Message.ReplaceLineEndings(" ")}");
            return 1;
        }
    }

    // What a learner's notebook does: use LessonKit, then touch torch directly, then call EnsureReady.
    private static int LessonKitThenTorch()
    {
        _ = TorchRuntime.Log;  // first use of LessonKit: its module initializer runs the patch step
        var libraries = TorchSharpNativeFiles.FindForCurrentProcess();  // uses typeof(torch).Assembly
        Console.WriteLine($"RESULT native-mapped-before-torch={NativeLibraryMapped()}");
        Console.WriteLine($"RESULT libraries={string.Join("|", libraries)}");
        try
        {
            Console.WriteLine($"RESULT direct-sum={TorchDirectly()}");
        }
        catch (Exception e)
        {
            Console.WriteLine($"RESULT direct-failed={e.GetType().Name}");
        }
        try
        {
            TorchRuntime.EnsureReady();
            Console.WriteLine("RESULT ensure-ready=ok");
        }
        catch (TorchRuntimeException e)
        {
            Console.WriteLine("RESULT ensure-ready=failed");
            Console.WriteLine("MESSAGE-BEGIN");
            Console.WriteLine(e.Message);
            Console.WriteLine("MESSAGE-END");
        }
        foreach (var line in TorchRuntime.Log)
        {
            Console.WriteLine("LOG " + line);
        }
        return 0;
    }

    private static float TorchDirectly()
    {
        using var ones = torch.ones(2, 2);
        using var sum = ones.sum();
        return sum.item<float>();
    }
}
