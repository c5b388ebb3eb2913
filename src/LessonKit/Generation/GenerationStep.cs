namespace LessonKit;

/// <summary>One candidate for the next token, with the probability the model gave it.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">The token's text (<c>" sat"</c>).</param>
/// <param name="Probability">Its probability after temperature (softmax of the logits), between 0 and 1.</param>
public sealed record TokenCandidate(int Id, string Text, float Probability)
{
    /// <summary>The token in quotes and its probability, such as <c>" cat" 0.412</c>.</summary>
    public override string ToString() => $"{Quoted(Text)} {Probability:0.###}";

    /// <summary>A token's text in quotes with newlines and tabs visible: <c>" cat"</c>, <c>"\n"</c>.</summary>
    internal static string Quoted(string text) => "\"" + text.Replace("\n", "\\n").Replace("\t", "\\t") + "\"";
}

/// <summary>One step of generation: the token chosen at that step and the most likely candidates it was chosen from.</summary>
/// <param name="Index">0 for the first new token, 1 for the next, ...</param>
/// <param name="TokenId">The chosen token's id.</param>
/// <param name="Token">The chosen token's text.</param>
/// <param name="Probability">The probability the model gave the chosen token.</param>
/// <param name="TopCandidates">The most likely next tokens at this step, most likely first.</param>
[Display.Formatting.TypeFormatterSource(typeof(Display.Formatting.SummaryFormatterSource), PreferredMimeTypes = ["text/html", "text/plain"])]
public sealed record GenerationStep(int Index, int TokenId, string Token, float Probability, IReadOnlyList<TokenCandidate> TopCandidates)
{
    /// <summary><c>step 0: " sat" (id 3332, p 0.41); top: " sat" 0.41, " was" 0.12, ...</c></summary>
    public override string ToString() =>
        $"step {Index}: {TokenCandidate.Quoted(Token)} (id {TokenId}, p {Probability:0.###}); top: {string.Join(", ", TopCandidates)}";
}
