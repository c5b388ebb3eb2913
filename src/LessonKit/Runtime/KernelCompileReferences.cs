using System.Reflection;
using System.Runtime.CompilerServices;
using Microsoft.ML.Tokenizers;
using TorchSharp;

namespace LessonKit.Runtime;

/// <summary>
/// Keeps the C# compiler warning CS1701 out of notebook cells that call TorchSharp in the .NET Interactive kernel:
/// <c>warning CS1701: Assuming assembly reference 'System.Runtime.Numerics, Version=8.0.0.0' used by 'TorchSharp'
/// matches identity 'System.Runtime.Numerics, Version=10.0.0.0'</c>, printed under any cell calling
/// <c>torch.tensor(...)</c>.
/// </summary>
/// <remarks>
/// <para>
/// Why it comes: TorchSharp is built for .NET 8, so it references <c>System.Runtime.Numerics, Version=8.0.0.0</c>;
/// the kernel runs on .NET 10 and compiles each cell against the runtime's <c>Version=10.0.0.0</c>. The compiler
/// (Roslyn) binds the old reference to the newer assembly and remembers that it "unified" the two. It reports that
/// as CS1701 only when code uses a type defined in the unified assembly itself (a use-site diagnostic):
/// <c>System.Runtime.Numerics</c> defines <c>Complex</c> and <c>BigInteger</c>, and <c>torch.tensor</c> has overloads
/// taking <c>Complex</c>, so overload resolution meets it. <c>System.Runtime</c> is unified the same way but never
/// warns, because it defines no types: they are forwarded to <c>System.Private.CoreLib</c>, which TorchSharp does not
/// reference. <c>#r "System.Runtime.Numerics"</c> adds the same 10.0 assembly, so it changes nothing; the kernel
/// offers no way to silence one warning, and lowering the warning level would hide learners' real warnings.
/// </para>
/// <para>
/// The fix: give the compiler an assembly whose identity is exactly the one TorchSharp asks for, a facade
/// <c>System.Runtime.Numerics, Version=8.0.0.0</c> (same public key) that forwards every type to the runtime's
/// 10.0 copy (see <see cref="ReferenceFacadeWriter"/>). The reference then binds exactly, nothing is unified, and
/// <c>Complex</c> is still the one type learners and TorchSharp share. The runtime never loads the facade. The same is
/// done for every framework reference of TorchSharp, Microsoft.ML.Tokenizers and LessonKit that could warn this way
/// (<see cref="ReferenceFacadePlanner"/>).
/// </para>
/// <para>
/// When: the compiler then builds new symbols for TorchSharp, for the runtime assemblies now referenced explicitly
/// (the facades need them so), and for everything referencing those, the kernel's own assemblies included.
/// Whatever earlier cells declared against the old symbols stops fitting (see <see cref="ReferencesOnlyCells"/>).
/// So the references are given only from <see cref="TorchRuntime.EnsureReady"/>, and only while every cell run so
/// far in the kernel, this one included, holds nothing but references, namespace usings and that call: the lessons'
/// first cell. They take effect from the next cell on, once per kernel. Otherwise nothing changes,
/// <see cref="TorchRuntime.Log"/> says why, and cells calling TorchSharp keep the (harmless) warning. Any fix of
/// this warning after the kernel has started has this cost, because the warning belongs to TorchSharp's symbol.
/// </para>
/// <para>
/// What stays bound to the old symbols: the two imports the kernel runs before the first cell
/// (<c>using static Microsoft.DotNet.Interactive.Kernel</c> and, under Jupyter, <c>...Jupyter.TopLevelMethods</c>).
/// Their members keep working (<c>display</c>, <c>HTML</c>, <c>Current.Name</c>, ...), but a value they return no
/// longer converts to a kernel type named in a later cell: <c>Microsoft.DotNet.Interactive.Kernel k = Root;</c> and
/// <c>Current.SendAsync(new SubmitCode("..."))</c> fail to compile (<c>Microsoft.DotNet.Interactive.Kernel.Root</c>,
/// named in full, works).
/// </para>
/// <para>
/// How it reaches the kernel: only through the kernel's public API, looked up by name so LessonKit needs no
/// reference to the kernel: <c>KernelInvocationContext.Current</c> (its <c>Command</c>'s code and its
/// <c>HandlingKernel</c>), the C# kernel's <c>ScriptState</c> (the code of the cells run so far) and
/// <c>CSharpKernel.AddAssemblyReferences(IEnumerable&lt;string&gt;)</c>, the method <c>#r "nuget:"</c> uses to add a
/// package's assemblies. Outside a kernel (console apps, tests, the runner) the kernel's assembly is not loaded and
/// nothing happens. If anything is missing or fails, it records why in <see cref="TorchRuntime.Log"/> and leaves the
/// kernel as it was.
/// </para>
/// </remarks>
internal static class KernelCompileReferences
{
    /// <summary>The kernel's core assembly; it is loaded only inside a .NET Interactive kernel.</summary>
    public const string InteractiveAssemblyName = "Microsoft.DotNet.Interactive";

    private const string InvocationContextTypeName = "Microsoft.DotNet.Interactive.KernelInvocationContext";
    private const string CSharpKernelTypeName = "Microsoft.DotNet.Interactive.CSharp.CSharpKernel";
    private const string AddReferencesMethodName = "AddAssemblyReferences";

    private static readonly Lock Gate = new();
    // The C# kernels already given the references (weakly held: a disposed kernel may be collected).
    private static readonly ConditionalWeakTable<object, object> Given = [];
    private static readonly object Marker = new();
    private static (IReadOnlyList<ReferenceFacadePlan> Plans, IReadOnlyList<string> Paths)? prepared;

    /// <summary>
    /// If this runs in a cell of a .NET Interactive C# kernel that has not been decided yet, gives that kernel the
    /// exact-version references when it is safe (see the remarks), and records what it did. Never throws.
    /// </summary>
    public static void ApplyIfInKernel()
    {
        try
        {
            var interactive = AppDomain.CurrentDomain.GetAssemblies()
                .FirstOrDefault(a => a.GetName().Name == InteractiveAssemblyName);
            if (interactive is null)
            {
                return;
            }
            var context = interactive.GetType(InvocationContextTypeName)?
                .GetProperty("Current", BindingFlags.Public | BindingFlags.Static)?.GetValue(null);
            var kernel = PublicProperty(context, "HandlingKernel");
            if (kernel is null || !IsCSharpKernel(kernel))
            {
                return;
            }
            lock (Gate)
            {
                if (Given.TryGetValue(kernel, out _))
                {
                    return;
                }
                Given.Add(kernel, Marker);
                var cells = CodeOfCellsSoFar(kernel, PublicProperty(context, "Command"));
                string? declaration = cells is null ? "(the code of the cells run so far could not be read)" : ReferencesOnlyCells.FirstLineThatMayDeclare(cells);
                if (declaration is not null)
                {
                    TorchRuntime.AddToLog(
                        $"Left the notebook's C# kernel as it was: a line already run in it may declare something ({declaration}) " +
                        "that exact-version references would invalidate. To keep warning CS1701 away, call " +
                        "LessonKit.Runtime.TorchRuntime.EnsureReady() in a first cell that holds only #r lines and namespace usings, " +
                        "as the lessons do. The warning itself is harmless.");
                    return;
                }
                GiveReferences(kernel);
            }
        }
        catch (Exception e)
        {
            TorchRuntime.AddToLog($"Could not give the notebook's C# kernel exact-version references ({e.GetType().Name}: {e.Message}); cells calling TorchSharp may show warning CS1701, which is harmless.");
        }
    }

    // The code of every cell the C# kernel has compiled (ScriptState.Script and its Previous chain) and of the
    // command being run now; null when the kernel does not expose it as expected.
    private static List<string>? CodeOfCellsSoFar(object kernel, object? command)
    {
        if (PublicProperty(command, "Code") is not string current)
        {
            return null;
        }
        var cells = new List<string> { current };
        for (var script = PublicProperty(PublicProperty(kernel, "ScriptState"), "Script"); script is not null; script = PublicProperty(script, "Previous"))
        {
            if (PublicProperty(script, "Code") is not string code)
            {
                return null;
            }
            cells.Add(code);
        }
        return cells;
    }

    private static object? PublicProperty(object? target, string name) =>
        target?.GetType().GetProperty(name, BindingFlags.Public | BindingFlags.Instance)?.GetValue(target);

    /// <summary>
    /// The framework references of the libraries whose APIs notebook cells call (TorchSharp, Microsoft.ML.Tokenizers,
    /// LessonKit) that need a facade, and the files to give the compiler for them (see
    /// <see cref="ReferenceFacadeWriter.WriteAll"/>), with the facades written under <paramref name="cacheRoot"/>.
    /// </summary>
    internal static (IReadOnlyList<ReferenceFacadePlan> Plans, IReadOnlyList<string> Paths) Prepare(string cacheRoot)
    {
        var plans = ReferenceFacadePlanner.Plan(ReferencesOfLibrariesCellsCall(), FrameworkAssembly.InRuntimeDirectory);
        return (plans, ReferenceFacadeWriter.WriteAll(plans, cacheRoot));
    }

    private static List<AssemblyName> ReferencesOfLibrariesCellsCall()
    {
        // Each library is looked up in its own lambda, so one that cannot be loaded here (Microsoft.ML.Tokenizers
        // when a notebook references a lone LessonKit.dll and not the package) is skipped: its APIs cannot be
        // called either.
        Func<Assembly>[] libraries = [() => typeof(torch).Assembly, () => typeof(Tokenizer).Assembly, () => typeof(KernelCompileReferences).Assembly];
        var references = new List<AssemblyName>();
        foreach (var library in libraries)
        {
            try
            {
                references.AddRange(library().GetReferencedAssemblies());
            }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
            }
        }
        return references;
    }

    private static void GiveReferences(object kernel)
    {
        var add = kernel.GetType().GetMethod(AddReferencesMethodName, BindingFlags.Public | BindingFlags.Instance, [typeof(IEnumerable<string>)]);
        if (add is null)
        {
            TorchRuntime.AddToLog($"This kernel's {CSharpKernelTypeName} has no public {AddReferencesMethodName}(IEnumerable<string>); cells calling TorchSharp may show warning CS1701, which is harmless.");
            return;
        }
        string cacheRoot = ReferenceFacadeWriter.DefaultCacheRoot();
        prepared ??= Prepare(cacheRoot);
        var (plans, paths) = prepared.Value;
        if (plans.Count == 0)
        {
            TorchRuntime.AddToLog("No framework reference of TorchSharp, Microsoft.ML.Tokenizers or LessonKit needs an exact-version facade on this runtime.");
            return;
        }
        add.Invoke(kernel, [paths]);
        TorchRuntime.AddToLog($"Gave the notebook's C# kernel exact-version compile references, so cells calling TorchSharp compile without warning CS1701: {string.Join(", ", plans)} (facades in {cacheRoot}).");
    }

    private static bool IsCSharpKernel(object kernel)
    {
        for (var type = kernel.GetType(); type is not null; type = type.BaseType)
        {
            if (type.FullName == CSharpKernelTypeName)
            {
                return true;
            }
        }
        return false;
    }
}
