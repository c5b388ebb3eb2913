using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary>
/// Reads the tiny GPT-2 fixture and checks it against an independent reading of the same bytes (JsonDocument for the
/// header, BinaryPrimitives for the floats).
/// </summary>
public class SafetensorsFixtureTests
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "model.safetensors");

    // The fixture read by hand: data-area start, and each tensor's (shape, begin, end) from the header JSON.
    private static (long DataStart, Dictionary<string, (long[] Shape, long Begin, long End)> Tensors, byte[] File) ReadByHand()
    {
        byte[] file = File.ReadAllBytes(FixturePath);
        long n = (long)BinaryPrimitives.ReadUInt64LittleEndian(file);
        using var header = JsonDocument.Parse(Encoding.UTF8.GetString(file, 8, (int)n));
        var tensors = new Dictionary<string, (long[], long, long)>();
        foreach (var property in header.RootElement.EnumerateObject())
        {
            if (property.Name == "__metadata__") continue;
            var shape = property.Value.GetProperty("shape").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            var offsets = property.Value.GetProperty("data_offsets").EnumerateArray().Select(x => x.GetInt64()).ToArray();
            tensors[property.Name] = (shape, offsets[0], offsets[1]);
        }
        return (8 + n, tensors, file);
    }

    private static float RawFloat(byte[] file, long dataStart, long begin, long index) =>
        BinaryPrimitives.ReadSingleLittleEndian(file.AsSpan((int)(dataStart + begin + index * 4), 4));

    [Fact]
    public void HeaderMatchesAnIndependentReading()
    {
        var (_, expected, _) = ReadByHand();
        using var file = SafetensorsFile.Open(FixturePath);

        Assert.Equal(Path.GetFullPath(FixturePath), file.Path);
        Assert.Equal(expected.Count, file.Entries.Count);
        Assert.Equal(28, file.Entries.Count);   // wte, wpe, ln_f ×2, and 12 per block × 2 blocks
        foreach (var (name, (shape, begin, end)) in expected)
        {
            var entry = file.Entries[name];
            Assert.Equal(name, entry.Name);
            Assert.Equal("F32", entry.DType);
            Assert.Equal(shape, entry.Shape);
            Assert.Equal(begin, entry.Begin);
            Assert.Equal(end, entry.End);
            Assert.Equal(end - begin, entry.ByteLength);
            Assert.Equal(shape.Aggregate(1L, (a, b) => a * b), entry.ElementCount);
        }
        Assert.Equal(new long[] { 50257, 32 }, file.Entries["wte.weight"].Shape);
        Assert.Equal(new long[] { 32, 96 }, file.Entries["h.0.attn.c_attn.weight"].Shape);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Single(file.Metadata);

        // Entries come in the order their bytes lie in the file.
        var begins = file.Entries.Values.Select(e => e.Begin).ToList();
        Assert.Equal(begins.Order().ToList(), begins);
    }

    [Theory]
    [InlineData("h.0.attn.c_attn.weight")]
    [InlineData("wte.weight")]
    [InlineData("h.1.mlp.c_proj.bias")]
    [InlineData("ln_f.weight")]
    public void LoadedValuesEqualTheRawBytes(string name)
    {
        var (dataStart, tensors, raw) = ReadByHand();
        var (shape, begin, end) = tensors[name];
        using var file = SafetensorsFile.Open(FixturePath);

        using var tensor = file.Load(name);

        Assert.Equal(ScalarType.Float32, tensor.dtype);
        Assert.Equal(shape, tensor.shape);
        Assert.Equal(DeviceType.CPU, tensor.device_type);
        long count = (end - begin) / 4;
        using var flat = tensor.reshape(-1);
        var values = flat.data<float>().ToArray();
        Assert.Equal(count, values.Length);
        // Every element, bit for bit.
        var expected = Enumerable.Range(0, (int)count).Select(i => BitConverter.SingleToInt32Bits(RawFloat(raw, dataStart, begin, i))).ToArray();
        Assert.Equal(expected, values.Select(BitConverter.SingleToInt32Bits).ToArray());
    }

    [Fact]
    public void IndexesIntoALoadedMatrixAsRowMajor()
    {
        var (dataStart, tensors, raw) = ReadByHand();
        var (_, begin, _) = tensors["h.0.attn.c_attn.weight"];   // [32, 96]
        using var file = SafetensorsFile.Open(FixturePath);
        using var weight = file.Load("h.0.attn.c_attn.weight");

        // Element [row, column] of a row-major [32, 96] matrix is element row * 96 + column of the raw bytes.
        foreach (var (row, column) in new[] { (0, 0), (0, 95), (5, 17), (31, 0), (31, 95) })
            Assert.Equal(RawFloat(raw, dataStart, begin, row * 96 + column), weight[row, column].item<float>());
    }

    [Fact]
    public void LoadsEveryTensorOneAfterAnother()
    {
        using var file = SafetensorsFile.Open(FixturePath);
        long total = 0;
        foreach (var name in file.Entries.Keys)
        {
            using var tensor = file.Load(name);
            total += tensor.numel();
            Assert.True(tensor.isfinite().all().item<bool>(), $"{name} holds a non-finite value");
        }
        Assert.Equal(file.Entries.Values.Sum(e => e.ElementCount), total);
    }
}
