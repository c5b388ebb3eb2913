using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string LayerNormExercise = "GPT-2's LayerNorm";

    /// <summary>ε in the exercise's test input: GPT-2's <c>layer_norm_epsilon</c>.</summary>
    internal const double LayerNormEps = 1e-5;

    /// <summary>
    /// Checks GPT-2's LayerNorm: <c>layerNorm(x, weight, bias)</c>, with x [batch, pos, d_model] and weight γ and bias β
    /// [d_model], must return x̂ · γ + β [batch, pos, d_model], where x̂ = (x − μ) / √(σ² + ε) normalizes each
    /// position's vector: μ and σ² are the mean and the variance (divided by d_model) of its d_model numbers, ε = 1e-5.
    /// First on a small test input [2, 3, 8] whose rows have different means and spreads (one with a variance far below
    /// ε), where it names the usual mistakes, one or two at a time: the unbiased variance (N − 1), ε outside the square
    /// root or missing, no square root, the mean not subtracted (or RMSNorm), the wrong axis, and the scale γ and shift β
    /// missing, swapped or in the wrong order. Then on every LayerNorm of <paramref name="model"/> (each block's ln1 and
    /// ln2, and ln_final), given the model's own input and weights, against the model's output (<c>hook_normalized</c>).
    /// Without a model, a small random-weight GPT-2 is used.
    /// </summary>
    public static CheckResult CheckLayerNorm(Func<Tensor, Tensor, Tensor, Tensor> layerNorm, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(layerNorm);
        // Made (once) outside the dispose scope below, which would otherwise free the shared model's weights.
        var gpt = ExerciseModel.Resolve(model);
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();

        var (x, weight, bias) = LayerNormProbe();
        const string call = "LayerNorm(x, weight, bias) on the test input x [2, 3, 8]";
        var (output, problem) = Attempt(LayerNormExercise, call, () => layerNorm(Copy(x), Copy(weight), Copy(bias)));
        if (problem is not null) return WithLayerNormHint(problem);
        if (JudgeLayerNormForm(output!, call, x.shape) is CheckResult wrongForm) return wrongForm;

        var expected = LayerNormReference.Compute(x, weight, bias, LayerNormEps);
        if (TensorComparison.FirstMismatch(output!, expected) is long flat)
            return DiagnoseLayerNorm(output!, x, weight, bias, expected, flat);
        return CheckLayerNormOnModel(layerNorm, gpt);
    }

    /// <summary>
    /// The test input: x [2, 3, 8], one row per (batch, position) with its own mean and spread, row [0, 2] with a
    /// variance of 1e-8 (far below ε, so where ε sits shows), and γ, β far from 1 and 0.
    /// </summary>
    internal static (Tensor X, Tensor Weight, Tensor Bias) LayerNormProbe()
    {
        // Each row: a pattern of 8 numbers made mean 0 and variance 1, then scaled by its spread and moved to its mean.
        double[][] patterns =
        [
            [3, -1, 4, 1, -5, 9, -2, 6], [2, 7, -1, 8, -2, 8, 1, -8], [-4, 1, 4, -2, 1, 3, 5, -6],
            [5, 3, -5, 8, 9, -7, 9, 3], [-2, 3, 8, -4, 6, 2, -6, 4], [1, -6, 1, 8, 0, -3, 3, 9],
        ];
        (double Mean, double Spread)[] rows = [(1.5, 2), (-0.7, 0.5), (5e-5, 1e-4), (40, 3), (0.3, 1), (-5, 0.05)];
        var values = new float[6 * 8];
        for (int row = 0; row < rows.Length; row++)
        {
            double mean = patterns[row].Average();
            double spread = Math.Sqrt(patterns[row].Select(v => (v - mean) * (v - mean)).Average());
            for (int c = 0; c < 8; c++)
                values[row * 8 + c] = (float)(rows[row].Mean + rows[row].Spread * (patterns[row][c] - mean) / spread);
        }
        var x = torch.tensor(values, [2, 3, 8]);
        var weight = torch.tensor(new[] { 1.5f, 0.5f, 2.0f, 0.8f, 1.2f, 0.3f, 1.7f, 0.9f });
        var bias = torch.tensor(new[] { 0.1f, -0.2f, 0.3f, 0.0f, -0.5f, 0.25f, -0.1f, 0.4f });
        return (x, weight, bias);
    }

    private static CheckResult DiagnoseLayerNorm(Tensor output, Tensor x, Tensor weight, Tensor bias, Tensor expected, long flat)
    {
        string evidence = TensorComparison.DescribeMismatch("out", output, expected, flat) +
                          "\n  (the test input's rows have different means and spreads; row x[0, 2] has a variance of 1e-8, below ε = 1e-5)";
        if (TensorComparison.HasNaN(output))
            return CheckResult.Fail(LayerNormExercise, "your output has NaN (not a number) in it.",
                "NaN comes from 0/0 or the square root of a negative number: divide by √(σ² + ε), with the variance σ² the mean of squares (never negative) and ε = 1e-5.", evidence);

        foreach (var mistakes in LayerNormReference.Mistakes)
        {
            if (!TensorComparison.Close(output, LayerNormReference.Compute(x, weight, bias, LayerNormEps, mistakes), 1e-3, 1e-3)) continue;
            return CheckResult.Mistakes(LayerNormExercise, LayerNormReference.Explain(mistakes).ToArray(), where: null, aside: null, evidence);
        }
        return CheckResult.Fail(LayerNormExercise, "the values differ from GPT-2's LayerNorm.",
            "Go step by step over the last axis: μ = x.mean([-1], keepdim: true); σ² = ((x − μ)²).mean([-1], keepdim: true) (divided by d_model); " +
            "x̂ = (x − μ) / (σ² + 1e-5).sqrt(); return x̂ · weight + bias.", evidence);
    }

    /// <summary>The learner's function on every LayerNorm of the model, with its own input and weights, against its output.</summary>
    private static CheckResult CheckLayerNormOnModel(Func<Tensor, Tensor, Tensor, Tensor> layerNorm, HookedGpt2 gpt)
    {
        int layers = gpt.Config.NLayers;
        string last = $"blocks.{layers - 1}.hook_resid_post";
        // (name, input hook, output hook, weight name): where each LayerNorm reads and what it wrote.
        var norms = Enumerable.Range(0, layers).SelectMany(layer => new[]
            {
                ($"ln1 of block {layer}", $"blocks.{layer}.hook_resid_pre", $"blocks.{layer}.ln1.hook_normalized", $"h.{layer}.ln_1"),
                ($"ln2 of block {layer}", $"blocks.{layer}.hook_resid_mid", $"blocks.{layer}.ln2.hook_normalized", $"h.{layer}.ln_2"),
            })
            .Append(("ln_final", last, "ln_final.hook_normalized", "ln_f"))
            .ToArray();
        var wanted = norms.SelectMany(n => new[] { n.Item2, n.Item3 }).ToHashSet(StringComparer.Ordinal);

        var tokens = gpt.ToTokens(ExerciseModel.Sentence, truncate: true);
        var (_, cache) = gpt.RunWithCache(tokens, wanted.Contains);
        using (cache)
        {
            foreach (var (name, input, normalized, weights) in norms)
            {
                var (mine, failure) = Attempt(LayerNormExercise, $"LayerNorm on the input of {name}",
                    () => layerNorm(Copy(cache[input]), Copy(gpt.Weights[weights + ".weight"]), Copy(gpt.Weights[weights + ".bias"])));
                if (failure is not null) return WithLayerNormHint(failure);
                var reference = cache[normalized];   // [batch, pos, d_model]
                if (!mine!.shape.SequenceEqual(reference.shape))
                    return CheckResult.Fail(LayerNormExercise,
                        $"right on the test input, but on {name} of {ExerciseModel.Describe(gpt)} the result is {TensorComparison.Shape(mine.shape)}, expected {TensorComparison.Shape(reference.shape)}.",
                        "Read every size from x (x.shape) and normalize over its last axis: no sizes fixed to the test input's.");
                if (TensorComparison.FirstMismatch(mine, reference) is long flat)
                    return CheckResult.Fail(LayerNormExercise,
                        $"right on the test input, but on {name} of {ExerciseModel.Describe(gpt)} it differs from the model's LayerNorm output ({normalized}).",
                        $"Use only what your function is given: x, weight and bias (not fixed numbers or another cell's tensors), and ε = {gpt.Config.LayerNormEpsilon:0e0}.",
                        TensorComparison.DescribeMismatch("out", mine, reference, flat));
            }
        }
        return CheckResult.Pass(LayerNormExercise,
            $"correct on the test input (one row with a variance below ε) and equal to every LayerNorm of {ExerciseModel.Describe(gpt)}: " +
            $"ln1 and ln2 of its {layers} blocks and ln_final.");
    }

    /// <summary>The shape, the type and infinities: what must be right before the values can be compared.</summary>
    private static CheckResult? JudgeLayerNormForm(Tensor output, string call, long[] expectedShape)
    {
        long[] shape = output.shape;
        if (!shape.SequenceEqual(expectedShape))
        {
            long[] perPosition = expectedShape[..^1];
            string hint =
                shape.SequenceEqual(perPosition) || shape.SequenceEqual([.. perPosition, 1])
                    ? "That is one number per position (a mean, a variance or a scale): return the normalized vectors, the same shape as x."
                    : shape.SequenceEqual([expectedShape[^1]])
                        ? "That is one vector of d_model numbers: normalize every position of every batch, and keep x's shape."
                        : "LayerNorm keeps x's shape: each position's vector of d_model numbers is normalized on its own.";
            return CheckResult.Fail(LayerNormExercise, $"{call} has shape {TensorComparison.Shape(shape)}, expected {TensorComparison.Shape(expectedShape)}, x's shape.", hint);
        }
        if (!output.is_floating_point())
            return CheckResult.Fail(LayerNormExercise, $"{call} holds {output.dtype} values, not floating-point numbers.", "Compute in float32, as the model does.");
        if (output.isinf().any().ToBoolean())
            return CheckResult.Fail(LayerNormExercise, $"{call} has infinite values in it.",
                "A division by 0: divide by √(σ² + ε) with ε = 1e-5 inside the square root, never by σ alone.");
        return null;
    }

    /// <summary>An exception from the learner's function, with a hint about the usual cause here: a mean without keepdim.</summary>
    private static CheckResult WithLayerNormHint(CheckResult problem)
    {
        if (problem.Outcome != CheckOutcome.Failed || !problem.Message.Contains(" threw ", StringComparison.Ordinal)) return problem;
        bool shapes = problem.Message.Contains("must match the size", StringComparison.OrdinalIgnoreCase) ||
                      problem.Message.Contains("shape", StringComparison.OrdinalIgnoreCase);
        return !shapes ? problem : CheckResult.Fail(problem.Exercise, problem.Message,
            "x.mean([-1]) is [batch, pos]: it does not line up with x [batch, pos, d_model]. Keep the reduced axis, " +
            "x.mean([-1], keepdim: true) is [batch, pos, 1], which broadcasts over each position's d_model numbers (the same for var).",
            problem.Details.ToArray());
    }
}
