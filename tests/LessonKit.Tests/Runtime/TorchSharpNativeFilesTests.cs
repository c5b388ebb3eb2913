using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

public sealed class TorchSharpNativeFilesTests
{
    [Fact]
    public void Looks_in_the_package_cache_first_then_next_to_TorchSharp_and_the_app()
    {
        var folders = TorchSharpNativeFiles.CandidateFolders("/home/me/.nuget/packages/torchsharp/0.107.0/lib/net8.0",
            "/work/app/bin/", "/home/me/.nuget/packages", "0.107.0");

        Assert.Equal(
        [
            "/home/me/.nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native",
            "/home/me/.nuget/packages/torchsharp/0.107.0/lib/net8.0/cpu",
            "/home/me/.nuget/packages/torchsharp/0.107.0/lib/net8.0",
            "/home/me/.nuget/packages/torchsharp/0.107.0/lib/net8.0/runtimes/linux-x64/native",
            "/work/app/bin",
            "/work/app/bin/runtimes/linux-x64/native",
            "/work/app/bin/cpu",
        ], folders);
    }

    [Fact]
    public void Finds_existing_libraries_once_even_through_symbolic_links()
    {
        using var root = new TempFolder();
        var native = Directory.CreateDirectory(root.File("native")).FullName;
        var cpu = Directory.CreateDirectory(root.File("cpu")).FullName;
        var empty = Directory.CreateDirectory(root.File("empty")).FullName;
        var linked = Directory.CreateDirectory(root.File("linked")).FullName;
        File.WriteAllText(Path.Combine(native, TorchSharpNativeFiles.LibraryFileName), "a");
        File.WriteAllText(Path.Combine(cpu, TorchSharpNativeFiles.LibraryFileName), "b");
        File.CreateSymbolicLink(Path.Combine(linked, TorchSharpNativeFiles.LibraryFileName), Path.Combine(native, TorchSharpNativeFiles.LibraryFileName));

        var found = TorchSharpNativeFiles.ExistingLibraries([native, empty, linked, cpu, root.File("missing")]);

        Assert.Equal([Path.Combine(native, TorchSharpNativeFiles.LibraryFileName), Path.Combine(cpu, TorchSharpNativeFiles.LibraryFileName)], found);
    }

    [Fact]
    public void The_package_version_is_the_referenced_TorchSharp()
    {
        // If this fails after a TorchSharp upgrade, check that the new libLibTorchSharp.so still needs the patch.
        Assert.Equal(TorchSharpNativeFiles.FallbackPackageVersion, TorchSharpNativeFiles.PackageVersion);
        Assert.Equal("0.107.0", TorchSharpNativeFiles.PackageVersion);
    }

    [Fact]
    public void In_this_test_process_the_copy_next_to_the_tests_is_found()
    {
        var found = TorchSharpNativeFiles.FindForCurrentProcess();
        Assert.Contains(Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", TorchSharpNativeFiles.LibraryFileName), found);
    }
}
