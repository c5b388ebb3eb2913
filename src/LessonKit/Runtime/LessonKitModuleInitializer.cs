using System.Runtime.CompilerServices;

namespace LessonKit.Runtime;

/// <summary>
/// Runs LessonKit's native-library patch step (see <see cref="TorchRuntime"/>) the moment LessonKit is first used,
/// so that it happens before TorchSharp loads its native code. .NET runs it when a method that mentions any
/// LessonKit member is compiled (even in a branch that never runs), not when the assembly is merely loaded or
/// inspected by reflection; so a notebook cell that mentions LessonKit is covered before its first statement runs.
/// It only patches files and starts watching for TorchSharp's native library (<see cref="MatmulGuard"/>); it does not
/// start TorchSharp, and it never throws.
/// </summary>
internal static class LessonKitModuleInitializer
{
#pragma warning disable CA2255 // A library module initializer is the point here: it must run before TorchSharp starts.
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        try
        {
            TorchRuntime.RunPatchStep();
        }
        catch (Exception)
        {
            // RunPatchStep already logs its own problems; nothing may escape a module initializer.
        }
        try
        {
            MatmulGuard.Start(GlibcxxMarkerFix.IsDisabled(Environment.GetEnvironmentVariable(GlibcxxMarkerFix.OptOutVariable)), TorchRuntime.AddToLog);
        }
        catch (Exception)
        {
            // Start logs its own problems; nothing may escape a module initializer.
        }
    }
}
