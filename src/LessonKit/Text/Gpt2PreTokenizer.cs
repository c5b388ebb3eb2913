using System.Text;
using Microsoft.ML.Tokenizers;

namespace LessonKit.Text;

/// <summary>
/// Splits text into the pieces GPT-2 runs BPE on, exactly as GPT-2's split pattern does:
/// <code>'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+</code>
/// </summary>
/// <remarks>
/// <para>Why not a <see cref="RegexPreTokenizer"/> with that pattern? GPT-2 ran it with Python's <c>regex</c>
/// module, which matches whole Unicode code points. .NET's <see cref="System.Text.RegularExpressions.Regex"/>
/// matches UTF-16 chars, and the two halves of a surrogate pair are neither letters nor numbers to it. So a
/// letter or digit outside the Basic Multilingual Plane (<c>𝐇𝐞𝐥𝐥𝐨</c>, <c>𝟙</c>, CJK extension B such as
/// <c>𠀀</c>) would fall into the "other" class and be split differently from GPT-2, giving different ids.
/// This scanner reads code points (<see cref="Rune"/>) and applies the pattern's alternatives by hand.</para>
/// <para>Every character matches one of the alternatives, so the pieces cover the text with no gaps.
/// Whitespace is Unicode's White_Space property (the same set Python's <c>\s</c> and .NET's <c>\s</c> use).</para>
/// </remarks>
internal sealed class Gpt2PreTokenizer : PreTokenizer
{
    /// <summary>The one instance (the scanner has no state).</summary>
    public static Gpt2PreTokenizer Instance { get; } = new();

    private Gpt2PreTokenizer() { }

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(string text)
    {
        if (string.IsNullOrEmpty(text))
        {
            yield break;
        }
        for (int start = 0; start < text.Length;)
        {
            int length = PieceLength(text.AsSpan(), start);
            yield return (start, length);
            start += length;
        }
    }

    /// <inheritdoc/>
    public override IEnumerable<(int Offset, int Length)> PreTokenize(ReadOnlySpan<char> text)
    {
        // A span cannot live in an iterator, so the pieces are collected first.
        var pieces = new List<(int Offset, int Length)>();
        for (int start = 0; start < text.Length;)
        {
            int length = PieceLength(text, start);
            pieces.Add((start, length));
            start += length;
        }
        return pieces;
    }

    /// <summary>
    /// The length, in chars, of the piece that starts at <paramref name="start"/>: the first alternative of the
    /// pattern that matches there, with the regex's greedy matching and backtracking.
    /// </summary>
    internal static int PieceLength(ReadOnlySpan<char> text, int start)
    {
        // 's 't 're 've 'm 'll 'd (lowercase only: "It'S" splits as "It", "'", "S", as in GPT-2)
        if (text[start] == '\'')
        {
            int contraction = ContractionLength(text[(start + 1)..]);
            if (contraction > 0)
            {
                return 1 + contraction;
            }
        }

        // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional single space (U+0020 only), then a run of
        // one class. If the character after the space is whitespace, none of them match.
        int classStart = text[start] == ' ' ? start + 1 : start;
        if (classStart < text.Length)
        {
            CharClass first = ClassAt(text, classStart, out _);
            if (first != CharClass.WhiteSpace)
            {
                return RunEnd(text, classStart, first) - start;
            }
        }

        // Here text[start] is whitespace. "\s+(?!\S)": the whole whitespace run if it reaches the end of the
        // text; otherwise the regex backs off one char so the last space can join the next word (" the").
        // "\s+": a run of one char before non-whitespace. (Every White_Space character is a single UTF-16 char.)
        int end = RunEnd(text, start, CharClass.WhiteSpace);
        if (end == text.Length || end - start == 1)
        {
            return end - start;
        }
        return end - 1 - start;
    }

    private enum CharClass { Letter, Number, WhiteSpace, Other }

    private static CharClass ClassAt(ReadOnlySpan<char> text, int index, out int charCount)
    {
        // An unpaired surrogate decodes to U+FFFD (a symbol: Other), as it would after UTF-8 encoding.
        Rune.DecodeFromUtf16(text[index..], out Rune rune, out charCount);
        if (Rune.IsLetter(rune)) return CharClass.Letter;       // \p{L}: Lu Ll Lt Lm Lo
        if (Rune.IsNumber(rune)) return CharClass.Number;       // \p{N}: Nd Nl No
        if (Rune.IsWhiteSpace(rune)) return CharClass.WhiteSpace; // \s
        return CharClass.Other;
    }

    /// <summary>Where the run of <paramref name="kind"/> code points starting at <paramref name="index"/> ends.</summary>
    private static int RunEnd(ReadOnlySpan<char> text, int index, CharClass kind)
    {
        while (index < text.Length && ClassAt(text, index, out int charCount) == kind)
        {
            index += charCount;
        }
        return index;
    }

    private static int ContractionLength(ReadOnlySpan<char> afterApostrophe)
    {
        // In the pattern's order; no suffix is a prefix of a later one, so the order does not change the result.
        ReadOnlySpan<string> suffixes = ["s", "t", "re", "ve", "m", "ll", "d"];
        foreach (string suffix in suffixes)
        {
            if (afterApostrophe.StartsWith(suffix, StringComparison.Ordinal))
            {
                return suffix.Length;
            }
        }
        return 0;
    }
}
