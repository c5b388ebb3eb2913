using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary>Tensors saved by <see cref="SafetensorsWriter"/> come back from <see cref="SafetensorsFile"/> unchanged.</summary>
public class SafetensorsRoundTripTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Values chosen to be exact in every float type (small integers and halves), with a negative and a zero.
    private static readonly double[] Values = [1.0, -2.5, 0.0, 3.0, 0.5, 100.0];

    public static TheoryData<string, ScalarType, string> Types => new()
    {
        { "F32", ScalarType.Float32, "F32" },
        { "F16", ScalarType.Float16, "F16" },
        { "BF16", ScalarType.BFloat16, "BF16" },
        { "F64", ScalarType.Float64, "F64" },
        { "I64", ScalarType.Int64, "I64" },
        { "I32", ScalarType.Int32, "I32" },
        { "I16", ScalarType.Int16, "I16" },
        { "I8", ScalarType.Int8, "I8" },
        { "U8", ScalarType.Byte, "U8" },
        { "BOOL", ScalarType.Bool, "BOOL" },
        { "C64", ScalarType.ComplexFloat32, "C64" },
    };

    private static Tensor Sample(ScalarType type)
    {
        if (type == ScalarType.Bool)
            return torch.tensor(new[] { true, false, false, true, true, false }).reshape(2, 3);
        if (type == ScalarType.ComplexFloat32)
        {
            using var pairs = torch.tensor(Values.Concat(Values.Reverse()).Select(v => (float)v).ToArray()).reshape(6, 2);
            return torch.view_as_complex(pairs).reshape(2, 3).clone();
        }
        var values = type is ScalarType.Byte ? Values.Select(Math.Abs).ToArray() : Values;
        using var doubles = torch.tensor(values).reshape(2, 3);
        return doubles.to(type);
    }

    private static byte[] Bytes(Tensor tensor)
    {
        using var contiguous = tensor.contiguous();
        return contiguous.bytes.ToArray();
    }

    [Theory]
    [MemberData(nameof(Types))]
    public void EachTypeRoundTripsBitForBit(string label, ScalarType type, string expectedDType)
    {
        using var original = Sample(type);
        string path = _folder.File($"{label}.safetensors");

        SafetensorsWriter.Save(path, [new("t", original)]);

        using var file = SafetensorsFile.Open(path);
        var entry = file.Entries["t"];
        Assert.Equal(expectedDType, entry.DType);
        Assert.Equal(new long[] { 2, 3 }, entry.Shape);
        Assert.Equal(6, entry.ElementCount);
        Assert.Equal(6 * original.element_size(), entry.ByteLength);

        using var loaded = file.Load("t", dtype: null);
        Assert.Equal(type, loaded.dtype);
        Assert.Equal(original.shape, loaded.shape);
        Assert.Equal(Bytes(original), Bytes(loaded));
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    [InlineData(ScalarType.Float32)]
    public void FloatingPointTensorsLoadAsFloat32ByDefault(ScalarType stored)
    {
        using var original = Sample(stored);
        string path = _folder.File("float.safetensors");
        SafetensorsWriter.Save(path, [new("t", original)]);

        using var file = SafetensorsFile.Open(path);
        using var loaded = file.Load("t");

        Assert.Equal(ScalarType.Float32, loaded.dtype);
        Assert.Equal(Values.Select(v => (float)v).ToArray(), loaded.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void AScalarRoundTrips()
    {
        using var scalar = torch.tensor(3.5f);   // 0-d
        string path = _folder.File("scalar.safetensors");
        SafetensorsWriter.Save(path, [new("s", scalar)]);

        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Entries["s"].Shape);
        Assert.Equal(1, file.Entries["s"].ElementCount);
        Assert.Equal(4, file.Entries["s"].ByteLength);
        Assert.Contains("\"shape\":[]", SafetensorsBytes.Split(File.ReadAllBytes(path)).Header);
        using var loaded = file.Load("s");
        Assert.Equal(0, loaded.dim());
        Assert.Equal(3.5f, loaded.item<float>());
    }

    [Fact]
    public void AnEmptyTensorRoundTripsBetweenOthers()
    {
        using var before = torch.tensor(new float[] { 1, 2 });
        using var empty = torch.empty(0, 3);
        using var after = torch.tensor(new float[] { 3 });
        string path = _folder.File("empty.safetensors");
        SafetensorsWriter.Save(path, [new("a", before), new("b_empty", empty), new("c", after)]);

        using var file = SafetensorsFile.Open(path);
        var entry = file.Entries["b_empty"];
        Assert.Equal(new long[] { 0, 3 }, entry.Shape);
        Assert.Equal(0, entry.ElementCount);
        Assert.Equal(entry.Begin, entry.End);
        using var loaded = file.Load("b_empty");
        Assert.Equal(new long[] { 0, 3 }, loaded.shape);
        using var c = file.Load("c");
        Assert.Equal(3f, c.item<float>());
    }

    [Fact]
    public void MetadataRoundTrips()
    {
        var metadata = new Dictionary<string, string>
        {
            ["format"] = "pt",
            ["note"] = "quotes \" and backslash \\ and\nnewline\tand tab",
            ["unicode"] = "héllo wörld — 😀",
            ["control"] = "\u0001\u001f",
            ["empty"] = "",
        };
        using var t = torch.ones(2);
        string path = _folder.File("meta.safetensors");
        SafetensorsWriter.Save(path, [new("t", t)], metadata);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(metadata.OrderBy(p => p.Key, StringComparer.Ordinal), file.Metadata.OrderBy(p => p.Key, StringComparer.Ordinal));
    }

    [Fact]
    public void NoMetadataMeansNoMetadataKey()
    {
        using var t = torch.ones(2);
        string path = _folder.File("nometa.safetensors");
        SafetensorsWriter.Save(path, [new("t", t)]);

        Assert.DoesNotContain("__metadata__", SafetensorsBytes.Split(File.ReadAllBytes(path)).Header);
        using var file = SafetensorsFile.Open(path);
        Assert.Empty(file.Metadata);
    }

    [Fact]
    public void UnusualNamesRoundTrip()
    {
        string[] names = ["a\"quoted\"", "back\\slash", "line\nbreak", "ctrl\u0001", "ünïcödé", "emoji 😀", "", "transformer.h.0.attn.c_attn.weight"];
        var tensors = names.Select((n, i) => new KeyValuePair<string, Tensor>(n, torch.full(1, i, ScalarType.Float32))).ToList();
        string path = _folder.File("names.safetensors");
        SafetensorsWriter.Save(path, tensors);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal(names.Order(StringComparer.Ordinal), file.Entries.Keys.Order(StringComparer.Ordinal));
        for (int i = 0; i < names.Length; i++)
        {
            using var loaded = file.Load(names[i]);
            Assert.Equal(i, loaded.item<float>());
        }
        foreach (var (_, tensor) in tensors) tensor.Dispose();
    }

    [Fact]
    public void NonContiguousTensorsAreWrittenInRowMajorOrder()
    {
        using var matrix = torch.arange(6, dtype: ScalarType.Float32).reshape(2, 3);
        using var transposed = matrix.t();   // [3, 2], a strided view
        Assert.False(transposed.is_contiguous());
        string path = _folder.File("transposed.safetensors");
        SafetensorsWriter.Save(path, [new("t", transposed)]);

        using var file = SafetensorsFile.Open(path);
        using var loaded = file.Load("t");
        Assert.Equal(new long[] { 3, 2 }, loaded.shape);
        Assert.Equal(new float[] { 0, 3, 1, 4, 2, 5 }, loaded.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void ALazilyConjugatedComplexTensorIsWrittenConjugated()
    {
        using var pairs = torch.tensor(new float[] { 1, 2, 3, -4 }).reshape(2, 2);
        using var complex = torch.view_as_complex(pairs);   // [1+2i, 3−4i]
        using var conjugated = complex.conj();               // a view with the conjugate bit set
        string path = _folder.File("conj.safetensors");
        SafetensorsWriter.Save(path, [new("z", conjugated)]);

        using var file = SafetensorsFile.Open(path);
        using var loaded = file.Load("z");
        using var asPairs = torch.view_as_real(loaded);
        Assert.Equal(new float[] { 1, -2, 3, 4 }, asPairs.reshape(-1).data<float>().ToArray());
    }

    [Fact]
    public void ABigTensorRoundTripsThroughManySlices()
    {
        using var big = torch.randn(new long[] { 300, 1000 }, generator: new torch.Generator(7));
        string path = _folder.File("big.safetensors");
        SafetensorsWriter.Save(path, [new("big", big)]);

        using var file = SafetensorsFile.Open(path);
        using var oneSlice = file.Load("big");
        using var manySlices = file.Load("big", ScalarType.Float32, null, chunkBytes: 4096 + 4);
        Assert.Equal(Bytes(big), Bytes(oneSlice));
        Assert.Equal(Bytes(big), Bytes(manySlices));
    }

    [Fact]
    public void SavingTheLoadedFixtureReproducesItsTensors()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "model.safetensors");
        using var original = SafetensorsFile.Open(fixture);
        var tensors = original.Entries.Keys.Select(name => new KeyValuePair<string, Tensor>(name, original.Load(name))).ToList();
        string path = _folder.File("copy.safetensors");
        SafetensorsWriter.Save(path, tensors, original.Metadata);

        using var copy = SafetensorsFile.Open(path);
        Assert.Equal(original.Metadata, copy.Metadata);
        Assert.Equal(original.Entries.Keys.Order(StringComparer.Ordinal), copy.Entries.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, tensor) in tensors)
        {
            using var back = copy.Load(name);
            Assert.Equal(Bytes(tensor), Bytes(back));
            tensor.Dispose();
        }
        // Same tensors, so the same data-area size; only their order (Hugging Face's: by name) may differ.
        Assert.Equal(SafetensorsBytes.Split(File.ReadAllBytes(fixture)).Data.Length, SafetensorsBytes.Split(File.ReadAllBytes(path)).Data.Length);
    }
}
