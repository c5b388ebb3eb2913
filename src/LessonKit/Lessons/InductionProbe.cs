using LessonKit.Display.Views;
using LessonKit.Runtime;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// A fixed set of random sequences repeated twice (<see cref="RepeatedTokens"/>), to measure how much a model does
/// induction: which heads attend from each token of the second copy to the token after its first occurrence
/// (<see cref="PatternScores.Induction"/>), and how much lower its loss is on the second copy than on the first.
/// <code>
/// var probe = new InductionProbe(vocabulary: 50256, repeatLength: 50, startToken: 50256); // GPT-2: &lt;|endoftext|&gt; first
/// var found = probe.Measure(model);
/// Plots.HeadScores(found.InductionScores, "Induction heads");
/// </code>
/// </summary>
public sealed class InductionProbe
{
    /// <param name="vocabulary">Tokens are drawn from ids 0 … vocabulary − 1 (below the model's d_vocab).</param>
    /// <param name="repeatLength">L, the length of each copy.</param>
    /// <param name="sequences">How many sequences the scores average over.</param>
    /// <param name="seed">Fixes the sequences.</param>
    /// <param name="startToken">A token put first in every sequence (GPT-2 was trained with <c>&lt;|endoftext|&gt;</c> = 50256 before a text), or null.</param>
    public InductionProbe(int vocabulary, int repeatLength, int sequences = 16, int seed = 0, long? startToken = null)
    {
        if (sequences < 1) throw new ArgumentOutOfRangeException(nameof(sequences), sequences, "Measure on at least one sequence.");
        using var source = new RepeatedTokens(vocabulary, repeatLength, seed, startToken);
        Tokens = source.Next(sequences).DetachFromDisposeScope();
        RepeatLength = repeatLength;
        FirstCopyStart = source.FirstCopyStart;
    }

    /// <summary>The probe's token ids, int64 [sequences, start + 2·L].</summary>
    public Tensor Tokens { get; }

    /// <summary>L, the length of each copy.</summary>
    public int RepeatLength { get; }

    /// <summary>Where the first copy starts (1 after a start token, else 0); the second starts <see cref="RepeatLength"/> later.</summary>
    public int FirstCopyStart { get; }

    /// <summary>
    /// Runs <paramref name="model"/> on the probe's sequences (inference only) and measures every head and position.
    /// A small model (d_model ≤ 128, such as a toy being trained) runs on one libtorch thread, restored afterwards: its
    /// matrices are too small to split, and extra threads only slow it down on a busy machine.
    /// </summary>
    public InductionMeasurement Measure(HookedGpt2 model)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var threads = LibTorchThreads.ForInference(model.Config);
        using var scope = torch.NewDisposeScope();
        var (logits, cache) = model.RunWithCache(Tokens, name => name.EndsWith(".attn.hook_pattern", StringComparison.Ordinal));
        using (cache)
        {
            var induction = PatternScores.Induction(cache, RepeatLength);    // [layer, head]
            var previous = PatternScores.PreviousToken(cache);               // [layer, head]
            using var noGrad = torch.no_grad();
            float[] loss = NextTokenLoss.PerPosition(logits, Tokens).mean([0]).data<float>().ToArray(); // [pos − 1]: entry i predicts token i + 1
            int s = FirstCopyStart, L = RepeatLength;
            // Tokens s + 1 … s + L − 1 (first copy) are predicted at positions s … s + L − 2; tokens s + L + 1 … s + 2L − 1
            // (second copy; its first token follows nothing it could be copied from) at s + L … s + 2L − 2.
            double firstCopy = loss.Skip(s).Take(L - 1).Average(), secondCopy = loss.Skip(s + L).Take(L - 1).Average();
            return new InductionMeasurement(
                induction.MoveToOuterDisposeScope(), previous.MoveToOuterDisposeScope(), Best(induction),
                loss.Select(v => (double)v).ToArray(), firstCopy, secondCopy);
        }
    }

    private static ScoredHead Best(Tensor scores)
    {
        float[] values = scores.contiguous().data<float>().ToArray();
        int heads = (int)scores.size(1), best = 0;
        for (int i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
        return new ScoredHead(best / heads, best % heads, values[best]);
    }
}
