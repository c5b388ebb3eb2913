using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Training;

/// <summary>
/// The loss GPT-2 is trained on: at every position, the cross-entropy of the next token,
/// <c>loss[b, i] = −log softmax(logits[b, i])[tokens[b, i + 1]]</c>, in nats. Position i predicts token i + 1, so a
/// sequence of T tokens gives T − 1 losses, and one forward pass trains on all of them at once: the causal mask
/// guarantees that position i saw only tokens 0 … i when it made its prediction.
/// </summary>
public static class NextTokenLoss
{
    /// <summary>
    /// The loss at every position: <paramref name="logits"/> [batch, pos, d_vocab] and the token ids they were computed
    /// from, <paramref name="tokens"/> [batch, pos] → [batch, pos − 1], where entry [b, i] is the loss of predicting token
    /// i + 1 of sequence b. Differentiable: its mean is what a training step minimizes.
    /// </summary>
    public static Tensor PerPosition(Tensor logits, Tensor tokens)
    {
        using var scope = torch.NewDisposeScope();
        Check(logits, tokens);
        long predictions = tokens.size(1) - 1;
        var logProbabilities = logits.narrow(1, 0, predictions).log_softmax(-1);        // [batch, pos − 1, d_vocab]
        var nextTokens = tokens.narrow(1, 1, predictions).to(ScalarType.Int64, logits.device).unsqueeze(-1); // [batch, pos − 1, 1]
        return logProbabilities.gather(-1, nextTokens).squeeze(-1).neg().MoveToOuterDisposeScope(); // [batch, pos − 1]
    }

    /// <summary>
    /// Runs <paramref name="model"/> on <paramref name="tokens"/> [batch, pos] (or [pos]) and returns the loss at every
    /// position, [batch, pos − 1]: how surprised the model is by each next token. Inference only (no gradient).
    /// </summary>
    public static Tensor PerPosition(HookedGpt2 model, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokens);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();                                   // inference: autograd records nothing
        var batched = tokens.Dimensions == 1 ? tokens.unsqueeze(0) : tokens;
        var logits = model.Forward(batched);
        return PerPosition(logits, batched).MoveToOuterDisposeScope();
    }

    private static void Check(Tensor logits, Tensor tokens)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(tokens);
        if (logits.IsInvalid || tokens.IsInvalid) throw new ObjectDisposedException(logits.IsInvalid ? nameof(logits) : nameof(tokens), "The tensor has been disposed.");
        if (logits.Dimensions != 3)
            throw new ArgumentException($"Logits must be [batch, pos, d_vocab], but this tensor is [{string.Join(", ", logits.shape)}].", nameof(logits));
        if (!logits.is_floating_point())
            throw new ArgumentException($"Logits must be floating-point scores, but this tensor holds {logits.dtype}. Did you pass the tokens first?", nameof(logits));
        if (tokens.Dimensions != 2 || tokens.is_floating_point() || tokens.dtype == ScalarType.Bool)
            throw new ArgumentException($"Tokens must be integer ids [batch, pos], but this tensor is {tokens.dtype} [{string.Join(", ", tokens.shape)}].", nameof(tokens));
        if (tokens.size(0) != logits.size(0) || tokens.size(1) != logits.size(1))
            throw new ArgumentException(
                $"Tokens [{string.Join(", ", tokens.shape)}] and logits [{string.Join(", ", logits.shape)}] must have the same batch and positions: " +
                "pass the token ids the logits were computed from.", nameof(tokens));
        if (tokens.size(1) < 2)
            throw new ArgumentException("A next-token loss needs at least two tokens per sequence: position i is scored on token i + 1.", nameof(tokens));
        if (tokens.NumberOfElements > 0)
        {
            long low = tokens.min().ToInt64(), high = tokens.max().ToInt64();
            if (low < 0 || high >= logits.size(2))
                throw new ArgumentException($"Token id {(low < 0 ? low : high)} has no logit: ids go from 0 to {logits.size(2) - 1} (d_vocab = {logits.size(2)}).", nameof(tokens));
        }
    }
}
