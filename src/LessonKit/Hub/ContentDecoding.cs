using System.IO.Compression;

namespace LessonKit.Hub;

/// <summary>
/// Undoes the <c>Content-Encoding</c> of an answer, so the cache only ever holds a file's own bytes. The client asks
/// for <c>identity</c>, but a compressing proxy (or a CDN) may gzip text files anyway; storing those bytes would put
/// gzip data where <c>config.json</c> belongs, in a cache Python shares. gzip, deflate and br are decoded; anything
/// else is refused before a byte is written.
/// </summary>
internal static class ContentDecoding
{
    /// <summary>The encodings applied to the answer's body, in the order they were applied; empty for identity.</summary>
    public static string[] Encodings(HttpResponseMessage response) =>
        response.Content.Headers.ContentEncoding
            .Select(e => e.Trim().ToLowerInvariant())
            .Where(e => e.Length > 0 && e != "identity")
            .ToArray();

    /// <summary>True when the body is the file's bytes as they are.</summary>
    public static bool IsIdentity(HttpResponseMessage response) => Encodings(response).Length == 0;

    /// <summary>The first encoding this class cannot undo, or null when every one can be.</summary>
    public static string? Unsupported(IEnumerable<string> encodings) =>
        encodings.FirstOrDefault(e => e is not ("gzip" or "x-gzip" or "deflate" or "br"));

    /// <summary>
    /// Wraps <paramref name="body"/> in decoders, last-applied encoding first. HTTP's "deflate" is the zlib format
    /// (RFC 9110), so it is read with <see cref="ZLibStream"/>, not a raw <see cref="DeflateStream"/>.
    /// </summary>
    public static Stream Decode(Stream body, IReadOnlyList<string> encodings)
    {
        Stream decoded = body;
        for (int i = encodings.Count - 1; i >= 0; i--)
        {
            decoded = encodings[i] switch
            {
                "gzip" or "x-gzip" => new GZipStream(decoded, CompressionMode.Decompress),
                "deflate" => new ZLibStream(decoded, CompressionMode.Decompress),
                "br" => new BrotliStream(decoded, CompressionMode.Decompress),
                var other => throw new NotSupportedException($"Content-Encoding '{other}'"),
            };
        }
        return decoded;
    }
}
