using System.Reflection;
using LessonKit.Runtime;
using TorchSharp;

namespace LessonKit.Tests.Runtime;

public sealed class ReferenceFacadePlannerTests
{
    private const string MicrosoftToken = "b03f5f7f11d50a3a";

    private static FrameworkAssembly Runtime(string name, string version, params string[] definedTypes) => new(
        $"/runtime/{name}.dll", name, Version.Parse(version), [1, 2, 3, 4], [.. Convert.FromHexString(MicrosoftToken)],
        Guid.Empty, definedTypes.Select(t => new MetadataTypeName("Lib", t)).ToList(), [new MetadataTypeName("System", "Object")]);

    private static AssemblyName Reference(string name, string version, string token = MicrosoftToken) =>
        new($"{name}, Version={version}, Culture=neutral, PublicKeyToken={token}");

    private static IReadOnlyList<ReferenceFacadePlan> Plan(params AssemblyName[] references)
    {
        var runtime = new[]
        {
            Runtime("Numbers", "10.0.0.0", "Complex"),
            Runtime("ForwardsOnly", "10.0.0.0"),
        }.ToDictionary(a => a.Name);
        return ReferenceFacadePlanner.Plan(references, name => runtime.GetValueOrDefault(name));
    }

    [Fact]
    public void An_older_reference_to_a_runtime_assembly_that_defines_types_gets_a_facade_at_the_referenced_version()
    {
        var plan = Assert.Single(Plan(Reference("Numbers", "8.0.0.0")));

        Assert.Equal("Numbers", plan.Name);
        Assert.Equal(new Version(8, 0, 0, 0), plan.ReferencedVersion);
        Assert.Equal(new Version(10, 0, 0, 0), plan.Target.Version);
        Assert.Equal("Numbers 8.0.0.0 → 10.0.0.0", plan.ToString());
    }

    [Fact]
    public void A_runtime_assembly_that_only_forwards_its_types_never_warns_so_it_gets_none() =>
        Assert.Empty(Plan(Reference("ForwardsOnly", "8.0.0.0")));

    [Fact]
    public void References_the_compiler_binds_exactly_or_not_at_all_get_none()
    {
        Assert.Empty(Plan(Reference("Numbers", "10.0.0.0")));   // same version: nothing is unified
        Assert.Empty(Plan(Reference("Numbers", "11.0.0.0")));   // newer than the runtime: a different problem (CS1705)
        Assert.Empty(Plan(Reference("Numbers", "8.0.0.0", "cc7b13ffcd2ddd51"))); // another key: another assembly
        Assert.Empty(Plan(Reference("NotInTheRuntime", "8.0.0.0")));
    }

    [Fact]
    public void Several_libraries_asking_for_the_same_version_get_one_facade_and_each_version_its_own()
    {
        var plans = Plan(Reference("Numbers", "8.0.0.0"), Reference("Numbers", "8.0.0.0"), Reference("Numbers", "4.1.2.0"));

        Assert.Equal(["Numbers 4.1.2.0 → 10.0.0.0", "Numbers 8.0.0.0 → 10.0.0.0"], plans.Select(p => p.ToString()));
    }

    [Fact]
    public void On_this_runtime_TorchSharp_needs_one_for_System_Runtime_Numerics_but_not_for_System_Runtime()
    {
        var references = typeof(torch).Assembly.GetReferencedAssemblies();
        Assert.Contains(references, r => r.Name == "System.Runtime");

        var plans = ReferenceFacadePlanner.Plan(references, FrameworkAssembly.InRuntimeDirectory);

        var numerics = Assert.Single(plans, p => p.Name == "System.Runtime.Numerics");
        Assert.Equal(references.Single(r => r.Name == "System.Runtime.Numerics").Version, numerics.ReferencedVersion);
        Assert.Equal(typeof(System.Numerics.Complex).Assembly.GetName().Version, numerics.Target.Version);
        Assert.DoesNotContain(plans, p => p.Name == "System.Runtime");
    }

    [Fact]
    public void The_runtime_defines_Complex_in_System_Runtime_Numerics_and_nothing_in_System_Runtime()
    {
        var numerics = FrameworkAssembly.InRuntimeDirectory("System.Runtime.Numerics")!;
        var runtime = FrameworkAssembly.InRuntimeDirectory("System.Runtime")!;

        Assert.Contains(new MetadataTypeName("System.Numerics", "Complex"), numerics.DefinedPublicTypes);
        Assert.Contains(new MetadataTypeName("System.Numerics", "BigInteger"), numerics.DefinedPublicTypes);
        Assert.Empty(runtime.DefinedPublicTypes);
        Assert.Contains(new MetadataTypeName("System", "Object"), runtime.ForwardedTypes);
        Assert.Equal(typeof(System.Numerics.Complex).Assembly.GetName().GetPublicKeyToken(), numerics.PublicKeyToken.ToArray());
        Assert.Null(FrameworkAssembly.InRuntimeDirectory("TorchSharp"));
    }
}
