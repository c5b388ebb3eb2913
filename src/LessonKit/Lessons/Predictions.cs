using LessonKit.Display.Views;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// What the model predicts next, read from its logits: the most likely tokens with their probabilities, and how
/// they change when something inside the model is changed (an ablation).
/// </summary>
public static class Predictions
{
    /// <summary>
    /// The <paramref name="count"/> most likely next tokens after position <paramref name="position"/> (the last by
    /// default; negative counts from the end), most likely first. <paramref name="logits"/> is [1, pos, d_vocab],
    /// [pos, d_vocab] or [d_vocab], as <see cref="HookedGpt2.Forward(Tensor)"/> returns.
    /// </summary>
    public static TokenCandidate[] Top(HookedGpt2 model, Tensor logits, int count = 5, int position = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        var probabilities = ProbabilitiesAt(logits, position, nameof(logits));
        count = Math.Min(count, (int)probabilities.shape[0]);
        if (count < 1) throw new ArgumentOutOfRangeException(nameof(count), count, "Ask for at least 1 token.");
        var (values, indices) = probabilities.topk(count);
        double[] p = values.data<double>().ToArray();
        long[] ids = indices.data<long>().ToArray();
        return ids.Select((id, i) => new TokenCandidate((int)id, model.Tokenizer.TokenText((int)id), (float)p[i])).ToArray();
    }

    /// <summary>
    /// The next-token probabilities before and after a change (an ablation, a patched activation), for the tokens in
    /// the top <paramref name="count"/> of either, as a table with the change in percentage points.
    /// </summary>
    public static TableView Compare(HookedGpt2 model, Tensor before, Tensor after, int count = 5, string title = "Next-token probabilities: before and after", int position = -1)
    {
        ArgumentNullException.ThrowIfNull(model);
        using var scope = torch.NewDisposeScope();
        var p = ProbabilitiesAt(before, position, nameof(before));
        var q = ProbabilitiesAt(after, position, nameof(after));
        if (p.shape[0] != q.shape[0])
            throw new ArgumentException($"before has {p.shape[0]} vocabulary entries and after {q.shape[0]}: they must come from the same model.", nameof(after));
        count = Math.Clamp(count, 1, (int)p.shape[0]);
        var ids = p.topk(count).indexes.data<long>().Concat(q.topk(count).indexes.data<long>()).Distinct().ToArray();
        double[] pBefore = p.data<double>().ToArray(), pAfter = q.data<double>().ToArray();
        var rows = ids.OrderByDescending(id => pBefore[id])
            .Select(id => (IReadOnlyList<string>)
            [
                Quoted(model.Tokenizer.TokenText((int)id)),
                Percent(pBefore[id]), Percent(pAfter[id]),
                ((pAfter[id] - pBefore[id]) * 100).ToString("+0.00;-0.00;0.00", System.Globalization.CultureInfo.InvariantCulture),
            ]);
        string topBefore = Quoted(model.Tokenizer.TokenText((int)ids.OrderByDescending(id => pBefore[id]).First()));
        string topAfter = Quoted(model.Tokenizer.TokenText((int)ids.OrderByDescending(id => pAfter[id]).First()));
        string note = topBefore == topAfter
            ? $"The most likely next token stays {topBefore}."
            : $"The most likely next token changes from {topBefore} to {topAfter}.";
        return new TableView(title, ["Token", "Before", "After", "Change (points)"], rows, [note]);
    }

    /// <summary>softmax over the vocabulary at one position, float64 [d_vocab].</summary>
    private static Tensor ProbabilitiesAt(Tensor logits, int position, string name)
    {
        ArgumentNullException.ThrowIfNull(logits, name);
        var row = logits.Dimensions switch
        {
            1 => logits,
            2 => logits[PositionIndex(logits.shape[0], position, name)],
            3 when logits.shape[0] == 1 => logits[0, PositionIndex(logits.shape[1], position, name)],
            _ => throw new ArgumentException($"{name} must be [1, pos, d_vocab], [pos, d_vocab] or [d_vocab]; this one is [{string.Join(", ", logits.shape)}].", name),
        };
        return row.detach().cpu().to_type(ScalarType.Float64).softmax(-1);
    }

    private static long PositionIndex(long positions, int position, string name)
    {
        long index = position < 0 ? positions + position : position;
        if (index < 0 || index >= positions)
            throw new ArgumentOutOfRangeException(name, position, $"Position {position} does not exist: {name} has {positions} positions (0 to {positions - 1}, or -1 for the last).");
        return index;
    }

    internal static string Quoted(string token) => "'" + token.Replace("\n", "\\n") + "'";

    private static string Percent(double p) => (p * 100).ToString("0.00", System.Globalization.CultureInfo.InvariantCulture) + "%";
}
