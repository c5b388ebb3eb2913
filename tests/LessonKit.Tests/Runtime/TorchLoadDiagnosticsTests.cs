using LessonKit.Runtime;

namespace LessonKit.Tests.Runtime;

public sealed class TorchLoadDiagnosticsTests
{
    private const string DebianLibtorch = "/usr/lib/x86_64-linux-gnu/libtorch_cpu.so.1.13";

    private static readonly LibStdCxxInfo Gcc12 = new("/usr/lib/x86_64-linux-gnu/libstdc++.so.6.0.30", "already loaded in this process",
        ["GLIBCXX_3.4", "GLIBCXX_3.4.30"]);

    private static Exception TorchSharpFailure(string inner) =>
        new TypeInitializationException("TorchSharp.torch", new NotSupportedException(inner));

    private static TorchLoadFacts Facts(Exception failure, GlibcxxMarkerFix.Result? step = null, string? probe = null,
        string[]? mapped = null, string[]? onLoaderPath = null, string? ldLibraryPath = null) =>
        new(failure, step, probe, mapped ?? [], onLoaderPath ?? [], ldLibraryPath, ["a log line"]);

    [Fact]
    public void Names_a_system_libtorch_loaded_instead_and_the_Debian_package_to_remove()
    {
        using var app = new TempFolder();  // TorchSharp's own native folder: it holds libLibTorchSharp.so
        File.WriteAllText(app.File(TorchSharpNativeFiles.LibraryFileName), "");
        var facts = Facts(TorchSharpFailure("This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64"),
            probe: "Unable to load shared library '/app/runtimes/linux-x64/native/libLibTorchSharp.so' or one of its dependencies: " +
                   "/app/runtimes/linux-x64/native/libLibTorchSharp.so: undefined symbol: _ZN3c1013MessageLoggerC1EPKciib",
            mapped: ["/usr/lib/x86_64-linux-gnu/libc.so.6", DebianLibtorch, app.File("libtorch.so")]);
        var packages = new Dictionary<string, string>
        {
            ["/usr/lib/x86_64-linux-gnu/libtorch_cpu.so"] = "libtorch-dev",
            [DebianLibtorch] = "libtorch1.13",
        };

        var message = TorchLoadDiagnostics.Explain(facts, p => packages.GetValueOrDefault(p));

        Assert.StartsWith("TorchSharp could not start: another libtorch was loaded instead of the libtorch 2.10", message);
        Assert.Contains("undefined symbol: _ZN3c1013MessageLoggerC1EPKciib", message);
        Assert.Contains("  " + DebianLibtorch, message);
        Assert.Contains("libtorch_cpu.so belongs to the Debian/Ubuntu package libtorch-dev", message);
        Assert.Contains("sudo apt remove libtorch-dev", message);
        Assert.Contains("python3-torch", message);
        Assert.Contains("restart the kernel", message);
        Assert.Contains("a log line", message);
        Assert.DoesNotContain(app.Path, message);
    }

    [Fact]
    public void Names_a_libtorch_found_through_LD_LIBRARY_PATH()
    {
        var facts = Facts(TorchSharpFailure("doesn't contain a reference to libtorch-cpu-linux-x64"),
            probe: "/app/libLibTorchSharp.so: undefined symbol: _ZN5torch3jit6Module",
            onLoaderPath: ["/home/me/miniconda3/lib/python3.11/site-packages/torch/lib/libc10.so"],
            ldLibraryPath: "/home/me/miniconda3/lib/python3.11/site-packages/torch/lib/");

        var message = TorchLoadDiagnostics.Explain(facts, _ => null);

        Assert.Contains("another libtorch is on the library search path", message);
        Assert.Contains("/home/me/miniconda3/lib/python3.11/site-packages/torch/lib/libc10.so", message);
        Assert.Contains("/home/me/miniconda3/lib/python3.11/site-packages/torch/lib is in LD_LIBRARY_PATH", message);
        Assert.DoesNotContain("apt remove", message);
    }

    [Fact]
    public void TorchSharps_own_libtorch_is_not_blamed()
    {
        var mapped = new[]
        {
            "/home/me/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/libtorch_cpu.so",
            "/home/me/.nuget/packages/libtorch-cpu-linux-x64/2.10.0/runtimes/linux-x64/native/libc10.so",
        };
        Assert.Empty(TorchLoadDiagnostics.ForeignTorchLibraries(mapped));
        Assert.Equal([DebianLibtorch], TorchLoadDiagnostics.ForeignTorchLibraries([.. mapped, DebianLibtorch, "/usr/lib/x86_64-linux-gnu/libz.so.1"]));
    }

    [Fact]
    public void Explains_a_missing_GLIBCXX_that_could_not_be_patched_with_chmod_advice()
    {
        const string library = "/home/me/.nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native/libLibTorchSharp.so";
        var denied = new PatchResult(library, PatchOutcome.Failed,
            "could not write a patched copy in /home/me/.nuget/packages/torchsharp/0.107.0/runtimes/linux-x64/native and rename it over libLibTorchSharp.so: Access to the path is denied.",
            new UnauthorizedAccessException("Access to the path is denied."));
        var step = new GlibcxxMarkerFix.Result(Gcc12, Needed: true, Disabled: false, [library], [denied]);
        var facts = Facts(TorchSharpFailure("doesn't contain a reference to libtorch-cpu-linux-x64"), step,
            probe: $"/usr/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by {library})");

        var message = TorchLoadDiagnostics.Explain(facts, _ => null);

        Assert.StartsWith("TorchSharp could not start: its native library libLibTorchSharp.so needs GLIBCXX_3.4.32", message);
        Assert.Contains($"the libstdc++ this process uses ({Gcc12.Path}) stops at GLIBCXX_3.4.30", message);
        Assert.Contains($"  - {library}: could not write", message);
        Assert.Contains($"chmod u+w '{Path.GetDirectoryName(library)}' '{library}'", message);
        Assert.Contains("GCC 13", message);
        Assert.Contains("Ubuntu 24.04", message);
        Assert.Contains("dev container", message);
        Assert.Contains("restart", message);
        Assert.DoesNotContain("a copy LessonKit did not look at", message);
    }

    [Fact]
    public void Explains_a_missing_GLIBCXX_when_patching_was_turned_off()
    {
        var step = new GlibcxxMarkerFix.Result(Gcc12, Needed: true, Disabled: true, ["/app/libLibTorchSharp.so"], []);
        var message = TorchLoadDiagnostics.Explain(Facts(TorchSharpFailure("no"), step), _ => null);

        Assert.Contains("needs GLIBCXX_3.4.32", message);
        Assert.Contains($"Unset {GlibcxxMarkerFix.OptOutVariable}", message);
        Assert.DoesNotContain("chmod", message);
    }

    [Fact]
    public void Points_at_a_copy_the_loader_names_that_LessonKit_did_not_patch()
    {
        var step = new GlibcxxMarkerFix.Result(Gcc12, Needed: true, Disabled: false, [],  []);
        var facts = Facts(TorchSharpFailure("no"), step,
            probe: "/lib/x86_64-linux-gnu/libstdc++.so.6: version `GLIBCXX_3.4.32' not found (required by /opt/other/libLibTorchSharp.so)");

        var message = TorchLoadDiagnostics.Explain(facts, _ => null);

        Assert.Contains("the loader complains about /opt/other/libLibTorchSharp.so, a copy LessonKit did not look at", message);
    }

    [Fact]
    public void A_weak_version_warning_is_not_mistaken_for_the_cause()
    {
        var step = new GlibcxxMarkerFix.Result(Gcc12, Needed: true, Disabled: false, ["/app/libLibTorchSharp.so"],
            [new PatchResult("/app/libLibTorchSharp.so", PatchOutcome.AlreadyWeak, "already weak")]);
        var facts = Facts(TorchSharpFailure("Something else went wrong\nTrace from LoadNativeBackend: ..."), step,
            probe: "libstdc++.so.6: weak version `GLIBCXX_3.4.32' not found (required by /app/libLibTorchSharp.so)");

        var message = TorchLoadDiagnostics.Explain(facts, _ => null);

        Assert.StartsWith("TorchSharp could not start: Something else went wrong", message);
        Assert.DoesNotContain("Trace from LoadNativeBackend", message);
        Assert.Contains("Loading TorchSharp's native library directly says:", message);
    }
}
