using System.Runtime.CompilerServices;

namespace LessonKit.Runtime;

/// <summary>
/// Runs LessonKit's native-library patch step (see <see cref="TorchRuntime"/>) the moment the LessonKit assembly
/// is first used, so that it happens before TorchSharp loads its native code even when a learner's first cell
/// touches <c>torch</c> right after using anything from LessonKit. It only patches files; it does not start
/// TorchSharp, and it never throws.
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
    }
}
