using LessonKit.Display.Views;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// What <see cref="InductionProbe.Measure"/> found on a model: for every head its induction and previous-token scores,
/// and the model's loss at every position of the repeated sequences, first copy against second.
/// </summary>
/// <param name="InductionScores">[layer, head]: <see cref="PatternScores.Induction"/> on the probe's sequences.</param>
/// <param name="PreviousTokenScores">[layer, head]: <see cref="PatternScores.PreviousToken"/> on the same sequences.</param>
/// <param name="BestInductionHead">The head with the highest induction score.</param>
/// <param name="LossPerPosition">Entry i: the mean loss (nats) of predicting token i + 1 from tokens 0 … i, over the probe's sequences.</param>
/// <param name="FirstCopyLoss">The mean loss on the tokens of the first copy after its first: random, so unpredictable.</param>
/// <param name="SecondCopyLoss">The mean loss on the tokens of the second copy after its first: predictable by copying from the first.</param>
public sealed record InductionMeasurement(
    Tensor InductionScores,
    Tensor PreviousTokenScores,
    ScoredHead BestInductionHead,
    IReadOnlyList<double> LossPerPosition,
    double FirstCopyLoss,
    double SecondCopyLoss);
