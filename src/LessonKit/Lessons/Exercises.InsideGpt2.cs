using System.Globalization;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string InsideGpt2Exercise = "Your attention inside GPT-2";

    /// <summary>
    /// The capstone: runs <paramref name="model"/> on <paramref name="prompt"/> with <paramref name="attention"/> in place
    /// of its own attention in every layer (<see cref="HookedGpt2.RunWithAttention"/>) and compares with the untouched
    /// model: every layer's attention output (<c>hook_attn_out</c>), the logits, and the next-token prediction at every
    /// position. ✔ when your function gives the model's numbers in every layer and every prediction is the model's own;
    /// otherwise it names the first layer that differs and by how much, how far the difference spreads (logits,
    /// predictions), and, when it can tell, the mistake your function makes in that layer.
    /// </summary>
    public static CheckResult CheckAttentionInsideGpt2(Func<Tensor, AttentionWeights, Tensor> attention, HookedGpt2? model = null,
        string prompt = ExerciseModel.Sentence)
    {
        ArgumentNullException.ThrowIfNull(attention);
        ArgumentNullException.ThrowIfNull(prompt);
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var tokens = gpt.ToTokens(prompt, truncate: true);
        string[] shown = gpt.ToStrTokens(tokens);
        int layers = gpt.Config.NLayers;
        var (clean, cleanCache) = gpt.RunWithCache(tokens, name => name.EndsWith("hook_attn_out") || name.EndsWith("ln1.hook_normalized"));
        using (cleanCache)
        {
            Tensor yours;
            ActivationCache yourCache;
            try
            {
                (yours, yourCache) = gpt.RunWithAttentionAndCache(tokens, attention, name => name.EndsWith("hook_attn_out"));
            }
            catch (AttentionFunctionException error) when (error.InnerException is NotImplementedException notDone)
            {
                return CheckResult.NotDone(InsideGpt2Exercise, "your attention function (AttentionLayer, Exercise 4)",
                    notDone.Message == DefaultNotImplementedMessage ? null : notDone.Message);
            }
            catch (AttentionFunctionException error)
            {
                return CheckResult.Fail(InsideGpt2Exercise, $"GPT-2 could not run with your attention: {FirstLine(error.Message)}",
                    (error.InnerException is { } inner ? HintFor(inner) + " " : "") + "Exercise 4's check runs your function on one layer and says what is off.");
            }

            using (yourCache)
            {
                // How far each layer's attention output is from the model's own: [layer].
                var differences = Enumerable.Range(0, layers)
                    .Select(l => (yourCache["attn_out", l] - cleanCache["attn_out", l]).abs().max().ToDouble()).ToArray();
                int firstDifferent = Enumerable.Range(0, layers)
                    .FirstOrDefault(l => TensorComparison.FirstMismatch(yourCache["attn_out", l], cleanCache["attn_out", l], LayerTolerance, LayerTolerance) is not null, -1);

                var cleanTop = clean[0].argmax(-1);                                // [pos]: the model's next-token prediction at each position
                var yourTop = yours[0].argmax(-1);
                long positions = tokens.shape[1];
                long changed = cleanTop.ne(yourTop).sum().ToInt64();
                double logitDifference = (yours - clean).abs().max().ToDouble(); // NaN when yours has NaN
                string perLayer = "largest difference of hook_attn_out, layer by layer: " +
                    string.Join(", ", differences.Select((d, l) => $"{l}: {Scientific(d)}"));
                string last = NextTokenComparison(gpt, clean, yours);

                if (firstDifferent < 0 && changed == 0 && double.IsFinite(logitDifference))
                    return CheckResult.Pass(InsideGpt2Exercise,
                        $"GPT-2 ran with your attention in all {layers} layers instead of its own. On \"{prompt}\" ({positions} tokens) its logits match the untouched model's " +
                        $"within {Scientific(logitDifference)}, and all {positions} next-token predictions are the same: after the prompt, {last}. Your code now runs inside GPT-2.");

                if (firstDifferent < 0)
                    return CheckResult.Fail(InsideGpt2Exercise,
                        $"every layer's attention output is within {LayerTolerance} of the model's, but {changed} of {positions} next-token predictions changed (logits differ by up to {Number(logitDifference)}).",
                        "Such small differences change a prediction only where two tokens are almost tied; look at the values per layer below.", perLayer, $"After the prompt, {last}.");

                var yourOut = yourCache["attn_out", firstDifferent];
                var cleanOut = cleanCache["attn_out", firstDifferent];
                var perPosition = (yourOut - cleanOut).abs().amax([0, 2]);        // [pos]: the largest difference at each position
                int worst = (int)perPosition.nan_to_num(float.PositiveInfinity).argmax().ToInt64();
                string spread = changed == 0
                    ? $"From there it spreads to the logits (up to {Number(logitDifference)}), though every next-token prediction stays the same"
                    : $"From there it spreads: the logits differ by up to {Number(logitDifference)}, and {changed} of {positions} next-token predictions change";
                string message = $"layer {firstDifferent} is the first whose attention output differs from the model's own, by up to {Number(differences[firstDifferent])} " +
                    $"(at position {worst}, {Predictions.Quoted(shown[worst])}){firstDifferent switch { 0 => "", 1 => "; layer 0 matches", _ => $"; layers 0 to {firstDifferent - 1} match" }}. {spread}; after the prompt, {last}.";

                // The layer's input is the model's own (the layers before it match), so what your function did there can be named.
                var weights = AttentionWeights.FromModel(gpt, firstDifferent);
                var named = DiagnoseLayer(yourOut, cleanCache["normalized", firstDifferent, "ln1"], weights, $"In layer {firstDifferent}", "", LayerTolerance, gpt);
                return named is not null
                    ? CheckResult.Fail(InsideGpt2Exercise, message, named.Message + " " + named.Hint, perLayer)
                    : CheckResult.Fail(InsideGpt2Exercise, message, "Exercise 4's check runs your AttentionLayer on a small random layer and names what is off.", perLayer);
            }
        }
    }

    /// <summary>"both predict ' mat' (31.2 %)", or "GPT-2 predicts ' mat' (31.2 %) and yours ' the' (12.0 %)".</summary>
    private static string NextTokenComparison(HookedGpt2 model, Tensor clean, Tensor yours)
    {
        var theirs = Predictions.Top(model, clean, 1)[0];
        if (TensorComparison.HasNaN(yours[0, -1])) return $"GPT-2 predicts {Predictions.Quoted(theirs.Text)} and yours has NaN logits";
        var mine = Predictions.Top(model, yours, 1)[0];
        return mine.Id == theirs.Id
            ? $"both predict {Predictions.Quoted(theirs.Text)} ({Percent(theirs.Probability)})"
            : $"GPT-2 predicts {Predictions.Quoted(theirs.Text)} ({Percent(theirs.Probability)}) and yours {Predictions.Quoted(mine.Text)} ({Percent(mine.Probability)})";
    }

    private static string Percent(double p) => p < 0.0005 ? "< 0.1 %" : (p * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    /// <summary>3.21 for sizeable values, 4.2e-06 for rounding-sized ones.</summary>
    private static string Scientific(double value) =>
        double.IsNaN(value) ? "NaN" : value == 0 ? "0" : Math.Abs(value) >= 0.01 ? Number(value) : value.ToString("0.#e-00", CultureInfo.InvariantCulture);
}
