using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using LessonKit.Runtime;
using Xunit.Abstractions;

namespace LessonKit.Tests.Runtime;

/// <summary>
/// torch.matmul with shapes that do not fit, each in a fresh process (<see cref="MatmulGuardChild"/>): with LessonKit
/// loaded the process survives and gets a managed exception naming both shapes; without the guard it is killed.
/// Linux x64 only.
/// </summary>
public sealed class MatmulGuardChildProcessTests(ITestOutputHelper output) : IDisposable
{
    private const string GuardLine =
        "LessonKit: in TorchSharp 0.107.0 a torch.matmul whose shapes do not fit ends the whole process (its native code does not catch " +
        "libtorch's error); LessonKit put a guard around it in this process, so it throws an exception instead, like mm and bmm.";

    private static readonly Dictionary<string, string?> GuardOff = new() { [GlibcxxMarkerFix.OptOutVariable] = "1" };

    private readonly TempFolder folder = new();

    public void Dispose() => folder.Dispose();

    [SupportedOSPlatformGuard("linux")]
    private static bool Applicable => OperatingSystem.IsLinux() && RuntimeInformation.ProcessArchitecture == Architecture.X64;

    private ChildResult Run(string cases, IDictionary<string, string?>? environment = null, string? app = null)
    {
        var result = ChildProcess.Run(app ?? AppContext.BaseDirectory, "matmul", cases, environment);
        output.WriteLine($"=== matmul {cases}\n{result}");
        return result;
    }

    private static string MessageOf(ChildResult child, string name)
    {
        string begin = $"MESSAGE-{name}-BEGIN\n", end = $"MESSAGE-{name}-END";
        int from = child.Stdout.IndexOf(begin, StringComparison.Ordinal), to = child.Stdout.IndexOf(end, StringComparison.Ordinal);
        return from < 0 || to < from ? "" : child.Stdout[(from + begin.Length)..to].Trim();
    }

    private static string Show(long[] shape) => $"[{string.Join(", ", shape)}]";

    [Fact]
    public void Every_bad_matmul_throws_an_exception_naming_both_shapes_and_the_rule_and_the_process_lives_on()
    {
        if (!Applicable) return;

        var child = Run("all");

        Assert.True(child.ExitCode == 0 && child.Result("survived") == "yes", child.ToString());
        Assert.Equal("Waiting", child.Result("state-before-torch"));                 // TorchSharp not loaded by LessonKit's start
        Assert.Equal("Installed", child.Result("state-after-first-torch-call"));     // the guard went in at TorchSharp's first call
        foreach (var (name, left, right) in MatmulGuardChild.BadCases)
        {
            Assert.Equal(typeof(ExternalException).FullName, child.Result($"bad-{name}"));
            string message = MessageOf(child, name);
            Assert.StartsWith($"torch.matmul: shapes {Show(left)} and {Show(right)} do not fit: ", message);
            Assert.Equal(MatmulErrorMessage.Rule(left, right), message.Split('\n')[0][$"torch.matmul: shapes {Show(left)} and {Show(right)} do not fit: ".Length..^1]);
            Assert.Contains("\nlibtorch says: ", message);
            Assert.DoesNotContain("Exception raised from", message);
        }
        Assert.Equal([GuardLine], child.Stderr.Split('\n').Where(l => l.Contains("matmul", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void When_TorchSharp_started_before_LessonKit_the_guard_goes_in_at_once_and_the_line_says_what_it_cannot_cover()
    {
        if (!Applicable) return;

        var child = ChildProcess.Run(AppContext.BaseDirectory, "matmul-torch-first");
        output.WriteLine($"=== matmul-torch-first\n{child}");

        Assert.True(child.ExitCode == 0 && child.Result("survived") == "yes", child.ToString());
        Assert.Equal("2", child.Result("torch-before-lessonkit"));
        Assert.Equal("Installed", child.Result("state-before-torch"));  // installed by the module initializer itself
        Assert.Equal(typeof(ExternalException).FullName, child.Result("bad-2d"));
        Assert.Equal(
            [GuardLine[..^1] + " (unless torch.matmul already ran before LessonKit was first used: .NET keeps what it bound then)."],
            child.Stderr.Split('\n').Where(l => l.Contains("matmul", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public void Good_products_are_bit_identical_to_mm_bmm_dot_mv_einsum_and_to_a_run_without_the_guard()
    {
        if (!Applicable) return;

        var guarded = Run("valid-only");
        var unguarded = Run("valid-only", GuardOff);

        Assert.True(guarded.ExitCode == 0 && unguarded.ExitCode == 0, guarded + "\n" + unguarded);
        Assert.Equal("Installed", guarded.Result("state-at-end"));
        Assert.Equal("LeftAlone", unguarded.Result("state-at-end"));
        Assert.DoesNotContain("matmul", unguarded.Stderr);
        foreach (var name in new[] { "2d", "batched", "1d-1d", "2d-1d", "1d-2d", "batched-2d", "broadcast" })
        {
            Assert.Equal("True", guarded.Result($"good-{name}-identical"));
            Assert.NotNull(guarded.Result($"good-{name}-hash"));
            Assert.Equal(unguarded.Result($"good-{name}-hash"), guarded.Result($"good-{name}-hash"));
        }
    }

    [Fact]
    public void Without_the_guard_a_bad_matmul_kills_the_process_which_is_what_the_guard_prevents()
    {
        if (!Applicable) return;

        var child = Run("first-bad-only", GuardOff);

        Assert.Equal(134, child.ExitCode);  // 128 + SIGABRT: std::terminate after an uncaught c10::Error
        Assert.Null(child.Result("survived"));
        Assert.Null(child.Result("bad-2d"));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (3x4 and 5x6)", child.Stderr);
    }

    [Fact]
    public void A_library_that_is_not_the_known_build_is_left_alone_and_the_one_line_says_so()
    {
        if (!Applicable) return;
        var app = ChildProcess.CreateAppWithPristineLibrary(folder);
        var library = Path.Combine(app, "runtimes", "linux-x64", "native", TorchSharpNativeFiles.LibraryFileName);
        var comment = ElfImage.Load(library).Sections.Single(s => s.Name == ".comment");
        var bytes = File.ReadAllBytes(library);
        bytes[comment.Offset + 1] ^= 0x20;  // harmless to the loader, but no longer the file LessonKit knows
        File.WriteAllBytes(library, bytes);

        var child = Run("valid-only", new Dictionary<string, string?> { ["NUGET_PACKAGES"] = Directory.CreateDirectory(folder.File("empty-nuget")).FullName }, app);

        Assert.True(child.ExitCode == 0 && child.Result("survived") == "yes", child.ToString());
        Assert.Equal("LeftAlone", child.Result("state-at-end"));
        var lines = child.Stderr.Split('\n').Where(l => l.Contains("matmul", StringComparison.Ordinal)).ToArray();
        Assert.Equal(
            [$"LessonKit: {library}: it is not the TorchSharp 0.107.0 build LessonKit knows (SHA-256 "],
            lines.Select(l => l[..l.IndexOf("SHA-256 ", StringComparison.Ordinal)] + "SHA-256 "));
        Assert.EndsWith("so LessonKit left it alone and torch.matmul is not guarded (shapes that do not fit end the process; use mm, bmm or einsum).", lines[0]);
        Assert.Equal("True", child.Result("good-2d-identical"));
    }
}
