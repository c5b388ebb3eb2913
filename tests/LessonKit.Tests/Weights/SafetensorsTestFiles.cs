using System.Buffers.Binary;
using System.Text;

namespace LessonKit.Tests.Weights;

/// <summary>A fresh folder under the system temp folder, deleted with everything in it on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder()
    {
        FullPath = Path.Combine(Path.GetTempPath(), "lessonkit-safetensors-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(FullPath);
    }

    public string FullPath { get; }

    public string File(string name) => Path.Combine(FullPath, name);

    /// <summary>Writes <paramref name="bytes"/> to a new file in the folder and returns its path.</summary>
    public string Write(byte[] bytes, string name = "crafted.safetensors")
    {
        string path = File(name);
        System.IO.File.WriteAllBytes(path, bytes);
        return path;
    }

    public void Dispose()
    {
        try { Directory.Delete(FullPath, recursive: true); } catch (IOException) { }
    }
}

/// <summary>Builds safetensors bytes by hand, independent of the library's writer.</summary>
internal static class SafetensorsBytes
{
    /// <summary>
    /// [u64 header length][header JSON, space-padded to 8 bytes unless <paramref name="pad"/> is false][data].
    /// </summary>
    public static byte[] Build(string headerJson, byte[] data, bool pad = true) =>
        Build(Encoding.UTF8.GetBytes(headerJson), data, pad);

    public static byte[] Build(byte[] header, byte[] data, bool pad = true)
    {
        int padding = pad ? (8 - header.Length % 8) % 8 : 0;
        var bytes = new byte[8 + header.Length + padding + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)(header.Length + padding));
        header.CopyTo(bytes, 8);
        bytes.AsSpan(8 + header.Length, padding).Fill((byte)' ');
        data.CopyTo(bytes, 8 + header.Length + padding);
        return bytes;
    }

    /// <summary>Little-endian float32 bytes.</summary>
    public static byte[] Floats(params float[] values)
    {
        var bytes = new byte[values.Length * 4];
        for (int i = 0; i < values.Length; i++)
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * 4), values[i]);
        return bytes;
    }

    /// <summary>The header length, header text and data area of a safetensors file's bytes.</summary>
    public static (ulong HeaderLength, string Header, byte[] Data) Split(byte[] file)
    {
        ulong n = BinaryPrimitives.ReadUInt64LittleEndian(file);
        string header = Encoding.UTF8.GetString(file, 8, (int)n);
        return (n, header, file[(8 + (int)n)..]);
    }
}
