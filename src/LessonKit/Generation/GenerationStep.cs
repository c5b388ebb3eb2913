namespace LessonKit;

/// <summary>One candidate for the next token, with the probability the model gave it.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Text">The token's text (<c>" sat"</c>).</param>
/// <param name="Probability">Its probability after temperature (softmax of the logits), between 0 and 1.</param>
public sealed record TokenCandidate(int Id, string Text, float Probability);

/// <summary>One step of generation: the token chosen at that step and the most likely candidates it was chosen from.</summary>
/// <param name="Index">0 for the first new token, 1 for the next, ...</param>
/// <param name="TokenId">The chosen token's id.</param>
/// <param name="Token">The chosen token's text.</param>
/// <param name="Probability">The probability the model gave the chosen token.</param>
/// <param name="TopCandidates">The most likely next tokens at this step, most likely first.</param>
public sealed record GenerationStep(int Index, int TokenId, string Token, float Probability, IReadOnlyList<TokenCandidate> TopCandidates);
