using System.Buffers.Binary;
using System.Text;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary>The writer's exact byte layout, its order of tensors, and its safe replace-by-rename.</summary>
public class SafetensorsWriterTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Save(IEnumerable<KeyValuePair<string, Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null, string name = "out.safetensors")
    {
        string path = _folder.File(name);
        SafetensorsWriter.Save(path, tensors, metadata);
        return path;
    }

    // The expected files below are the ones Hugging Face's reference implementation produces for the same input
    // (its own serialization tests pin these bytes).

    [Fact]
    public void OneTensorHasTheReferenceLayout()
    {
        using var t = torch.arange(6, dtype: ScalarType.Float32).reshape(1, 2, 3);
        byte[] file = File.ReadAllBytes(Save([new("attn.0", t)]));

        const string header = """{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}""";   // 64 bytes: no padding
        Assert.Equal(64, header.Length);
        byte[] expected = [.. BitConverter.GetBytes(64UL), .. Encoding.ASCII.GetBytes(header), .. SafetensorsBytes.Floats(0, 1, 2, 3, 4, 5)];
        Assert.Equal(expected, file);
    }

    [Fact]
    public void TheHeaderIsPaddedWithSpacesToAMultipleOfEight()
    {
        using var t = torch.arange(6, dtype: ScalarType.Float32).reshape(1, 1, 2, 3);
        byte[] file = File.ReadAllBytes(Save([new("attn0", t)]));

        const string json = """{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}""";   // 65 bytes
        Assert.Equal(72UL, BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal(json + new string(' ', 7), Encoding.UTF8.GetString(file, 8, 72));
        Assert.Equal(SafetensorsBytes.Floats(0, 1, 2, 3, 4, 5), file[80..]);
    }

    [Fact]
    public void AnEmptyFileIsAnEmptyObject()
    {
        byte[] file = File.ReadAllBytes(Save([]));
        Assert.Equal([8, 0, 0, 0, 0, 0, 0, 0, (byte)'{', (byte)'}', 32, 32, 32, 32, 32, 32], file);

        using var opened = SafetensorsFile.Open(_folder.File("out.safetensors"));
        Assert.Empty(opened.Entries);
    }

    [Fact]
    public void MetadataComesFirstWithItsKeysSorted()
    {
        byte[] file = File.ReadAllBytes(Save([], new Dictionary<string, string> { ["framework"] = "pt" }));
        Assert.Equal(40UL, BinaryPrimitives.ReadUInt64LittleEndian(file));
        Assert.Equal("""{"__metadata__":{"framework":"pt"}}""" + "     ", Encoding.UTF8.GetString(file, 8, 40));

        using var t = torch.ones(1);
        file = File.ReadAllBytes(Save([new("w", t)], new Dictionary<string, string> { ["z"] = "1", ["a"] = "2", ["format"] = "pt" }, "sorted.safetensors"));
        string header = SafetensorsBytes.Split(file).Header.TrimEnd(' ');
        Assert.Equal("""{"__metadata__":{"a":"2","format":"pt","z":"1"},"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", header);
    }

    [Fact]
    public void TensorsAreOrderedWidestDTypeFirstThenByName()
    {
        using var f32b = torch.tensor(new float[] { 1f, -2.5f });
        using var f32a = torch.tensor(new float[] { 7f });
        using var f16 = torch.tensor(new float[] { 1f, -2.5f }).to(ScalarType.Float16);
        using var bf16 = torch.tensor(new float[] { 1f, -2.5f }).to(ScalarType.BFloat16);
        using var i64 = torch.tensor(new long[] { -1 });
        using var f64 = torch.tensor(new double[] { 0.5 });
        using var flags = torch.tensor(new[] { true, false, true });
        byte[] file = File.ReadAllBytes(Save([
            new("b", f32b), new("flags", flags), new("half", f16), new("a", f32a), new("brain", bf16), new("ids", i64), new("wide", f64),
        ]));

        var (_, header, data) = SafetensorsBytes.Split(file);
        Assert.Equal(
            ("{'ids':{'dtype':'I64','shape':[1],'data_offsets':[0,8]}," +
             "'wide':{'dtype':'F64','shape':[1],'data_offsets':[8,16]}," +
             "'a':{'dtype':'F32','shape':[1],'data_offsets':[16,20]}," +
             "'b':{'dtype':'F32','shape':[2],'data_offsets':[20,28]}," +
             "'brain':{'dtype':'BF16','shape':[2],'data_offsets':[28,32]}," +
             "'half':{'dtype':'F16','shape':[2],'data_offsets':[32,36]}," +
             "'flags':{'dtype':'BOOL','shape':[3],'data_offsets':[36,39]}}").Replace('\'', '"'),
            header.TrimEnd(' '));
        Assert.Equal(0, (8 + header.Length) % 8);

        byte[] expectedData =
        [
            .. BitConverter.GetBytes(-1L),
            .. BitConverter.GetBytes(0.5),
            .. SafetensorsBytes.Floats(7f),
            .. SafetensorsBytes.Floats(1f, -2.5f),
            0x80, 0x3F, 0x20, 0xC0,   // bfloat16 1.0 = 0x3F80, −2.5 = 0xC020 (the top half of the float32 bits)
            0x00, 0x3C, 0x00, 0xC1,   // float16 1.0 = 0x3C00, −2.5 = 0xC100
            1, 0, 1,
        ];
        Assert.Equal(expectedData, data);
    }

    [Fact]
    public void NamesAreSortedByUtf8BytesAndEscapedAsSerdeJsonDoes()
    {
        // U+FF5E (3 UTF-8 bytes starting 0xEF) sorts before U+1F600 (4 bytes starting 0xF0) in UTF-8, but after it
        // in UTF-16, where the emoji is a surrogate pair starting 0xD83D.
        using var a = torch.ones(1);
        using var b = torch.ones(1);
        using var c = torch.ones(1);
        byte[] file = File.ReadAllBytes(Save([new("\U0001F600", a), new("\uFF5E", b), new("q\"\\\n\u0001é", c)]));

        string header = SafetensorsBytes.Split(file).Header.TrimEnd(' ');
        Assert.Equal(
            "{\"q\\\"\\\\\\n\\u0001é\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}," +
            "\"\uFF5E\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}," +
            "\"\U0001F600\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,12]}}",
            header);
    }

    [Fact]
    public void ReplacingAFileIsAtomicAndLeavesNoTemporaryFiles()
    {
        using var first = torch.full(3, 1f);
        using var second = torch.full(5, 2f);
        string path = Save([new("t", first)]);
        using var openBefore = SafetensorsFile.Open(path);

        SafetensorsWriter.Save(path, [new("t", second)]);

        // The new file is in place; a reader that opened the old one keeps reading the old one.
        using var openAfter = SafetensorsFile.Open(path);
        using var now = openAfter.Load("t");
        Assert.Equal(new float[] { 2, 2, 2, 2, 2 }, now.data<float>().ToArray());
        using var before = openBefore.Load("t");
        Assert.Equal(new float[] { 1, 1, 1 }, before.data<float>().ToArray());
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_folder.FullPath).Select(Path.GetFileName));
    }

    [Fact]
    public void AFailureWhileWritingLeavesTheOldFileAndNoTemporaryFile()
    {
        using var original = torch.full(3, 1f);
        string path = Save([new("t", original)]);
        byte[] oldBytes = File.ReadAllBytes(path);

        // The first tensor is disposed after the writer has checked it but before its bytes are written.
        var doomed = torch.full(4, 9f);
        using var fine = torch.full(2, 3f);
        IEnumerable<KeyValuePair<string, Tensor>> DisposeFirstWhenDone()
        {
            yield return new("doomed", doomed);
            yield return new("fine", fine);
            doomed.Dispose();
        }

        var error = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, DisposeFirstWhenDone()));
        Assert.Contains("'doomed'", error.Message);
        Assert.Equal(oldBytes, File.ReadAllBytes(path));
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_folder.FullPath).Select(Path.GetFileName));
    }

    [Fact]
    public void RefusesInputTheFormatCannotHold()
    {
        using var t = torch.ones(2);
        using var complex128 = torch.ones(2, ScalarType.ComplexFloat64);
        string path = _folder.File("refused.safetensors");

        Assert.Contains("Two tensors are named 'x'", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("x", t), new("x", t)])).Message);
        Assert.Contains("reserved", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("__metadata__", t)])).Message);
        Assert.Contains("'x' is null", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("x", null!)])).Message);
        var unsupported = Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("c", complex128)]));
        Assert.Contains("ComplexFloat64", unsupported.Message);
        Assert.Contains("Float32", unsupported.Message);
        Assert.Contains("surrogate", Assert.Throws<ArgumentException>(() => SafetensorsWriter.Save(path, [new("bad\ud800", t)])).Message);
        Assert.Contains("null value", Assert.Throws<ArgumentException>(
            () => SafetensorsWriter.Save(path, [new("x", t)], new Dictionary<string, string> { ["k"] = null! })).Message);
        Assert.False(File.Exists(path));
        Assert.Empty(Directory.GetFiles(_folder.FullPath));
    }
}
