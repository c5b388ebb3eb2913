using System.Globalization;

namespace LessonKit.Lessons;

public static partial class Exercises
{
    private const string ParameterCountExercise = "GPT-2's parameter count";

    /// <summary>
    /// Checks a parameter-count formula: <c>countParameters(config)</c> must return how many trained numbers a GPT-2
    /// with that config holds: every weight and bias, the token embedding once (GPT-2 reuses it as its output layer),
    /// no causal-mask buffer. Tried on <paramref name="model"/>'s config (against <see cref="HookedGpt2.ParameterCount"/>,
    /// counted in its tensors), the five GPT-2 checkpoints (against their published counts) and two made-up configs.
    /// Names the usual mistakes (missing biases, LayerNorms or W_pos, the tied unembedding counted twice, ...), one or
    /// two at a time, and numbers copied from one model instead of read from the config.
    /// </summary>
    public static CheckResult CheckParameterCount(Func<Gpt2Config, long> countParameters, HookedGpt2? model = null)
    {
        ArgumentNullException.ThrowIfNull(countParameters);
        var probes = ParameterCountProbes(model);
        var yours = new long[probes.Count];
        for (int i = 0; i < probes.Count; i++)
        {
            var config = probes[i].Config;
            var (count, problem) = Attempt(ParameterCountExercise, $"CountParameters for {probes[i].Name}", () => countParameters(config));
            if (problem is not null) return problem;
            yours[i] = count;
        }

        var wrong = Enumerable.Range(0, probes.Count).Where(i => yours[i] != probes[i].Expected).ToArray();
        if (wrong.Length == 0)
        {
            return CheckResult.Pass(ParameterCountExercise,
                $"right for all {probes.Count} configs: {probes[0].Name} {N(probes[0].Expected)} ({probes[0].Source}), " +
                string.Join(", ", probes.Skip(1).Where(p => p.Source == PublishedCount).Select(p => $"{p.Name} {N(p.Expected)}")) +
                $" and {probes.Count(p => p.Source == MadeUpCount)} made-up ones.");
        }

        var first = probes[wrong[0]];
        string yoursThere = $"for {first.Name} you count {N(yours[wrong[0]])}; it holds {N(first.Expected)}";
        string[] evidence = wrong.Take(3).Select(i => $"{probes[i].Name}: yours {N(yours[i])}, expected {N(probes[i].Expected)} " +
                                                      $"({Difference(yours[i] - probes[i].Expected, probes[i].Config.DModel)})").ToArray();

        foreach (var mistakes in ParameterCountReference.Mistakes)
        {
            if (!probes.Select((p, i) => ParameterCountReference.Count(p.Config, mistakes) == yours[i]).All(same => same)) continue;
            return CheckResult.Mistakes(ParameterCountExercise, ParameterCountReference.Explain(mistakes).ToArray(), where: null, aside: yoursThere, evidence);
        }
        if (yours.Distinct().Count() == 1)
            return CheckResult.Fail(ParameterCountExercise, $"CountParameters returns {N(yours[0])} whatever the config.",
                "Compute the count from the config you are given (config.NLayers, config.DModel, config.DMlp, config.NCtx, config.DVocab), " +
                "not from model.Config or from numbers copied from one model.", evidence);
        if (wrong.Length < probes.Count)
        {
            var right = probes.Where((_, i) => !wrong.Contains(i)).Select(p => p.Name);
            return CheckResult.Fail(ParameterCountExercise, $"right for {string.Join(", ", right)}, but not for the others ({yoursThere}).",
                "Part of the formula is fixed to one model's sizes (768, 12 layers, 1024 positions, ...): read every size from config.", evidence);
        }
        return CheckResult.Fail(ParameterCountExercise, $"{CheckResult.Capitalized(yoursThere)} ({Difference(yours[wrong[0]] - first.Expected, first.Config.DModel)}).",
            "Go through the weights printed in section 4 (embeddings, block 0, ln_f): a matrix holds rows × columns numbers, a vector its " +
            "length; every block has the same ones, and W_E counts once. A difference that is a multiple of d_model points at vectors: biases or LayerNorms.",
            evidence);
    }

    private const string LoadedModelCount = "model.ParameterCount, counted in its tensors";
    private const string PublishedCount = "published";
    private const string MadeUpCount = "made up";

    /// <summary>A config the parameter-count check tries, the right count for it, and where that count comes from.</summary>
    internal sealed record CountProbe(string Name, Gpt2Config Config, long Expected, string Source);

    /// <summary>
    /// The configs the check tries: the model's (if given; its count is the one its tensors hold), the five GPT-2
    /// checkpoints, and two made-up GPT-2s whose sizes differ in every way, so each usual mistake gives its own numbers.
    /// </summary>
    internal static IReadOnlyList<CountProbe> ParameterCountProbes(HookedGpt2? model)
    {
        var probes = new List<CountProbe>();
        if (model is not null) probes.Add(new($"the loaded model ({model.Config.ModelName})", model.Config, model.ParameterCount, LoadedModelCount));
        probes.AddRange(Gpt2Family.All
            .Where(c => model is null || c.Config with { ModelName = model.Config.ModelName } != model.Config)
            .Select(c => new CountProbe(c.Name, c.Config, c.ParameterCount, PublishedCount)));
        foreach (var config in new[]
                 {
                     new Gpt2Config { NLayers = 3, NHeads = 2, DModel = 40, NCtx = 50, DVocab = 1000 },
                     new Gpt2Config { NLayers = 1, NHeads = 1, DModel = 8, NCtx = 13, DVocab = 97 },
                 })
        {
            string name = $"a made-up GPT-2 ({config.NLayers} layers, d_model {config.DModel}, n_ctx {config.NCtx}, d_vocab {config.DVocab})";
            probes.Add(new(name, config with { ModelName = name }, Gpt2Parameters.Count(config), MadeUpCount));
        }
        return probes;
    }

    /// <summary>"121,344 too few = 158 × d_model", "1 too many".</summary>
    private static string Difference(long difference, long dModel)
    {
        string amount = N(Math.Abs(difference)) + (difference > 0 ? " too many" : " too few");
        return difference % dModel == 0 ? $"{amount} = {N(Math.Abs(difference) / dModel)} × d_model" : amount;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);

}
