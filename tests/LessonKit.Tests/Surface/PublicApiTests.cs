using LessonKit.Tests.Lessons;

namespace LessonKit.Tests.Surface;

/// <summary>
/// LessonKit's public surface is a decision: every public type and member is listed in
/// <c>tests/LessonKit.Tests/Surface/PublicApi.approved.txt</c>, and any change to it shows up here as a diff to review.
/// </summary>
public sealed class PublicApiTests
{
    /// <summary>Set to 1 to write the current surface into the approved file instead of comparing.</summary>
    internal const string AcceptVariable = "LESSONKIT_ACCEPT_API";

    private static string ApprovedFile =>
        Path.Combine(LessonRunner.FindRepositoryRoot(), "tests", "LessonKit.Tests", "Surface", "PublicApi.approved.txt");

    [Fact]
    public void The_public_surface_is_the_approved_one()
    {
        string actual = string.Join("\n", PublicApi.Describe(typeof(HookedGpt2).Assembly)) + "\n";
        if (Environment.GetEnvironmentVariable(AcceptVariable) == "1")
        {
            File.WriteAllText(ApprovedFile, actual);
            return;
        }

        string approved = File.Exists(ApprovedFile) ? File.ReadAllText(ApprovedFile).ReplaceLineEndings("\n") : "";
        string diff = ApiDiff.Describe(approved, actual);
        Assert.True(diff.Length == 0,
            "LessonKit's public surface differs from tests/LessonKit.Tests/Surface/PublicApi.approved.txt " +
            "(- approved only, + built only):\n" + diff +
            "\nIf the change is intended, accept it: from the repository root run\n" +
            $"  {AcceptVariable}=1 dotnet test tests/LessonKit.Tests -c Release --filter \"FullyQualifiedName~PublicApiTests\"\n" +
            "then review and commit the file's diff. If not, make the new member internal (tests see internals).");
    }

    [Fact]
    public void The_diff_names_lines_only_in_the_approved_surface_and_lines_only_in_the_built_one()
    {
        string diff = ApiDiff.Describe("A | class\nA | method Gone() -> void\nB | class\n", "A | class\nA | method New() -> int\nB | class\n");

        Assert.Equal("- A | method Gone() -> void\n+ A | method New() -> int\n", diff);
        Assert.Equal("", ApiDiff.Describe("A | class\n", "A | class\n"));
    }

    [Fact]
    public void The_surface_lists_public_and_protected_members_and_leaves_out_internal_and_private_ones()
    {
        var lines = PublicApi.Describe([typeof(Sample), typeof(SampleKind), typeof(HiddenSample)]);
        string owner = "LessonKit.Tests.Surface.PublicApiTests.Sample";

        Assert.Equal(
        [
            $"{owner} | abstract class : System.IDisposable",
            $"{owner} | field Limit : int const = 3",
            $"{owner} | method Dispose() -> void",
            $"{owner} | method static Find(System.Collections.Generic.IReadOnlyList<string?> names, string? fallback = null) -> string?",
            $"{owner} | method static Make(string name, bool prependBos = true, params int[] sizes) -> System.Collections.Generic.IReadOnlyList<string>",
            $"{owner} | property Name : string {{ get init }}",
            $"{owner} | property this[int index] : float? {{ get }}",
            $"{owner} | protected constructor ()",
            $"{owner} | protected method abstract Draw((int, long) size) -> void",
            "LessonKit.Tests.Surface.PublicApiTests.SampleKind | enum",
            "LessonKit.Tests.Surface.PublicApiTests.SampleKind | value First = 0",
            "LessonKit.Tests.Surface.PublicApiTests.SampleKind | value Second = 2",
        ], lines);
    }

    /// <summary>Stands for a public type: what the describer must show and what it must leave out.</summary>
    public abstract class Sample : IDisposable
    {
        /// <summary>A constant.</summary>
        public const int Limit = 3;

        /// <summary>A protected constructor a derived type outside the assembly calls.</summary>
        protected Sample() { }

        /// <summary>An init-only property.</summary>
        public string Name { get; init; } = "";

        /// <summary>An indexer.</summary>
        public float? this[int index] => index;

        /// <summary>A static method with defaults and params.</summary>
        public static IReadOnlyList<string> Make(string name, bool prependBos = true, params int[] sizes) => [name];

        /// <summary>A method with nullable annotations, on a generic argument too.</summary>
        public static string? Find(IReadOnlyList<string?> names, string? fallback = null) => fallback;

        /// <summary>Disposes.</summary>
        public void Dispose() { }

        /// <summary>A protected abstract member.</summary>
        protected abstract void Draw((int Rows, long Columns) size);

        internal void NotShown() { }

        private int Hidden => 0;
    }

    /// <summary>An enum with explicit values.</summary>
    public enum SampleKind
    {
        /// <summary>The first.</summary>
        First = 0,
        /// <summary>The second.</summary>
        Second = 2,
    }

    internal sealed class HiddenSample
    {
        public void NotShown() { }
    }
}
