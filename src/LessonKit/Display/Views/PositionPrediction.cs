namespace LessonKit.Display.Views;

/// <summary>
/// What the output stage gives at one position of a text: the model's most likely next token and, where the text
/// goes on, the token that really comes next, the probability the model gave it, and the loss, −ln of that probability
/// (what training lowers). Listed by <see cref="PipelineView.Predictions"/>.
/// </summary>
/// <param name="Position">The position (0 is the first token).</param>
/// <param name="Token">The token at that position.</param>
/// <param name="Predicted">The most likely next token and its probability.</param>
/// <param name="Actual">The token at <paramref name="Position"/> + 1 and the probability the model gave it; null at the last position.</param>
/// <param name="Loss">−ln P(<paramref name="Actual"/>), the next-token loss here; null at the last position.</param>
public sealed record PositionPrediction(int Position, string Token, TokenCandidate Predicted, TokenCandidate? Actual, double? Loss);
