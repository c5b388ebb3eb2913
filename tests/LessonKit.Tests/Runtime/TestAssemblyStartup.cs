using System.Runtime.CompilerServices;
using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// Makes sure LessonKit's native-library patch step has run before any test touches TorchSharp, whatever order
/// the tests run in: on a clean Debian 12 / Ubuntu 22.04 machine a test that used <c>torch</c> before anything from
/// LessonKit would otherwise make TorchSharp fail for the rest of the test process.
/// </summary>
internal static class TestAssemblyStartup
{
#pragma warning disable CA2255 // test assembly: runs before the first test
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (Environment.GetEnvironmentVariable(StartupHook.ModeVariable) is not null)
        {
            return;  // a child process of the Runtime tests: it checks that LessonKit does this by itself
        }
        UseLessonKit();
    }

    // A separate method: merely compiling a method that mentions a LessonKit type can run LessonKit's module
    // initializer, which the child-process tests must see happen on their own terms.
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void UseLessonKit() => _ = TorchRuntime.Log;  // first use of LessonKit: its module initializer runs the patch step
}
