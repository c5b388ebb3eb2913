using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary><see cref="SafetensorsFile.Load"/>: the dtype rule, slicing, memory, and misuse.</summary>
public class SafetensorsLoadTests : IDisposable
{
    private static readonly string FixturePath = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "model.safetensors");

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Same type, shape and bytes (bit for bit, so it holds for NaN too).
    private static bool SameContents(Tensor a, Tensor b)
    {
        if (a.dtype != b.dtype || !a.shape.SequenceEqual(b.shape))
            return false;
        using var ca = a.contiguous();
        using var cb = b.contiguous();
        return ca.bytes.SequenceEqual(cb.bytes);
    }

    private string SaveOne(Tensor tensor, string name = "t")
    {
        string path = _folder.File($"{Guid.NewGuid():N}.safetensors");
        SafetensorsWriter.Save(path, [new(name, tensor)]);
        return path;
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    [InlineData(ScalarType.Float64)]
    public void FloatingPointTensorsConvertToTheRequestedType(ScalarType requested)
    {
        using var stored = torch.tensor(new float[] { 1f, -2.5f, 0.5f });
        using var file = SafetensorsFile.Open(SaveOne(stored));

        using var loaded = file.Load("t", requested);

        Assert.Equal(requested, loaded.dtype);
        using var back = loaded.to(ScalarType.Float32);
        Assert.Equal(new float[] { 1f, -2.5f, 0.5f }, back.data<float>().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Int8)]
    [InlineData(ScalarType.Byte)]
    [InlineData(ScalarType.Bool)]
    [InlineData(ScalarType.ComplexFloat32)]
    public void IntegerBoolAndComplexTensorsKeepTheirType(ScalarType type)
    {
        using var ones = torch.ones(4, type);
        using var file = SafetensorsFile.Open(SaveOne(ones));

        using var byDefault = file.Load("t");
        using var askedForHalf = file.Load("t", ScalarType.Float16);

        Assert.Equal(type, byDefault.dtype);
        Assert.Equal(type, askedForHalf.dtype);
        Assert.True(SameContents(byDefault, ones));
    }

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Bool)]
    [InlineData(ScalarType.ComplexFloat32)]
    public void ANonFloatingRequestedTypeIsRefused(ScalarType requested)
    {
        using var file = SafetensorsFile.Open(FixturePath);
        var error = Assert.Throws<ArgumentException>(() => file.Load("ln_f.bias", requested));
        Assert.Equal("dtype", error.ParamName);
        Assert.Contains($"dtype {requested} is not a floating-point type", error.Message);
    }

    [Fact]
    public void ADTypeWithoutATorchSharpTypeOpensButDoesNotLoad()
    {
        string path = _folder.Write(SafetensorsBytes.Build(
            """{"ids":{"dtype":"U16","shape":[2],"data_offsets":[0,4]},"q":{"dtype":"F4","shape":[4],"data_offsets":[4,6]},"ok":{"dtype":"U8","shape":[2],"data_offsets":[6,8]}}""",
            [1, 0, 2, 0, 0x12, 0x34, 7, 8]));
        using var file = SafetensorsFile.Open(path);

        Assert.Equal("U16", file.Entries["ids"].DType);
        Assert.Equal(2, file.Entries["q"].ByteLength);   // four 4-bit elements
        var error = Assert.Throws<NotSupportedException>(() => file.Load("ids"));
        Assert.Contains("tensor 'ids' is stored as U16, which TorchSharp has no type for", error.Message);
        Assert.Contains("Loadable dtypes: BOOL, U8, I8, I16, F16, BF16, I32, F32, C64, F64, I64", error.Message);
        Assert.Throws<NotSupportedException>(() => file.Load("q"));
        using var ok = file.Load("ok");
        Assert.Equal(new byte[] { 7, 8 }, ok.data<byte>().ToArray());
    }

    [Theory]
    [InlineData(ScalarType.Float32, null)]
    [InlineData(ScalarType.Float16, null)]
    [InlineData(ScalarType.Float16, ScalarType.Float32)]
    [InlineData(ScalarType.BFloat16, ScalarType.Float32)]
    [InlineData(ScalarType.Float32, ScalarType.Float64)]
    [InlineData(ScalarType.Int64, null)]
    public void SlicedReadsMatchAWholeRead(ScalarType stored, ScalarType? requested)
    {
        using var source = torch.randn(new long[] { 7, 143 }, generator: new torch.Generator(3)).mul(100).to(stored);
        using var file = SafetensorsFile.Open(SaveOne(source));
        using var whole = file.Load("t", requested);

        // Slices of 1 element, of an odd byte count (rounded down to whole elements), and of many elements.
        foreach (long chunkBytes in new long[] { 1, 7, 10, 4096 })
        {
            using var sliced = file.Load("t", requested, null, chunkBytes);
            Assert.True(SameContents(whole, sliced), $"reading in slices of {chunkBytes} bytes gave different values");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void LoadIntoFillsATransposedViewRowByRow(ScalarType stored)
    {
        // [600, 700] float32 is 1.7 MB, more than one 1 MB staging slice; 600 is not a multiple of the rows per slice.
        using var source = torch.randn(new long[] { 600, 700 }, generator: new torch.Generator(9)).to(stored);
        using var file = SafetensorsFile.Open(SaveOne(source));
        using var memory = torch.full(700, 600, float.NaN);   // [out, in], as a Conv1D lays out its weight
        using var view = memory.t();                          // [in, out], the shape the file holds
        Assert.False(view.is_contiguous());

        file.LoadInto("t", view);

        using var expected = file.Load("t");
        Assert.True(SameContents(view, expected), "the transposed view holds other values than a plain load");
    }

    [Fact]
    public void LoadingReadsStraightIntoTensorMemory()
    {
        using var file = SafetensorsFile.Open(FixturePath);
        file.Load("wte.weight").Dispose();   // warm up: JIT and TorchSharp's first-call setup

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var wte = file.Load("wte.weight");   // 6.4 MB of float32
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(new long[] { 50257, 32 }, wte.shape);
        Assert.True(allocated < 64_000, $"loading a 6.4 MB tensor allocated {allocated} managed bytes");
    }

    [Fact]
    public void ConvertingReadsThroughNativeMemoryOnly()
    {
        using var half = torch.randn(1_000_000, generator: new torch.Generator(5)).to(ScalarType.Float16);
        using var file = SafetensorsFile.Open(SaveOne(half));
        file.Load("t").Dispose();

        long before = GC.GetAllocatedBytesForCurrentThread();
        using var loaded = file.Load("t", ScalarType.Float32, null, chunkBytes: 256 * 1024);   // 8 staging slices
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ScalarType.Float32, loaded.dtype);
        Assert.True(allocated < 64_000, $"converting a 2 MB tensor allocated {allocated} managed bytes");
        using var expected = half.to(ScalarType.Float32);
        Assert.True(SameContents(loaded, expected));
    }

    [Fact]
    public void ABoolTensorIsCheckedAcrossSlices()
    {
        var bytes = new byte[10_000];
        bytes[9_999] = 1;
        bytes[5_000] = 0xFF;
        string path = _folder.Write(SafetensorsBytes.Build("""{"m":{"dtype":"BOOL","shape":[10000],"data_offsets":[0,10000]}}""", bytes));
        using var file = SafetensorsFile.Open(path);
        var error = Assert.Throws<InvalidDataException>(() => file.Load("m", null, null, chunkBytes: 64));
        Assert.Contains("holds the byte 255 at element 5000", error.Message);
    }

    [Fact]
    public void TheDeviceArgumentPlacesTheResult()
    {
        using var file = SafetensorsFile.Open(FixturePath);
        using var onCpu = file.Load("ln_f.weight", device: torch.CPU);
        Assert.Equal(DeviceType.CPU, onCpu.device_type);
    }

    [Fact]
    public void ChangingAnEntryDoesNotChangeWhatLoads()
    {
        using var file = SafetensorsFile.Open(FixturePath);
        file.Entries["h.0.attn.c_attn.weight"].Shape[0] = 1_000_000;   // the array is the caller's to break

        using var weight = file.Load("h.0.attn.c_attn.weight");
        Assert.Equal(new long[] { 32, 96 }, weight.shape);
    }

    [Fact]
    public void SeveralThreadsCanLoadAtOnce()
    {
        using var file = SafetensorsFile.Open(FixturePath);
        var names = file.Entries.Keys.ToArray();
        var sums = names.ToDictionary(n => n, n => { using var t = file.Load(n); using var s = t.to(ScalarType.Float64).sum(); return s.item<double>(); });

        Parallel.ForEach(names.Concat(names).Concat(names), new ParallelOptions { MaxDegreeOfParallelism = 4 }, name =>
        {
            using var t = file.Load(name);
            using var s = t.to(ScalarType.Float64).sum();
            Assert.Equal(sums[name], s.item<double>());
        });
    }

    [Fact]
    public void MisuseGivesClearExceptions()
    {
        var file = SafetensorsFile.Open(FixturePath);
        Assert.Throws<ArgumentNullException>(() => file.Load(null!));
        file.Dispose();
        Assert.Throws<ObjectDisposedException>(() => file.Load("wte.weight"));
        Assert.Throws<FileNotFoundException>(() => SafetensorsFile.Open(_folder.File("missing.safetensors")));
        Assert.ThrowsAny<ArgumentException>(() => SafetensorsFile.Open(""));
    }

    [Fact]
    public void EntriesCompareByValueAndDescribeThemselves()
    {
        var a = new SafetensorsEntry("w", "F32", [2, 3], 0, 24);
        var b = new SafetensorsEntry("w", "F32", [2, 3], 0, 24);
        var c = new SafetensorsEntry("w", "F32", [3, 2], 0, 24);
        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
        Assert.Equal(6, a.ElementCount);
        Assert.Equal(24, a.ByteLength);
        Assert.Equal(1, new SafetensorsEntry("s", "F32", [], 0, 4).ElementCount);
        Assert.Equal("w: F32 [2, 3], data bytes [0, 24)", a.ToString());
    }
}
