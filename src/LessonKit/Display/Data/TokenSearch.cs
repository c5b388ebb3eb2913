using System.Text;
using LessonKit.Display.Html;

namespace LessonKit.Display.Data;

/// <summary>
/// Finds tokens by their text, for <see cref="Plots.HeadFinder(ActivationCache, string[], string, string)"/>.
/// </summary>
/// <remarks>
/// Matching rules: a token matches when its text with surrounding whitespace trimmed equals the wanted text
/// (also trimmed), compared exactly; if no token in the searched range matches exactly, the comparison is
/// repeated ignoring case.
/// The "from" token is the LAST match in the text (the latest query, the one that can see the most);
/// the "to" token is the last match strictly BEFORE the from position (the nearest earlier one, which a
/// causal model can attend to).
/// </remarks>
internal static class TokenSearch
{
    /// <summary>The position of the last token matching <paramref name="text"/> before <paramref name="before"/> (exclusive), or -1.</summary>
    public static int FindLast(IReadOnlyList<string> tokens, string text, int before)
    {
        string wanted = text.Trim();
        int end = Math.Min(before, tokens.Count);
        // Exact matches first; only if there is none in range, matches that differ in case.
        foreach (var comparison in new[] { StringComparison.Ordinal, StringComparison.OrdinalIgnoreCase })
        {
            for (int i = end - 1; i >= 0; i--)
                if (string.Equals(tokens[i].Trim(), wanted, comparison)) return i;
        }
        return -1;
    }

    /// <summary>The (from, to) positions for a pair of token texts, or an exception that lists the tokens.</summary>
    public static (int From, int To) FromTo(IReadOnlyList<string> tokens, string fromToken, string toToken)
    {
        ArgumentNullException.ThrowIfNull(fromToken);
        ArgumentNullException.ThrowIfNull(toToken);
        if (fromToken.Trim().Length == 0 || toToken.Trim().Length == 0)
            throw new ArgumentException("Give the token texts to look for, e.g. HeadFinder(cache, tokens, \"it\", \"cat\"); to find a whitespace token, pass positions instead.");

        int from = FindLast(tokens, fromToken, tokens.Count);
        if (from < 0)
            throw new ArgumentException($"No token '{fromToken.Trim()}' in the text (tokens are compared with spaces trimmed). The tokens are: {List(tokens)}. " +
                                        "Pass positions instead: HeadFinder(cache, tokens, fromPosition, toPosition).", nameof(fromToken));
        int to = FindLast(tokens, toToken, from);
        if (to < 0)
        {
            bool later = FindLast(tokens, toToken, tokens.Count) >= 0;
            throw new ArgumentException(later
                ? $"'{toToken.Trim()}' only appears at or after '{fromToken.Trim()}' (position {from}); GPT-2 is causal, so a token can only attend to earlier tokens. The tokens are: {List(tokens)}."
                : $"No token '{toToken.Trim()}' before '{fromToken.Trim()}' (position {from}). The tokens are: {List(tokens)}. " +
                  "Pass positions instead: HeadFinder(cache, tokens, fromPosition, toPosition).", nameof(toToken));
        }
        return (from, to);
    }

    /// <summary>The tokens with their positions, e.g. <c>0:'&lt;|endoftext|&gt;' 1:'The' 2:' cat'</c> (cut after 60).</summary>
    public static string List(IReadOnlyList<string> tokens)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < tokens.Count && i < 60; i++)
        {
            if (i > 0) sb.Append(' ');
            sb.Append(i).Append(':').Append(TokenLabels.Quoted(tokens[i]));
        }
        if (tokens.Count > 60) sb.Append($" ... ({tokens.Count - 60} more)");
        return sb.ToString();
    }

}
