using System.Buffers.Binary;
using System.Text;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary>
/// Broken and hostile files, crafted byte by byte: each must give an <see cref="InvalidDataException"/> that names the
/// file and the problem, never a crash, a hang or a huge allocation.
/// </summary>
public class SafetensorsHostileInputTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private const string Valid = """{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""";

    // Opens the bytes and returns the message of the InvalidDataException Open must throw, after checking it names
    // the file and contains each fragment.
    private string OpenFails(byte[] bytes, params string[] fragments)
    {
        string path = _folder.Write(bytes);
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains($"'{path}' is not a valid safetensors file", error.Message);
        foreach (string fragment in fragments)
            Assert.Contains(fragment, error.Message);
        return error.Message;
    }

    private string OpenFails(string header, int dataBytes, params string[] fragments) =>
        OpenFails(SafetensorsBytes.Build(header, new byte[dataBytes]), fragments);

    [Fact]
    public void TheValidBaseFileOpens()
    {
        // Every header below is a small edit of this one.
        using var file = SafetensorsFile.Open(_folder.Write(SafetensorsBytes.Build(Valid, SafetensorsBytes.Floats(1, 2))));
        using var a = file.Load("a");
        Assert.Equal(new float[] { 1, 2 }, a.data<float>().ToArray());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(7)]
    public void AFileShorterThanTheLengthPrefix(int length) =>
        OpenFails(new byte[length], $"it is {length} bytes long, shorter than the 8-byte header length");

    [Fact]
    public void AHeaderLengthBeyondTheFile()
    {
        var bytes = SafetensorsBytes.Build(Valid, new byte[8]);
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 1000);
        OpenFails(bytes, "header length of 1000 bytes", $"only {bytes.Length - 8} bytes follow");
    }

    [Theory]
    [InlineData(ulong.MaxValue)]
    [InlineData(1UL << 63)]
    [InlineData(100_000_001UL)]
    public void AnAbsurdHeaderLength(ulong length)
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
        OpenFails(bytes, $"header length of {length} bytes", "beyond the format's limit of 100000000 bytes");
    }

    [Fact]
    public void AHeaderLengthJustUnderTheLimitButBeyondTheFileAllocatesNothingBig()
    {
        var bytes = new byte[64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, 99_999_999);
        string path = _folder.Write(bytes);
        SafetensorsFile.Open(_folder.Write(SafetensorsBytes.Build(Valid, new byte[8]), "warm.safetensors")).Dispose();   // JIT warm-up

        long before = GC.GetAllocatedBytesForCurrentThread();
        Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 1_000_000, "rejecting the header allocated a megabyte or more");
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, 7)]                 // never valid in UTF-8
    [InlineData(new byte[] { 0xC0, 0x80 }, 7)]           // overlong encoding of NUL
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, 7)]     // an encoded UTF-16 surrogate
    [InlineData(new byte[] { 0xE2, 0x82 }, 7)]           // a sequence cut short
    public void AHeaderThatIsNotUtf8(byte[] badBytes, int badOffset)
    {
        byte[] header = [.. "{\"a\":{\""u8, .. badBytes, .. "\":1}}"u8];
        OpenFails(SafetensorsBytes.Build(header, []), "not valid UTF-8", $"header offset {badOffset}");
    }

    [Theory]
    [InlineData("""{"a":}""")]
    [InlineData("""{""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}""")]
    [InlineData("""{} x""")]
    [InlineData("""{}{}""")]
    [InlineData("""{/* comment */}""")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2,],"data_offsets":[0,8]}}""")]
    [InlineData("""{'a':1}""")]
    [InlineData("{\"a\0\":1}")]
    public void AHeaderThatIsNotJson(string header) => OpenFails(header, 0, "its header is not valid JSON");

    [Theory]
    [InlineData("""[1,2]""", "'['")]
    [InlineData("""  "text" """, "byte 0x20")]
    [InlineData("""42""", "'4'")]
    [InlineData("""null""", "'n'")]
    [InlineData(""" {}""", "byte 0x20")]
    public void AHeaderThatIsNotAnObject(string header, string start) =>
        OpenFails(header, 0, "its header must be a JSON object starting with '{'", $"starts with {start}");

    [Fact]
    public void AnEmptyHeader() => OpenFails(SafetensorsBytes.Build([], [], pad: false), "its header is empty");

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", "lists tensor 'a' twice")]
    [InlineData("""{"__metadata__":{},"__metadata__":{}}""", "has \"__metadata__\" twice")]
    [InlineData("""{"a":{"dtype":"F32","dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", "tensor 'a' gives \"dtype\" twice")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"shape":[2],"data_offsets":[0,8]}}""", "tensor 'a' gives \"shape\" twice")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8],"data_offsets":[0,8]}}""", "tensor 'a' gives \"data_offsets\" twice")]
    [InlineData("""{"__metadata__":{"k":"1","k":"2"}}""", "\"__metadata__\" has the key 'k' twice")]
    public void DuplicateKeys(string header, string fragment) => OpenFails(header, 8, fragment);

    [Theory]
    [InlineData("""{"a":{"shape":[2],"data_offsets":[0,8]}}""", "tensor 'a' is missing dtype")]
    [InlineData("""{"a":{"dtype":"F32","data_offsets":[0,8]}}""", "tensor 'a' is missing shape")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2]}}""", "tensor 'a' is missing data_offsets")]
    [InlineData("""{"a":{"dtype":"F32"}}""", "tensor 'a' is missing shape and data_offsets")]
    [InlineData("""{"a":{}}""", "tensor 'a' is missing dtype and shape and data_offsets")]
    public void MissingFields(string header, string fragment) => OpenFails(header, 8, fragment);

    [Theory]
    [InlineData("""{"a":[1,2]}""", "tensor 'a' must be described by an object", "its value is an array")]
    [InlineData("""{"a":null}""", "tensor 'a' must be described by an object", "its value is null")]
    [InlineData("""{"a":"F32"}""", "tensor 'a' must be described by an object", "its value is a string")]
    [InlineData("""{"a":{"dtype":32,"shape":[2],"data_offsets":[0,8]}}""", "tensor 'a' has a dtype that is a number")]
    [InlineData("""{"a":{"dtype":"F32","shape":"2","data_offsets":[0,8]}}""", "tensor 'a' has a shape that is a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":{"0":2},"data_offsets":[0,8]}}""", "tensor 'a' has a shape that is an object")]
    [InlineData("""{"a":{"dtype":"F32","shape":[[2]],"data_offsets":[0,8]}}""", "tensor 'a' has a shape holding an array")]
    [InlineData("""{"a":{"dtype":"F32","shape":[true],"data_offsets":[0,8]}}""", "tensor 'a' has a shape holding a boolean")]
    [InlineData("""{"a":{"dtype":"F32","shape":[null],"data_offsets":[0,8]}}""", "tensor 'a' has a shape holding null")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2.0],"data_offsets":[0,8]}}""", "tensor 'a' has its size 2.0 in shape, which is not a whole number")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2e0],"data_offsets":[0,8]}}""", "its size 2e0 in shape, which is not a whole number")]
    [InlineData("""{"a":{"dtype":"F32","shape":[99999999999999999999],"data_offsets":[0,8]}}""", "its size 99999999999999999999 in shape, which is larger than 2^63")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0]}}""", "tensor 'a' has 1 data_offsets; it needs exactly two")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[]}}""", "tensor 'a' has 0 data_offsets; it needs exactly two")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8,8]}}""", "tensor 'a' has more than 2 data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":"0,8"}}""", "tensor 'a' has a data_offsets that is a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,"8"]}}""", "tensor 'a' has a data_offsets holding a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8.5]}}""", "its data offset 8.5 in data_offsets, which is not a whole number")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offset":[0,8]}}""", "tensor 'a' has an unexpected field 'data_offset'")]
    [InlineData("""{"__metadata__":[1]}""", "\"__metadata__\" must be an object of string values, but it is an array")]
    [InlineData("""{"__metadata__":{"epoch":3}}""", "\"__metadata__\" value for 'epoch' is a number; metadata values must be strings")]
    [InlineData("""{"__metadata__":{"nested":{"x":"y"}}}""", "value for 'nested' is an object")]
    public void WrongJsonTypes(string header, params string[] fragments) => OpenFails(header, 8, fragments);

    [Fact]
    public void AnInvalidEscapeInAName() =>
        OpenFails("""{"bad\ud800":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 8, "not valid text");

    [Fact]
    public void NullMetadataMeansNone()
    {
        using var file = SafetensorsFile.Open(_folder.Write(SafetensorsBytes.Build("""{"__metadata__":null}""", [])));
        Assert.Empty(file.Metadata);
        Assert.Empty(file.Entries);
    }

    [Theory]
    [InlineData("[-2]", "negative dimension -2")]
    [InlineData("[2, -1]", "negative dimension -1")]
    public void NegativeDimensions(string shape, string fragment) =>
        OpenFails($$$"""{"a":{"dtype":"F32","shape":{{{shape}}},"data_offsets":[0,8]}}""", 8, "tensor 'a'", fragment);

    [Fact]
    public void NegativeOffsets() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8, "tensor 'a' has a negative data offset -8");

    [Fact]
    public void TooManyDimensions()
    {
        string ones = string.Join(",", Enumerable.Repeat("1", 65));
        OpenFails($$$"""{"a":{"dtype":"F32","shape":[{{{ones}}}],"data_offsets":[0,4]}}""", 4, "tensor 'a' has more than 64 dimensions");
    }

    [Fact]
    public void AMillionDimensionsAreRefusedWithoutStoringThem()
    {
        string ones = string.Join(",", Enumerable.Repeat("1", 1_000_000));
        string path = _folder.Write(SafetensorsBytes.Build($$$"""{"a":{"dtype":"F32","shape":[{{{ones}}}],"data_offsets":[0,4]}}""", new byte[4]));
        long before = GC.GetAllocatedBytesForCurrentThread();
        var error = Assert.Throws<InvalidDataException>(() => SafetensorsFile.Open(path));
        Assert.Contains("more than 64 dimensions", error.Message);
        // The 2 MB header is read into memory once; a million stored dimensions would add 8 MB more.
        Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 3_000_000);
    }

    [Theory]
    [InlineData("F32", "[4294967296, 4294967296]", "element count overflows a 64-bit integer")]
    [InlineData("F32", "[0, 4611686018427387904, 4611686018427387904]", "element count overflows")]   // zero does not make libtorch's strides safe
    [InlineData("F64", "[1152921504606846976]", "size in bits overflows a 64-bit integer")]           // 2^60 elements × 64 bits
    [InlineData("I8", "[9223372036854775807, 2]", "element count overflows")]
    public void ElementCountsThatOverflow(string dtype, string shape, string fragment) =>
        OpenFails($$$"""{"huge":{"dtype":"{{{dtype}}}","shape":{{{shape}}},"data_offsets":[0,8]}}""", 8, "tensor 'huge'", fragment);

    [Fact]
    public void ASubByteTypeThatDoesNotFillWholeBytes() =>
        OpenFails("""{"q":{"dtype":"F4","shape":[3],"data_offsets":[0,2]}}""", 2, "tensor 'q' (3 elements of 4-bit F4) does not fill a whole number of bytes");

    [Fact]
    public void BeginAfterEnd() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}""", 8, "tensor 'a' has data_offsets [8, 0]: begin is after end");

    [Fact]
    public void ByteLengthNotMatchingTheShape() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8,
                  "tensor 'a' is F32 [3], which takes 12 bytes, but its data_offsets [0, 8] span 8 bytes");

    [Fact]
    public void OffsetsOutsideTheDataArea() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[100,108]}}""", 8,
                  "tensor 'a' needs data bytes [100, 108), but only 8 bytes of data follow the header", "truncated, or its header points outside it");

    [Fact]
    public void OffsetsNearTheTopOfTheRange() =>
        OpenFails("""{"a":{"dtype":"U8","shape":[8],"data_offsets":[9223372036854775799,9223372036854775807]}}""", 8,
                  "needs data bytes [9223372036854775799, 9223372036854775807)");

    [Fact]
    public void OverlappingTensors() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12,
                  "tensors 'a' (data bytes [0, 8)) and 'b' (data bytes [4, 12)) overlap");

    [Fact]
    public void TwoTensorsSharingTheSameBytes() =>
        OpenFails("""{"b":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"a":{"dtype":"I32","shape":[2],"data_offsets":[0,8]}}""", 8,
                  "tensors 'a' (data bytes [0, 8)) and 'b' (data bytes [0, 8)) overlap");

    [Fact]
    public void AHoleBetweenTensors() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}}""", 20,
                  "data bytes [8, 12) belong to no tensor (between 'a' and 'b')", "without holes");

    [Fact]
    public void AHoleBeforeTheFirstTensor() =>
        OpenFails("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "data bytes [0, 4) belong to no tensor (before 'a')");

    [Fact]
    public void BytesAfterTheLastTensor() =>
        OpenFails(Valid, 12, "4 bytes follow the last tensor's data ('a' ends at data byte 8, the data area is 12 bytes)");

    [Fact]
    public void DataButNoTensors() => OpenFails("{}", 16, "16 bytes follow the last tensor's data (the header lists no tensors");

    [Theory]
    [InlineData("F31")]
    [InlineData("f32")]
    [InlineData("float32")]
    [InlineData("")]
    public void AnUnknownDType(string dtype)
    {
        string message = OpenFails($$$"""{"a":{"dtype":"{{{dtype}}}","shape":[2],"data_offsets":[0,8]}}""", 8, $"tensor 'a' has unknown dtype '{dtype}'");
        Assert.Contains("Known dtypes: BOOL, F4, F6_E2M3, F6_E3M2, U8, I8, F8_E5M2, F8_E4M3, F8_E8M0, I16, U16, F16, BF16, I32, U32, F32, C64, F64, I64, U64", message);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(23)]
    [InlineData(24)]
    public void AFileTruncatedAfterTheHeader(int cut)
    {
        using var t = torch.arange(6, dtype: ScalarType.Float32);
        string path = _folder.File("whole.safetensors");
        SafetensorsWriter.Save(path, [new("t", t)]);
        byte[] bytes = File.ReadAllBytes(path);

        OpenFails(bytes[..^cut], "tensor 't' needs data bytes [0, 24)", $"only {24 - cut} bytes of data follow the header", "the file is truncated");
    }

    [Fact]
    public void AFileThatShrinksAfterItWasOpened()
    {
        using var t = torch.arange(1000, dtype: ScalarType.Float32);
        string path = _folder.File("shrinks.safetensors");
        SafetensorsWriter.Save(path, [new("t", t)]);
        using var file = SafetensorsFile.Open(path);

        using (var writer = new FileStream(path, FileMode.Open, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete))
            writer.SetLength(writer.Length - 100);

        var error = Assert.Throws<InvalidDataException>(() => file.Load("t"));
        Assert.Contains("the file ended at byte", error.Message);
        Assert.Contains("while reading tensor 't'", error.Message);
        Assert.Contains("it has changed since it was opened", error.Message);
    }

    [Fact]
    public void ABoolTensorHoldingAByteOtherThanZeroOrOne()
    {
        string path = _folder.Write(SafetensorsBytes.Build("""{"mask":{"dtype":"BOOL","shape":[2,2],"data_offsets":[0,4]}}""", [1, 0, 2, 1]));
        using var file = SafetensorsFile.Open(path);

        var error = Assert.Throws<InvalidDataException>(() => file.Load("mask"));
        Assert.Contains($"'{path}' is not a valid safetensors file", error.Message);
        Assert.Contains("BOOL tensor 'mask' holds the byte 2 at element 2; BOOL elements must be 0 or 1", error.Message);
    }

    [Fact]
    public void LoadingANameThatIsNotThereSuggestsCloseNames()
    {
        string fixture = Path.Combine(AppContext.BaseDirectory, "Fixtures", "tiny-gpt2", "model.safetensors");
        using var file = SafetensorsFile.Open(fixture);

        var typo = Assert.Throws<InvalidDataException>(() => file.Load("h.0.attn.c_atn.weight"));
        Assert.Contains($"'{file.Path}' has no tensor named 'h.0.attn.c_atn.weight'", typo.Message);
        Assert.Contains("Did you mean 'h.0.attn.c_attn.weight'", typo.Message);

        var prefixed = Assert.Throws<InvalidDataException>(() => file.Load("transformer.wte.weight"));
        Assert.Contains("Did you mean 'wte.weight'", prefixed.Message);

        var nothingClose = Assert.Throws<InvalidDataException>(() => file.Load("decoder.embed_tokens"));
        Assert.Contains("It holds 28 tensors, such as 'wte.weight', 'wpe.weight', 'ln_f.weight'", nothingClose.Message);
    }

    [Fact]
    public void LoadingFromAFileWithNoTensors()
    {
        using var file = SafetensorsFile.Open(_folder.Write(SafetensorsBytes.Build("{}", [])));
        Assert.Contains("The file holds no tensors.", Assert.Throws<InvalidDataException>(() => file.Load("x")).Message);
    }
}
