using LessonKit.Lessons;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Lessons;

/// <summary>
/// The sinusoidal-encoding check of Lesson 2.1: each usual mistake is written as a learner would write it (a loop over
/// columns, or tensor operations), and the check must name it.
/// </summary>
public class SinusoidalCheckTests
{
    /// <summary>A learner's loop: <paramref name="value"/>(position, column) for every entry, into a float32 [seqLen, dModel].</summary>
    private static Tensor Loop(int seqLen, int dModel, Func<int, int, double> value)
    {
        var values = new float[seqLen * dModel];
        for (int p = 0; p < seqLen; p++)
            for (int c = 0; c < dModel; c++)
                values[p * dModel + c] = (float)value(p, c);
        return torch.tensor(values, [seqLen, dModel]);
    }

    /// <summary>The folded solution of the lesson: tensor operations, sin and cos stacked side by side to interleave them.</summary>
    private static Tensor Solution(int seqLen, int dModel)
    {
        var position = torch.arange(seqLen, dtype: ScalarType.Float64).unsqueeze(1);   // [seqLen, 1]
        var twoI = torch.arange(0, dModel, 2, dtype: ScalarType.Float64);             // 2i: [dModel / 2]
        var angle = position / torch.pow(10000.0, twoI / dModel);                     // [seqLen, dModel / 2]
        return torch.stack(new[] { angle.sin(), angle.cos() }, dim: -1).reshape(seqLen, dModel).to_type(ScalarType.Float32);
    }

    /// <summary>The usual loop, right: pair i = c / 2, sine in the even column, cosine in the odd one.</summary>
    private static double Right(int p, int c, int d) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, 2.0 * (c / 2) / d)) : Math.Cos(p / Math.Pow(10000, 2.0 * (c / 2) / d));

    private static CheckResult Check(Func<int, int, Tensor> encoding) => Exercises.CheckSinusoidalEncoding(encoding);

    private static void AssertNamed(CheckResult result, string inMessage, string? inHint = null)
    {
        Assert.Equal(CheckOutcome.Failed, result.Outcome);
        Assert.Contains(inMessage, result.Message, StringComparison.OrdinalIgnoreCase);
        if (inHint is not null) Assert.Contains(inHint, result.Hint);
    }

    [Fact]
    public void The_folded_solution_passes()
    {
        var result = Check(Solution);
        Assert.True(result.Passed, result.ToString());
        Assert.StartsWith("✔ Sinusoidal positional encoding: correct for 12 × 8, 10 × 6, 100 × 128, 1 × 2", result.ToString());
    }

    [Fact]
    public void A_float32_loop_passes_and_so_does_the_kit_s_own_encoding()
    {
        Assert.True(Check((n, d) => Loop(n, d, (p, c) => Right(p, c, d))).Passed);
        Assert.True(Check((n, d) => PositionalEncoding.Sinusoidal(n, d)).Passed);
        // Computed entirely in float32 tensors, as a learner may do.
        var float32 = Check((n, d) =>
        {
            var angle = torch.arange(n, dtype: ScalarType.Float32).unsqueeze(1) / torch.pow(10000f, torch.arange(0, d, 2, dtype: ScalarType.Float32) / d);
            return torch.stack(new[] { angle.sin(), angle.cos() }, dim: -1).reshape(n, d);
        });
        Assert.True(float32.Passed, float32.ToString());
    }

    [Fact]
    public void The_reference_equals_the_kit_s_positional_encoding()
    {
        foreach (var (n, d) in Exercises.SinusoidalProbes)
            Assert.True(TensorComparisonClose(SinusoidalReference.Encoding(n, d), PositionalEncoding.Sinusoidal(n, d)), $"{n} × {d}");
    }

    private static bool TensorComparisonClose(Tensor a, Tensor b) => (a.to_type(ScalarType.Float64) - b.to_type(ScalarType.Float64)).abs().max().ToDouble() < 1e-6;

    [Fact]
    public void The_exponent_without_its_factor_two_is_a_wrong_frequency_exponent()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, (double)(c / 2) / d)) : Math.Cos(p / Math.Pow(10000, (double)(c / 2) / d))));
        AssertNamed(result, "wrong frequency exponent: 10000^(i/d_model)", "2.0 * i / dModel");
    }

    [Fact]
    public void An_exponent_not_divided_by_d_model_is_a_wrong_frequency_exponent()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, 2.0 * (c / 2))) : Math.Cos(p / Math.Pow(10000, 2.0 * (c / 2)))));
        AssertNamed(result, "wrong frequency exponent: 10000^(2i), not divided by d_model");
    }

    [Fact]
    public void Twice_the_column_index_in_the_exponent_is_a_wrong_frequency_exponent()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, 2.0 * c / d)) : Math.Cos(p / Math.Pow(10000, 2.0 * c / d))));
        AssertNamed(result, "wrong frequency exponent: 10000^(2c/d_model) with c the column");
    }

    [Fact]
    public void Multiplying_by_the_frequency_term_is_a_wrong_frequency_exponent()
    {
        var result = Check((n, d) =>
        {
            var angle = torch.arange(n, dtype: ScalarType.Float64).unsqueeze(1) * torch.pow(10000.0, torch.arange(0, d, 2, dtype: ScalarType.Float64) / d);
            return torch.stack(new[] { angle.sin(), angle.cos() }, dim: -1).reshape(n, d).to_type(ScalarType.Float32);
        });
        AssertNamed(result, "wrong frequency exponent: its sign is flipped", "Divide the position");
    }

    [Fact]
    public void Integer_division_in_the_exponent_is_named()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, 2 * (c / 2) / d)) : Math.Cos(p / Math.Pow(10000, 2 * (c / 2) / d))));
        AssertNamed(result, "integer division", "2.0 * i / dModel");
    }

    [Fact]
    public void The_cosine_column_using_its_own_index_is_an_off_by_one_in_2i_over_d()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, (double)c / d)) : Math.Cos(p / Math.Pow(10000, (double)c / d))));
        AssertNamed(result, "off by one in 2i/d_model: the cosine column 2i+1 uses (2i+1)/d_model");
    }

    [Fact]
    public void Pairs_counted_from_one_are_an_off_by_one_in_2i_over_d()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => c % 2 == 0 ? Math.Sin(p / Math.Pow(10000, 2.0 * (c / 2 + 1) / d)) : Math.Cos(p / Math.Pow(10000, 2.0 * (c / 2 + 1) / d))));
        AssertNamed(result, "off by one in 2i/d_model: i starts at 1");
    }

    [Fact]
    public void Sine_and_cosine_swapped_is_named()
    {
        var result = Check((n, d) =>
        {
            var angle = torch.arange(n, dtype: ScalarType.Float64).unsqueeze(1) / torch.pow(10000.0, torch.arange(0, d, 2, dtype: ScalarType.Float64) / d);
            return torch.stack(new[] { angle.cos(), angle.sin() }, dim: -1).reshape(n, d).to_type(ScalarType.Float32);
        });
        AssertNamed(result, "sin and cos are swapped", "0, 1, 0, 1");
        Assert.Contains("PE[", string.Join("\n", result.Details));
    }

    [Fact]
    public void Sines_then_cosines_in_halves_is_wrong_interleaving()
    {
        var result = Check((n, d) =>
        {
            var angle = torch.arange(n, dtype: ScalarType.Float64).unsqueeze(1) / torch.pow(10000.0, torch.arange(0, d, 2, dtype: ScalarType.Float64) / d);
            return torch.cat(new[] { angle.sin(), angle.cos() }, dim: -1).to_type(ScalarType.Float32);
        });
        AssertNamed(result, "wrong interleaving", "torch.stack");
    }

    [Fact]
    public void Positions_counted_from_one_are_named()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => Right(p + 1, c, d)));
        AssertNamed(result, "the positions start at 1");
    }

    [Fact]
    public void Two_mistakes_at_once_are_both_named()
    {
        var result = Check((n, d) =>
        {
            var angle = torch.arange(n, dtype: ScalarType.Float64).unsqueeze(1) / torch.pow(10000.0, torch.arange(0, d, 2, dtype: ScalarType.Float64) / d);
            return torch.cat(new[] { angle.cos(), angle.sin() }, dim: -1).to_type(ScalarType.Float32);
        });
        AssertNamed(result, "2 things are off");
        Assert.Contains("sin and cos are swapped", result.Message);
        Assert.Contains("wrong interleaving", result.Message);
    }

    [Fact]
    public void Every_listed_mistake_computes_something_of_its_own_on_the_small_probes()
    {
        // Otherwise two mistakes would be indistinguishable and the check could name the wrong one.
        var seen = new List<(EncodingMistake Mistake, Tensor[] Values)>();
        foreach (var mistake in SinusoidalReference.Mistakes.Prepend(EncodingMistake.None))
        {
            var values = Exercises.SinusoidalProbes.Take(2).Select(p => SinusoidalReference.Encoding(p.SeqLen, p.DModel, mistake)).ToArray();
            foreach (var (other, otherValues) in seen)
                Assert.False(values.Zip(otherValues).All(pair => (pair.First - pair.Second).abs().max().ToDouble() < 0.05), $"{mistake} computes the same as {other}");
            seen.Add((mistake, values));
        }
    }

    [Fact]
    public void Wrong_shapes_get_a_hint_that_fits_them()
    {
        AssertNamed(Check((n, d) => Solution(n, d).t()), "has shape [8, 12], expected [12, 8]", "[d_model, positions]");
        AssertNamed(Check((n, d) => Solution(n, d).unsqueeze(0)), "has shape [1, 12, 8]", "batch axis");
        AssertNamed(Check((n, d) => torch.arange(n, dtype: ScalarType.Float32).unsqueeze(1).expand(n, d / 2).sin()), "has shape [12, 4]", "two columns");
        AssertNamed(Check((n, d) => Solution(n, d).reshape(n, d / 2, 2)), "has shape [12, 4, 2]", ".reshape(seqLen, dModel) then lays each pair");      // stacked, not reshaped
        AssertNamed(Check((n, d) => Solution(n, d).reshape(n, d / 2, 2).permute(2, 0, 1)), "has shape [2, 12, 4]", "Stack on the last axis");   // stacked on dim 0
        AssertNamed(Check((n, d) => Solution(n == 10 ? 12 : n, d == 6 ? 8 : d)), "SinusoidalEncoding(10, 6) has shape [12, 8]", "read the sizes from seqLen and dModel");
    }

    [Fact]
    public void Sizes_fixed_to_the_small_probes_fail_on_the_lesson_s_size()
    {
        var result = Check((n, d) => n > 12 ? Solution(n, d) * 0.5 : Solution(n, d));
        AssertNamed(result, "right for 12 × 8 and 10 × 6, but not for 100 × 128");
    }

    [Fact]
    public void Integers_and_NaN_are_named()
    {
        AssertNamed(Check((n, d) => torch.zeros(n, d, dtype: ScalarType.Int64)), "holds Int64 values", "float32");
        AssertNamed(Check((n, d) => Solution(n, d) / torch.zeros(n, d)), "NaN");
    }

    [Fact]
    public void Starting_code_is_not_done_and_exceptions_are_reported()
    {
        var notDone = Check((n, d) => throw new NotImplementedException("Write SinusoidalEncoding, then run the check below."));
        Assert.Equal(CheckOutcome.NotDone, notDone.Outcome);
        Assert.StartsWith("○ Sinusoidal positional encoding: not done yet", notDone.ToString());
        var thrown = Check((n, d) => throw new InvalidOperationException("boom"));
        AssertNamed(thrown, "threw InvalidOperationException: boom");
        AssertNamed(Check((n, d) => null!), "returned null");
        Assert.Throws<ArgumentNullException>(() => Exercises.CheckSinusoidalEncoding(null!));
    }

    [Fact]
    public void Another_formula_altogether_gets_the_formula_as_a_hint()
    {
        var result = Check((n, d) => Loop(n, d, (p, c) => Math.Sin(p * 0.3 + c)));
        AssertNamed(result, "the values differ from the formula", "PE[p, 2i] = sin(p / 10000^(2i/d_model))");
    }
}
