using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

/// <summary>
/// The usual ways of getting the sinusoidal encoding wrong. One frequency mistake (the first seven) may come with any
/// of the three others (sin/cos swapped, not interleaved, positions from 1).
/// </summary>
[Flags]
internal enum EncodingMistake
{
    None = 0,
    // Wrong frequency exponent.
    ExponentWithoutTwo = 1 << 0,        // 10000^(i/d): the pair index i without its factor 2
    ExponentNotDividedByD = 1 << 1,     // 10000^(2i)
    ExponentOfColumnTimesTwo = 1 << 2,  // 10000^(2c/d) with c the column (0 … d−1), not the pair index
    AngleMultiplied = 1 << 3,           // p · 10000^(2i/d): the exponent's sign flipped
    IntegerDivision = 1 << 4,           // 2 * i / dModel in C# ints is 0: every pair turns at 1 radian per position
    // Off by one in 2i/d.
    CosineOwnColumn = 1 << 5,           // the cosine column 2i+1 uses (2i+1)/d instead of its sine's 2i/d
    PairsFromOne = 1 << 6,              // i counted from 1: 2(i+1)/d
    // The layout and the positions.
    SinCosSwapped = 1 << 7,             // cos in the even columns, sin in the odd ones
    NotInterleaved = 1 << 8,            // every sine in the first half of the columns, every cosine in the second
    PositionsFromOne = 1 << 9,          // row p holds position p + 1
}

/// <summary>
/// The sinusoidal encoding of "Attention Is All You Need" written as the Lesson 2.1 exercise asks for it (equal to
/// <see cref="PositionalEncoding.Sinusoidal"/>), and the same with the usual mistakes made, so that the checker can say
/// which mistake a learner's function made.
/// </summary>
internal static class SinusoidalReference
{
    private const EncodingMistake FrequencyMistakes = EncodingMistake.ExponentWithoutTwo | EncodingMistake.ExponentNotDividedByD |
        EncodingMistake.ExponentOfColumnTimesTwo | EncodingMistake.AngleMultiplied | EncodingMistake.IntegerDivision |
        EncodingMistake.CosineOwnColumn | EncodingMistake.PairsFromOne;

    /// <summary>
    /// The encoding [seqLen, dModel] (float64, dModel even) with <paramref name="mistakes"/> made:
    /// PE[p, 2i] = sin(p / 10000^(2i/d)) and PE[p, 2i+1] = cos(p / 10000^(2i/d)) when there are none.
    /// </summary>
    public static Tensor Encoding(int seqLen, int dModel, EncodingMistake mistakes = EncodingMistake.None)
    {
        bool Made(EncodingMistake mistake) => (mistakes & mistake) != 0;
        int pairs = dModel / 2;
        var values = new double[seqLen * dModel];
        for (int row = 0; row < seqLen; row++)
        {
            double position = Made(EncodingMistake.PositionsFromOne) ? row + 1 : row;
            for (int i = 0; i < pairs; i++)
            {
                foreach (bool cosine in new[] { false, true })
                {
                    double exponent = Exponent(i, cosine, dModel, mistakes);       // the x of 10000^x
                    double scale = Math.Pow(10000, exponent);
                    double angle = Made(EncodingMistake.AngleMultiplied) ? position * scale : position / scale;
                    double value = cosine != Made(EncodingMistake.SinCosSwapped) ? Math.Cos(angle) : Math.Sin(angle);
                    int column = Made(EncodingMistake.NotInterleaved) ? (cosine ? pairs + i : i) : 2 * i + (cosine ? 1 : 0);
                    values[row * dModel + column] = value;
                }
            }
        }
        return torch.tensor(values, [seqLen, dModel]);
    }

    private static double Exponent(int i, bool cosine, int dModel, EncodingMistake mistakes)
    {
        int column = 2 * i + (cosine ? 1 : 0);
        return (mistakes & FrequencyMistakes) switch
        {
            EncodingMistake.ExponentWithoutTwo => (double)i / dModel,
            EncodingMistake.ExponentNotDividedByD => 2.0 * i,
            EncodingMistake.ExponentOfColumnTimesTwo => 2.0 * column / dModel,
            EncodingMistake.IntegerDivision => 2 * i / dModel,   // C# integer division, as the mistaken code does it: 0
            EncodingMistake.CosineOwnColumn => (double)column / dModel,
            EncodingMistake.PairsFromOne => 2.0 * (i + 1) / dModel,
            _ => 2.0 * i / dModel,                                   // right (and AngleMultiplied, which flips the sign elsewhere)
        };
    }

    /// <summary>
    /// What to look for: every mistake alone, then each frequency mistake with one or two layout or position mistakes,
    /// and those together; fewest mistakes first.
    /// </summary>
    public static IReadOnlyList<EncodingMistake> Mistakes { get; } = ListMistakes();

    private static EncodingMistake[] ListMistakes()
    {
        EncodingMistake[] frequency = [EncodingMistake.None, .. Enum.GetValues<EncodingMistake>().Where(m => m != EncodingMistake.None && (FrequencyMistakes & m) != 0)];
        EncodingMistake[] others = [EncodingMistake.SinCosSwapped, EncodingMistake.NotInterleaved, EncodingMistake.PositionsFromOne];
        var combinations = from f in frequency
                           from subset in Enumerable.Range(0, 1 << others.Length)
                           let rest = others.Where((_, bit) => (subset & (1 << bit)) != 0).Aggregate(EncodingMistake.None, (a, b) => a | b)
                           let all = f | rest
                           where all != EncodingMistake.None
                           select all;
        return combinations.OrderBy(m => System.Numerics.BitOperations.PopCount((uint)m)).ToArray();
    }

    /// <summary>What is wrong and what to do, one pair per mistake in <paramref name="mistakes"/>.</summary>
    public static IEnumerable<(string Diagnosis, string Hint)> Explain(EncodingMistake mistakes) =>
        Enum.GetValues<EncodingMistake>().Where(m => m != EncodingMistake.None && (mistakes & m) != 0).Select(Explanation);

    private static (string Diagnosis, string Hint) Explanation(EncodingMistake mistake) => mistake switch
    {
        EncodingMistake.ExponentWithoutTwo => ("wrong frequency exponent: 10000^(i/d_model), but the formula has 2i/d_model",
            "i counts pairs of columns (pair i is columns 2i and 2i+1), so the exponent is 2.0 * i / dModel: the column of the pair's sine over d_model."),
        EncodingMistake.ExponentNotDividedByD => ("wrong frequency exponent: 10000^(2i), not divided by d_model, so every pair after the first barely turns",
            "Divide the exponent by d_model: 10000^(2i/d_model) runs from 10000^0 = 1 for the first pair to almost 10000 for the last."),
        EncodingMistake.ExponentOfColumnTimesTwo => ("wrong frequency exponent: 10000^(2c/d_model) with c the column, but the formula's i counts pairs",
            "Columns 2i (sine) and 2i+1 (cosine) share one frequency, 10000^(2i/d_model): with c the column, that is 2·(c/2)/d_model, not 2c/d_model."),
        EncodingMistake.AngleMultiplied => ("wrong frequency exponent: its sign is flipped, the angle is p · 10000^(2i/d_model), so the frequencies rise instead of fall",
            "Divide the position by 10000^(2i/d_model) (or multiply by 10000^(−2i/d_model)): each pair turns slower than the one before."),
        EncodingMistake.IntegerDivision => ("wrong frequency exponent: 2 * i / dModel is an integer division in C#, 0 for every pair, so all pairs turn at the same frequency",
            "Make the division a floating-point one: 2.0 * i / dModel (with ints, 6 / 128 is 0)."),
        EncodingMistake.CosineOwnColumn => ("off by one in 2i/d_model: the cosine column 2i+1 uses (2i+1)/d_model, but it shares its sine's exponent 2i/d_model",
            "The sine and the cosine of a pair are of the same angle: compute the angle once per pair i and write sin to column 2i, cos to column 2i+1."),
        EncodingMistake.PairsFromOne => ("off by one in 2i/d_model: i starts at 1, so the first pair uses 2/d_model instead of 0",
            "i runs 0, 1, …, d_model/2 − 1: the first pair (columns 0 and 1) has exponent 0, so its angle is the position itself."),
        EncodingMistake.SinCosSwapped => ("sin and cos are swapped: the even columns hold the cosine and the odd ones the sine",
            "PE[p, 2i] is the sine and PE[p, 2i+1] the cosine: row 0 (position 0) must read 0, 1, 0, 1, …"),
        EncodingMistake.NotInterleaved => ("wrong interleaving: all the sines fill the first half of the columns and the cosines the second half",
            "Interleave them: column 2i holds pair i's sine and column 2i+1 its cosine. torch.stack(new[] { sin, cos }, dim: -1).reshape(seqLen, dModel) does it; torch.cat puts them in halves."),
        EncodingMistake.PositionsFromOne => ("the positions start at 1: row p holds position p + 1",
            "Row 0 is position 0, whose angles are all 0: sin 0 = 0 and cos 0 = 1, so it reads 0, 1, 0, 1, …"),
        _ => throw new ArgumentOutOfRangeException(nameof(mistake), mistake, "Not a single mistake."),
    };
}
