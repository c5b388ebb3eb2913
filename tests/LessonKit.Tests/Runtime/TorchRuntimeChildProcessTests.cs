using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LessonKit.Runtime;
using Xunit.Abstractions;
using static LessonKit.Tests.Runtime.NativeTestFiles;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// The whole path as a learner meets it, each in a fresh process: a pristine TorchSharp native library, LessonKit's
/// patch step, TorchSharp starting (or a clear explanation why not). Linux x64 only.
/// </summary>
public sealed class TorchRuntimeChildProcessTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempFolder folder = new();

    private ChildResult Run(string appFolder, string mode, string? argument = null, IDictionary<string, string?>? environment = null,
        string? userName = null)
    {
        var result = ChildProcess.Run(appFolder, mode, argument, environment, userName);
        output.WriteLine($"=== {mode} {argument}\n{result}");
        return result;
    }

    public void Dispose() => folder.Dispose();

    [SupportedOSPlatformGuard("linux")]
    private static bool Applicable => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    // Whether this machine's libstdc++ lacks GLIBCXX_3.4.32 (Debian 12, Ubuntu 22.04) or has it (Ubuntu 24.04).
    private static LibStdCxxInfo LibStdCxx => LibStdCxxProbe.FindForCurrentProcess(out var problem) ?? throw new InvalidOperationException(problem);

    private static bool PatchNeeded => !LibStdCxx.Defines(MarkerVersion);

    private Dictionary<string, string?> IsolatedNuGet() =>
        new() { ["NUGET_PACKAGES"] = Directory.CreateDirectory(folder.File("empty-nuget")).FullName };

    [Fact]
    public void The_module_initializer_patches_before_TorchSharp_starts_and_says_so_once()
    {
        if (!Applicable) return;
        var app = ChildProcess.CreateAppWithPristineLibrary(folder);
        var library = Path.Combine(app, "runtimes", "linux-x64", "native", TorchSharpNativeFiles.LibraryFileName);
        var mode = File.GetUnixFileMode(library);

        var child = Run(app, "lessonkit-then-torch", environment: IsolatedNuGet());

        Assert.True(child.ExitCode == 0, child.ToString());
        Assert.True(child.Result("native-mapped-before-torch") == "False", child.ToString());  // typeof(torch).Assembly did not start TorchSharp
        Assert.Contains(library, child.Result("libraries") ?? "");
        Assert.True(child.Result("direct-sum") == "4", child.ToString());                       // torch used directly, no EnsureReady yet
        Assert.True(child.Result("ensure-ready") == "ok", child.ToString());
        var lessonKitLines = child.Stderr.Split('\n').Where(l => l.StartsWith("LessonKit:", StringComparison.Ordinal) && !l.Contains("torch.matmul", StringComparison.Ordinal)).ToArray();  // the matmul guard's line is MatmulGuardChildProcessTests' business
        if (PatchNeeded)
        {
            Assert.Equal(
                [$"LessonKit: libLibTorchSharp.so needs GLIBCXX_3.4.32 only for std::ios_base_library_init (a link-time marker); your libstdc++ stops at {LibStdCxx.NewestGlibcxx}, so LessonKit marked that requirement weak in {library}."],
                lessonKitLines);
            Assert.True(MarkerNeed(library).IsWeak);
            Assert.Equal(mode, File.GetUnixFileMode(library));
        }
        else
        {
            Assert.Empty(lessonKitLines);
            Assert.False(MarkerNeed(library).IsWeak);
        }
    }

    [Theory]
    [InlineData("notebook")]                  // TorchSharp resolvable when LessonKit is first used
    [InlineData("notebook-lessonkit-first")]  // LessonKit used before TorchSharp can be found
    public void In_a_notebook_layout_the_package_cache_copies_are_patched_and_TorchSharp_starts_from_cpu(string mode)
    {
        if (!Applicable) return;
        var (app, nuget, torchSharpDll, packageLibrary, cpuLibrary) = ChildProcess.CreateNotebookLayout(folder);

        var child = Run(app, mode, torchSharpDll, new Dictionary<string, string?> { ["NUGET_PACKAGES"] = nuget });

        Assert.True(child.Result("native-mapped-before-torch") == "False", child.ToString());
        Assert.Equal($"{packageLibrary}|{cpuLibrary}", child.Result("libraries"));
        Assert.True(child.Result("direct-sum") == "4", child.ToString());
        Assert.True(child.Result("ensure-ready") == "ok", child.ToString());
        Assert.Contains(child.Stdout.Split('\n'), l => l.StartsWith("LOG TorchSharp started", StringComparison.Ordinal) && l.Contains(cpuLibrary));
        Assert.DoesNotContain("unexpectedly", child.Stdout);
        Assert.Equal(mode == "notebook-lessonkit-first" && PatchNeeded, child.Stdout.Contains("TorchSharp.dll cannot be loaded yet"));
        var lessonKitLines = child.Stderr.Split('\n').Where(l => l.StartsWith("LessonKit:", StringComparison.Ordinal) && !l.Contains("torch.matmul", StringComparison.Ordinal)).ToArray();  // the matmul guard's line is MatmulGuardChildProcessTests' business
        if (PatchNeeded)
        {
            Assert.Equal(2, lessonKitLines.Length);
            Assert.EndsWith($"marked that requirement weak in {packageLibrary}.", lessonKitLines[0]);
            Assert.EndsWith($"marked that requirement weak in {cpuLibrary}.", lessonKitLines[1]);
            Assert.True(MarkerNeed(packageLibrary).IsWeak);
            Assert.True(MarkerNeed(cpuLibrary).IsWeak);
        }
        else
        {
            Assert.Empty(lessonKitLines);
        }
    }

    [Fact]
    public void With_patching_turned_off_EnsureReady_explains_the_missing_GLIBCXX()
    {
        if (!Applicable) return;
        var app = ChildProcess.CreateAppWithPristineLibrary(folder);
        var environment = IsolatedNuGet();
        environment[GlibcxxMarkerFix.OptOutVariable] = "1";

        var child = Run(app, "lessonkit-then-torch", environment: environment);

        Assert.True(child.ExitCode == 0, child.ToString());
        if (!PatchNeeded)
        {
            Assert.True(child.Result("ensure-ready") == "ok", child.ToString());
            return;
        }
        Assert.True(child.Result("direct-failed") == nameof(TypeInitializationException), child.ToString());
        Assert.True(child.Result("ensure-ready") == "failed", child.ToString());
        var message = child.Message;
        Assert.StartsWith("TorchSharp could not start: its native library libLibTorchSharp.so needs GLIBCXX_3.4.32", message);
        Assert.Contains($"stops at {LibStdCxx.NewestGlibcxx}", message);
        Assert.Contains($"Unset {GlibcxxMarkerFix.OptOutVariable}", message);
        Assert.Contains("dev container", message);
        Assert.Contains("restart", message);
        Assert.DoesNotContain("did not look at", message);
        Assert.DoesNotContain(child.Stderr.Split('\n'), l => l.StartsWith("LessonKit:", StringComparison.Ordinal));
    }

    [Fact]
    public void A_folder_LessonKit_cannot_write_gets_a_clear_explanation()
    {
        if (!Applicable || !PatchNeeded) return;  // nothing to write where libstdc++ is new enough
        bool root = Environment.UserName == "root";
        if (root && (!File.ReadAllText("/etc/passwd").Contains("\nnobody:") || !OthersCanReach(AppContext.BaseDirectory)))
        {
            return;  // as root, permissions only bite another user; 'nobody' must exist and reach the test output
        }
        var app = ChildProcess.CreateAppWithPristineLibrary(folder);
        var native = Path.Combine(app, "runtimes", "linux-x64", "native");
        var library = Path.Combine(native, TorchSharpNativeFiles.LibraryFileName);
        var open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupRead |
                   UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;  // rwxr-xr-x
        File.SetUnixFileMode(folder.Path, open);  // temp folders start as rwx------
        var environment = IsolatedNuGet();
        environment["HOME"] = folder.Path;
        File.SetUnixFileMode(native, open & ~UnixFileMode.UserWrite);  // r-xr-xr-x: nobody may create files here
        try
        {
            var child = Run(app, "lessonkit-then-torch", environment: environment, userName: root ? "nobody" : null);

            Assert.True(child.Result("ensure-ready") == "failed", child.ToString());
            var line = Assert.Single(child.Stderr.Split('\n'), l => l.StartsWith("LessonKit:", StringComparison.Ordinal));
            Assert.Contains($"could not mark that requirement weak in {library}: permission denied", line);
            var message = child.Message;
            Assert.StartsWith("TorchSharp could not start: its native library libLibTorchSharp.so needs GLIBCXX_3.4.32", message);
            Assert.Contains($"  - {library}: permission denied", message);
            Assert.Contains($"chmod u+w '{native}' '{library}'", message);
            Assert.Contains("dev container", message);
            Assert.False(MarkerNeed(library).IsWeak);
            Assert.Equal([library], Directory.GetFiles(native).Where(f => f.EndsWith(".so") || f.EndsWith(".tmp")).Where(f => f.Contains("LibTorchSharp")));
        }
        finally
        {
            File.SetUnixFileMode(native, open);
        }
    }

    private static bool OthersCanReach(string path)
    {
        for (var directory = new DirectoryInfo(path); directory is not null; directory = directory.Parent)
        {
            if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(directory.FullName) & UnixFileMode.OtherExecute) == 0)
            {
                return false;
            }
        }
        return true;
    }

    [Fact]
    public void A_foreign_libtorch_on_LD_LIBRARY_PATH_is_named()
    {
        if (!Applicable) return;
        var app = ChildProcess.CreateAppWithPristineLibrary(folder);
        // A stand-in for another libtorch: a real shared library that lacks every c10 function TorchSharp needs.
        var foreign = Directory.CreateDirectory(folder.File("other-torch")).FullName;
        File.Copy(Path.Combine(TestNativeFolder, "libtorch.so"), Path.Combine(foreign, "libc10.so"));
        var environment = IsolatedNuGet();
        environment["LD_LIBRARY_PATH"] = foreign;

        var child = Run(app, "lessonkit-then-torch", environment: environment);

        Assert.True(child.Result("ensure-ready") == "failed", child.ToString());
        var message = child.Message;
        Assert.StartsWith("TorchSharp could not start: another libtorch", message);
        Assert.Contains("undefined symbol", message);
        Assert.Contains(Path.Combine(foreign, "libc10.so"), message);
        Assert.Contains($"{foreign} is in LD_LIBRARY_PATH", message);
    }

    [Fact]
    public void The_system_loader_accepts_a_patched_copy_and_rejects_a_pristine_one_exactly_when_GLIBCXX_is_missing()
    {
        if (!Applicable) return;
        var pristineFolder = new TempFolder();
        var patchedFolder = new TempFolder();
        try
        {
            var pristine = PristineCopy(pristineFolder);
            var patched = PristineCopy(patchedFolder);
            Assert.Equal(PatchOutcome.Patched, ElfVersionRequirementPatcher.WeakenIosBaseLibraryInitRequirement(patched).Outcome);
            var environment = new Dictionary<string, string?> { ["LD_LIBRARY_PATH"] = TestNativeFolder };  // libtorch for the copies

            var patchedRun = Run(AppContext.BaseDirectory, "dlopen", patched, environment);
            var pristineRun = Run(AppContext.BaseDirectory, "dlopen", pristine, environment);

            Assert.True(patchedRun.Result("dlopen") == "ok last-error-is-null=True", patchedRun.ToString());
            if (PatchNeeded)
            {
                Assert.StartsWith("failed", pristineRun.Result("dlopen"));
                Assert.Contains("version `GLIBCXX_3.4.32' not found", pristineRun.Result("dlopen"));
            }
            else
            {
                Assert.Equal("ok last-error-is-null=True", pristineRun.Result("dlopen"));
            }
        }
        finally
        {
            pristineFolder.Dispose();
            patchedFolder.Dispose();
        }
    }
}
