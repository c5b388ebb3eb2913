using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Support;

/// <summary>The tiny-gpt2 fixture: a random-weight GPT-2 in Hugging Face layout, and what an independent implementation computed for it.</summary>
public static class TinyGpt2
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2");

    private static readonly Lazy<Reference> LazyReference = new(() => Reference.Read(Path.Combine(Directory, "reference.json")));

    public static Reference Expected => LazyReference.Value;

    public static HookedGpt2 Load() => HookedGpt2.FromPretrained(Directory);

    public static Tensor ReferenceTokens() => torch.tensor(Expected.Ids.Select(i => (long)i).ToArray(), [1, Expected.Ids.Length]);

    /// <summary>reference.json: ids, logits at some positions, hook_pattern [layer][head][query][key], hook_resid_post [layer][pos][d], greedy_next_10.</summary>
    public sealed record Reference(
        int[] Ids,
        Dictionary<int, double[]> LogitsAtPosition,
        Dictionary<int, double[][][]> Pattern,
        Dictionary<int, double[][]> ResidPost,
        int[] GreedyNext10)
    {
        public static Reference Read(string path)
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(path));
            var root = doc.RootElement;
            static Dictionary<int, T> ByLayer<T>(JsonElement e) =>
                e.EnumerateObject().ToDictionary(p => int.Parse(p.Name), p => p.Value.Deserialize<T>()!);
            return new Reference(
                root.GetProperty("ids").Deserialize<int[]>()!,
                ByLayer<double[]>(root.GetProperty("logits_at_position")),
                ByLayer<double[][][]>(root.GetProperty("hook_pattern")),
                ByLayer<double[][]>(root.GetProperty("hook_resid_post")),
                root.GetProperty("greedy_next_10").Deserialize<int[]>()!);
        }
    }
}

/// <summary>One tiny-gpt2 model shared by the tests of a class (loading it takes a moment).</summary>
public sealed class TinyModelFixture : IDisposable
{
    public HookedGpt2 Model { get; } = TinyGpt2.Load();

    public void Dispose() => Model.Dispose();
}

public static class TensorAssert
{
    /// <summary>Largest absolute difference between a tensor and expected values of the same (flattened) size.</summary>
    public static double MaxAbsDifference(Tensor actual, IEnumerable<double> expected)
    {
        var actualValues = actual.to(ScalarType.Float64).cpu().contiguous().data<double>().ToArray();
        var expectedValues = expected.ToArray();
        Assert.Equal(expectedValues.Length, actualValues.Length);
        return actualValues.Zip(expectedValues, (a, e) => Math.Abs(a - e)).Max();
    }

    public static void CloseToValues(Tensor actual, IEnumerable<double> expected, double tolerance, string what)
    {
        double difference = MaxAbsDifference(actual, expected);
        Assert.True(difference <= tolerance, $"{what}: max |difference| {difference:G3} > {tolerance:G3}");
    }

    /// <summary>Same shape and bit-for-bit the same values.</summary>
    public static bool Identical(Tensor a, Tensor b) => a.shape.SequenceEqual(b.shape) && a.eq(b).all().ToBoolean();

    public static void Close(Tensor actual, Tensor expected, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double difference = (actual.to(ScalarType.Float64) - expected.to(ScalarType.Float64)).abs().max().ToDouble();
        Assert.True(difference <= tolerance, $"{what}: max |difference| {difference:G3} > {tolerance:G3}");
    }
}
