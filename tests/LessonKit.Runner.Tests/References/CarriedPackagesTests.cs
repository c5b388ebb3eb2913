using LessonKit.Runner.References;

namespace LessonKit.Runner.Tests.References;

public class CarriedPackagesTests
{
    private const string DepsJson = """
        {
          "targets": {
            ".NETCoreApp,Version=v10.0": {
              "App/1.0.0": { "dependencies": { "TorchSharp-cpu": "0.107.0" }, "runtime": { "App.dll": {} } },
              "TorchSharp-cpu/0.107.0": { "dependencies": { "TorchSharp": "0.107.0", "libtorch-cpu": "2.10.0" } },
              "TorchSharp/0.107.0": { "dependencies": { "Google.Protobuf": "3.30.2" }, "runtime": { "lib/net8.0/TorchSharp.dll": {} } },
              "libtorch-cpu/2.10.0": {},
              "Google.Protobuf/3.30.2": { "runtime": { "lib/net5.0/Google.Protobuf.dll": {} } }
            }
          },
          "libraries": {
            "App/1.0.0": { "type": "project" },
            "TorchSharp-cpu/0.107.0": { "type": "package" },
            "TorchSharp/0.107.0": { "type": "package" },
            "libtorch-cpu/2.10.0": { "type": "package" },
            "Google.Protobuf/3.30.2": { "type": "package" }
          }
        }
        """;

    [Fact]
    public void Reads_packages_and_follows_a_meta_package_to_its_assemblies()
    {
        var carried = CarriedPackages.FromDepsJson(DepsJson);

        Assert.Equal("0.107.0", carried.Find("torchsharp-CPU")!.Version);
        Assert.Null(carried.Find("App"));   // projects are not packages
        Assert.Equal(["TorchSharp.dll", "Google.Protobuf.dll"], carried.AssemblyClosure("TorchSharp-cpu").Order().Reverse());
    }

    [Fact]
    public void Knows_the_runners_own_packages()
    {
        var carried = CarriedPackages.FromRunningApplication();

        Assert.Equal("1.6.0", carried.Find("Markdig")!.Version);
        Assert.Equal("0.107.0", carried.Find("TorchSharp-cpu")!.Version);
        Assert.Contains("TorchSharp.dll", carried.AssemblyClosure("TorchSharp-cpu"));
    }

    [Theory]
    [InlineData("1.0", "1.0.0", true)]
    [InlineData("1.0.0.0", "1.0.0", true)]
    [InlineData("2.0.1", "2.0.1+sha.abc", true)]
    [InlineData("1.0.0-Beta", "1.0.0-beta", true)]
    [InlineData("1.0.0", "1.0.1", false)]
    [InlineData("1.0.0-beta", "1.0.0", false)]
    public void Compares_versions_as_nuget_does(string a, string b, bool equal)
    {
        Assert.Equal(equal, PackageVersion.AreEqual(a, b));
    }
}
