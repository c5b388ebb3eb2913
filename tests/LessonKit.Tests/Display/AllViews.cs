using LessonKit.Display;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>One of every view, made from the same tokens, for tests that must hold for all views.</summary>
internal sealed class AllViews : IDisposable
{
    public static readonly string[] Names =
        ["head", "model", "patterns", "pattern", "finder", "colored", "next", "generation", "heatmap", "similarity", "pipeline", "line", "bar", "matrix"];

    private readonly ActivationCache _cache;
    private readonly Tensor _logits, _encoding;
    private readonly Dictionary<string, Func<View>> _make;

    private AllViews(string[] tokens)
    {
        int n = tokens.Length;
        _cache = TestCaches.Random(layers: 2, heads: 3, length: n, seed: 11);
        _logits = torch.randn(1, n, 64);
        _encoding = PositionalEncoding.Sinusoidal(n, 8);
        var candidates = tokens.Take(5).Select((t, i) => new TokenCandidate(i, t, 0.1f * (5 - i))).ToArray();
        _make = new Dictionary<string, Func<View>>
        {
            ["head"] = () => Plots.HeadView(_cache, tokens),
            ["model"] = () => Plots.ModelView(_cache, tokens),
            ["patterns"] = () => Plots.AttentionPatterns(_cache, 1, tokens),
            ["pattern"] = () => Plots.AttentionPattern(_cache, 0, 2, tokens),
            ["finder"] = () => Plots.HeadFinder(_cache, tokens, n - 1, 1),
            ["colored"] = () => Plots.ColoredTokens(tokens, tokens.Select((_, i) => i - n / 2f).ToArray(), tokens[1]),
            ["next"] = () => Plots.NextTokens(candidates, tokens[2]),
            ["generation"] = () => Plots.GenerationTable(tokens.Take(4).Select((t, i) => new GenerationStep(i, i, t, 0.5f, candidates)).ToArray()),
            ["heatmap"] = () => Plots.PositionalHeatmap(_encoding, tokens[3]),
            ["similarity"] = () => Plots.PositionSimilarity(_encoding, 0, [1, 2]),
            ["pipeline"] = () => Plots.Pipeline(_cache, tokens, Enumerable.Range(0, n).ToArray(), _logits, id => tokens[id % n]),
            ["line"] = () => Plots.Line([Plots.Series(tokens[1], Enumerable.Range(0, n), tokens.Select((_, i) => Math.Sin(i)))], tokens[2], tokens[3], tokens[4]),
            ["bar"] = () => Plots.Bar(tokens, tokens.Select((_, i) => i - n / 2.0), tokens[1], tokens[2], tokens[3], tokens[4]),
            ["matrix"] = () => Plots.Heatmap(_cache["pattern", 0][0, 1], tokens, tokens, tokens[1], tokens[2], tokens[3]),
        };
    }

    public static AllViews Create(string[] tokens) => new(tokens);

    public View this[string name] => _make[name]();

    public IEnumerable<View> All() => Names.Select(n => this[n]);

    public void Dispose()
    {
        _cache.Dispose();
        _logits.Dispose();
        _encoding.Dispose();
    }
}
