using System.Buffers.Binary;
using System.Text;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Weights;

/// <summary>
/// Hundreds of random mutations of a valid file (fixed seed): whatever the bytes, opening and loading either works
/// or throws <see cref="InvalidDataException"/>. The one other allowed outcome is the documented
/// <see cref="NotSupportedException"/> for a valid file whose tensor has a dtype TorchSharp lacks (a mutation can
/// turn "I16" into "U16").
/// </summary>
public class SafetensorsFuzzTests : IDisposable
{
    private const int Mutations = 600;

    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private byte[] ValidFile()
    {
        using var weights = torch.arange(12, dtype: ScalarType.Float32).reshape(3, 4);
        using var half = torch.linspace(-1, 1, 5).to(ScalarType.Float16);
        using var brain = torch.ones(2, 2).to(ScalarType.BFloat16);
        using var ids = torch.tensor(new long[] { 0, 1, 50256 });
        using var shorts = torch.tensor(new short[] { -3, 4 });
        using var mask = torch.tensor(new[] { true, false, true, true });
        using var none = torch.empty(0, ScalarType.Byte);
        using var scalar = torch.tensor(2.5);
        string path = _folder.File("base.safetensors");
        SafetensorsWriter.Save(path,
            [new("h.0.weight", weights), new("half", half), new("brain", brain), new("ids", ids), new("shorts", shorts),
             new("mask", mask), new("none", none), new("scale", scalar)],
            new Dictionary<string, string> { ["format"] = "pt" });
        return File.ReadAllBytes(path);
    }

    // JSON-ish characters, so edits often still parse and reach the deeper checks.
    private const string JsonAlphabet = "{}[]\",:0123456789-.eE tfnul\\aFIUB";

    private static readonly string[] Numbers = ["0", "1", "-1", "7", "8", "1e3", "2.5", "4294967296", "9223372036854775807", "9223372036854775808", "18446744073709551616", "-9223372036854775808"];

    private static (byte[] Bytes, string Description) Mutate(byte[] valid, Random random)
    {
        byte[] bytes = (byte[])valid.Clone();
        int headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(valid);
        switch (random.Next(8))
        {
            case 0:
            {
                int flips = random.Next(1, 5);
                for (int i = 0; i < flips; i++)
                    bytes[random.Next(bytes.Length)] = (byte)random.Next(256);
                return (bytes, $"{flips} random bytes anywhere");
            }
            case 1:
            {
                int at = 8 + random.Next(headerLength);
                bytes[at] ^= (byte)(1 << random.Next(8));
                return (bytes, $"one bit flipped in the header at byte {at}");
            }
            case 2:
            {
                int length = random.Next(bytes.Length);
                return (bytes[..length], $"truncated to {length} bytes");
            }
            case 3:
            {
                ulong length = random.Next(3) switch
                {
                    0 => (ulong)(headerLength + random.Next(-16, 17)),
                    1 => (ulong)random.NextInt64(),
                    _ => ulong.MaxValue - (ulong)random.Next(1000),
                };
                BinaryPrimitives.WriteUInt64LittleEndian(bytes, length);
                return (bytes, $"header length set to {length}");
            }
            case 4:
            {
                // Edit the header text, keeping the length prefix consistent so the JSON is what gets tested.
                var header = new StringBuilder(Encoding.UTF8.GetString(valid, 8, headerLength));
                int edits = random.Next(1, 4);
                for (int i = 0; i < edits && header.Length > 0; i++)
                {
                    int at = random.Next(header.Length);
                    char c = JsonAlphabet[random.Next(JsonAlphabet.Length)];
                    switch (random.Next(3))
                    {
                        case 0: header[at] = c; break;
                        case 1: header.Insert(at, c); break;
                        default: header.Remove(at, 1); break;
                    }
                }
                return (Rebuild(header.ToString(), valid, headerLength), $"{edits} character edits in the header");
            }
            case 5:
            {
                // Replace one number in the header (a dimension or an offset) with a tricky one.
                string header = Encoding.UTF8.GetString(valid, 8, headerLength);
                var numbers = System.Text.RegularExpressions.Regex.Matches(header, "[0-9]+");
                var match = numbers[random.Next(numbers.Count)];
                string replacement = Numbers[random.Next(Numbers.Length)];
                string edited = header[..match.Index] + replacement + header[(match.Index + match.Length)..];
                return (Rebuild(edited, valid, headerLength), $"number '{match.Value}' at {match.Index} replaced by {replacement}");
            }
            case 6:
            {
                // Tensor bytes are free-form except BOOL's, so these mostly still load.
                int flips = random.Next(1, 9);
                for (int i = 0; i < flips; i++)
                    bytes[8 + headerLength + random.Next(bytes.Length - 8 - headerLength)] = (byte)random.Next(256);
                return (bytes, $"{flips} random bytes in the data area");
            }
            default:
            {
                int extra = random.Next(1, 32);
                var tail = new byte[extra];
                random.NextBytes(tail);
                return ([.. bytes, .. tail], $"{extra} random bytes appended");
            }
        }
    }

    private static byte[] Rebuild(string header, byte[] valid, int oldHeaderLength)
    {
        byte[] headerBytes = Encoding.UTF8.GetBytes(header);
        byte[] data = valid[(8 + oldHeaderLength)..];
        var bytes = new byte[8 + headerBytes.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)headerBytes.Length);
        headerBytes.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + headerBytes.Length);
        return bytes;
    }

    [Fact]
    public void MutatedFilesOnlyEverLoadOrThrowInvalidData()
    {
        byte[] valid = ValidFile();
        var random = new Random(20240611);
        int opened = 0, refused = 0;

        for (int i = 0; i < Mutations; i++)
        {
            var (bytes, description) = Mutate(valid, random);
            string path = _folder.Write(bytes, $"mutant-{i}.safetensors");   // a new file each time: faster than truncating one
            try
            {
                using var file = SafetensorsFile.Open(path);
                opened++;
                foreach (var (name, entry) in file.Entries)
                {
                    try
                    {
                        using var stored = file.Load(name, dtype: null);
                        using var asFloat = file.Load(name);
                        Assert.Equal(entry.Shape, stored.shape);
                        Assert.Equal(entry.ElementCount, stored.numel());
                    }
                    catch (NotSupportedException e) when (e.Message.Contains("which TorchSharp has no type for"))
                    {
                        Assert.DoesNotContain(entry.DType, new[] { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8", "BOOL", "C64" });
                    }
                }
            }
            catch (InvalidDataException e)
            {
                refused++;
                Assert.Contains(path, e.Message);
            }
            catch (Exception e)
            {
                Assert.Fail($"mutation {i} ({description}) threw {e.GetType().Name}: {e.Message}");
            }
        }

        // Both outcomes must actually happen, or the mutations are not testing anything.
        Assert.True(opened > Mutations / 20, $"only {opened} of {Mutations} mutants opened");
        Assert.True(refused > Mutations / 2, $"only {refused} of {Mutations} mutants were refused");
    }
}
