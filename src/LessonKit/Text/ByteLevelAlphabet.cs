namespace LessonKit.Text;

/// <summary>
/// GPT-2's byte-to-character table ("bytes_to_unicode" in OpenAI's encoder.py).
/// </summary>
/// <remarks>
/// GPT-2's BPE works on UTF-8 bytes, but its <c>vocab.json</c> and <c>merges.txt</c> are text files, so every byte
/// is written as one printable character. Bytes that are already printable and not a space keep their own
/// character (<c>'!'..'~'</c>, <c>'¡'..'¬'</c>, <c>'®'..'ÿ'</c>: 188 bytes). The other 68 bytes (controls, space,
/// DEL, 0x80-0xA0 and the soft hyphen 0xAD) are moved, in byte order, to U+0100, U+0101, ... That is why a
/// leading space shows up as <c>Ġ</c> (U+0120: space is the 33rd moved byte) and a newline as <c>Ċ</c> (U+010A).
/// </remarks>
internal static class ByteLevelAlphabet
{
    // byte -> character, and character -> byte (only characters below this bound can be in the table)
    private static readonly char[] s_byteToChar = BuildByteToChar();
    private const int CharBound = 0x100 + 68;
    private static readonly short[] s_charToByte = BuildCharToByte(s_byteToChar);

    /// <summary>The character GPT-2's files use for <paramref name="b"/>.</summary>
    public static char ToChar(byte b) => s_byteToChar[b];

    /// <summary>Turns a <c>vocab.json</c> / <c>merges.txt</c> token back into the bytes it stands for.</summary>
    /// <returns><c>false</c> when a character of <paramref name="token"/> is not in the table.</returns>
    public static bool TryToBytes(string token, out byte[] bytes)
    {
        bytes = new byte[token.Length]; // one character per byte
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            int b = c < CharBound ? s_charToByte[c] : -1;
            if (b < 0)
            {
                bytes = [];
                return false;
            }
            bytes[i] = (byte)b;
        }
        return true;
    }

    /// <summary>Writes <paramref name="bytes"/> the way GPT-2's files do (the inverse of <see cref="TryToBytes"/>).</summary>
    public static string ToText(ReadOnlySpan<byte> bytes)
    {
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = s_byteToChar[bytes[i]];
        }
        return new string(chars);
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        int moved = 0;
        for (int b = 0; b < 256; b++)
        {
            bool keepsItsOwnCharacter = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = keepsItsOwnCharacter ? (char)b : (char)(0x100 + moved++);
        }
        return table;
    }

    private static short[] BuildCharToByte(char[] byteToChar)
    {
        var table = new short[CharBound];
        Array.Fill(table, (short)-1);
        for (int b = 0; b < 256; b++)
        {
            table[byteToChar[b]] = (short)b;
        }
        return table;
    }
}
