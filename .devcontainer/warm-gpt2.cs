#:project ../src/LessonKit/LessonKit.csproj
#:property PublishAot=false
// (A file-based app defaults to Native AOT settings, which switch off the reflection-based JSON LessonKit reads configs with.)
// Downloads GPT-2 small into the Hugging Face cache, with progress, and checks that it runs.
// Run from the repository root: dotnet run --file .devcontainer/warm-gpt2.cs  (post-create.sh does it once).
using LessonKit;

try
{
    using var model = HookedGpt2.FromPretrained("gpt2");
    Console.WriteLine(model);
    Console.WriteLine($"Test: \"{model.Generate("The cat sat on the", maxNewTokens: 5, temperature: 0)}\"");
    return 0;
}
catch (Exception e)
{
    // The message says what failed (network, disk, ...); the stack trace would only bury it.
    Console.Error.WriteLine($"Could not load GPT-2 small: {e.Message}");
    for (var inner = e.InnerException; inner is not null; inner = inner.InnerException)
        Console.Error.WriteLine($"  because: {inner.Message}");
    return 1;
}
