using System.Security.Cryptography;

namespace LessonKit.Display.Html;

/// <summary>
/// Element ids for views. Random rather than counted: a notebook keeps the outputs of earlier runs (and earlier
/// kernels) on the same page, where a counter that restarts at 1 would collide.
/// </summary>
internal static class ElementIds
{
    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A fresh id such as <c>lk-3k9x0q2m7b1a</c>: a letter first, 12 random characters (62 bits).</summary>
    public static string New()
    {
        Span<char> chars = stackalloc char[12];
        for (int i = 0; i < chars.Length; i++) chars[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
        return "lk-" + new string(chars);
    }
}
