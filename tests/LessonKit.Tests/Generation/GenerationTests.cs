using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Generation;

public class GenerationTests : IClassFixture<TinyModelFixture>
{
    private readonly HookedGpt2 _model;

    public GenerationTests(TinyModelFixture tiny) => _model = tiny.Model;

    [Fact]
    public void GreedyGenerationWithAndWithoutTheKvCacheIsIdentical()
    {
        const string prompt = "Once upon a time";
        var cached = _model.GenerateSteps(prompt, maxNewTokens: 40, temperature: 0, stopAtEndOfText: false).ToList();
        var recomputed = _model.GenerateSteps(prompt, maxNewTokens: 40, temperature: 0, useKvCache: false, stopAtEndOfText: false).ToList();
        Assert.Equal(recomputed.Select(s => s.TokenId), cached.Select(s => s.TokenId));
        for (int i = 0; i < cached.Count; i++)
            Assert.Equal(recomputed[i].Probability, cached[i].Probability, 1e-5);
    }

    [Fact]
    public void KvCacheLogitsOfTheLastPositionAgreeWithAFullForward()
    {
        var ids = TinyGpt2.Expected.Ids;
        using var cache = new KeyValueCache(_model.Config, 1, _model.Device);
        using var noGrad = torch.no_grad();
        // Feed the prompt in three pieces through the cache and compare each piece's last logits with a full forward pass.
        int[] cuts = [5, 6, ids.Length];
        int start = 0;
        foreach (int end in cuts)
        {
            using var piece = torch.tensor(ids[start..end].Select(i => (long)i).ToArray(), [1, end - start]);
            using var incremental = _model.ForwardWithCache(piece, cache);
            using var full = _model.Forward(torch.tensor(ids[..end].Select(i => (long)i).ToArray(), [1, end]));
            TensorAssert.Close(incremental[0, -1], full[0, -1], 1e-4, $"last logits after {end} tokens");
            start = end;
        }
        Assert.Equal(ids.Length, cache.Length);
    }

    [Fact]
    public void GenerateReturnsThePromptAndTheGreedyContinuation()
    {
        string text = _model.Generate("The cat sat on the mat because it was tired.", maxNewTokens: 10, temperature: 0, stopAtEndOfText: false);
        string expected = _model.Tokenizer.Decode([.. TinyGpt2.Expected.Ids[1..], .. TinyGpt2.Expected.GreedyNext10]);
        Assert.Equal(expected, text);
    }

    [Fact]
    public void SamplingIsReproducibleWithASeed()
    {
        string a = _model.Generate("Hello", maxNewTokens: 15, temperature: 1.0, seed: 42, stopAtEndOfText: false);
        string b = _model.Generate("Hello", maxNewTokens: 15, temperature: 1.0, seed: 42, stopAtEndOfText: false);
        string c = _model.Generate("Hello", maxNewTokens: 15, temperature: 1.0, seed: 43, stopAtEndOfText: false);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void TopKOfOneAndATinyTopPAreGreedy()
    {
        var greedy = _model.GenerateSteps("Hello", 12, temperature: 0, stopAtEndOfText: false).Select(s => s.TokenId).ToList();
        var topK1 = _model.GenerateSteps("Hello", 12, temperature: 1.5, topK: 1, seed: 1, stopAtEndOfText: false).Select(s => s.TokenId).ToList();
        var topPTiny = _model.GenerateSteps("Hello", 12, temperature: 1.5, topP: 1e-6, seed: 1, stopAtEndOfText: false).Select(s => s.TokenId).ToList();
        Assert.Equal(greedy, topK1);
        Assert.Equal(greedy, topPTiny);
    }

    [Fact]
    public void TopKAndTopPOnlyEverPickAllowedTokens()
    {
        // With top-k 3, every sampled token must be one of the 3 most likely candidates at its step.
        foreach (var step in _model.GenerateSteps("The cat", 20, temperature: 2.0, topK: 3, seed: 5, stopAtEndOfText: false, topCandidates: 3))
            Assert.Contains(step.TokenId, step.TopCandidates.Select(c => c.Id));
        // With top-p 0.5, the chosen token is among the smallest set of candidates reaching 50% probability.
        foreach (var step in _model.GenerateSteps("The cat", 20, temperature: 1.0, topP: 0.5, seed: 5, stopAtEndOfText: false, topCandidates: 200))
        {
            float before = step.TopCandidates.TakeWhile(c => c.Id != step.TokenId).Sum(c => c.Probability);
            Assert.True(before < 0.5f + 1e-5f, $"token {step.TokenId} had {before} probability ranked above it");
        }
    }

    [Fact]
    public void StepsReportProbabilitiesAndCandidates()
    {
        var steps = _model.GenerateSteps("The cat", maxNewTokens: 3, temperature: 0, stopAtEndOfText: false, topCandidates: 4).ToList();
        Assert.Equal([0, 1, 2], steps.Select(s => s.Index));
        foreach (var step in steps)
        {
            Assert.Equal(4, step.TopCandidates.Count);
            Assert.Equal(step.TokenId, step.TopCandidates[0].Id); // greedy picks the most likely
            Assert.Equal(step.Probability, step.TopCandidates[0].Probability);
            Assert.Equal(_model.Tokenizer.TokenText(step.TokenId), step.Token);
            Assert.True(step.TopCandidates.Zip(step.TopCandidates.Skip(1)).All(p => p.First.Probability >= p.Second.Probability));
        }
    }

    [Fact]
    public void GenerationStopsAtEndOfText()
    {
        // A hook that makes <|endoftext|> overwhelmingly likely at every position stops generation after one step.
        var steps = _model.GenerateSteps("The cat", maxNewTokens: 10, temperature: 0,
            hooks: [("ln_final.hook_normalized", (act, hook) => act * 0 + _model.EmbeddingWeights[50256] * 100)]).ToList();
        Assert.Single(steps);
        Assert.Equal(50256, steps[0].TokenId);
        Assert.Equal("The cat", _model.Generate("The cat", maxNewTokens: 0));
    }

    [Fact]
    public void WithoutStoppingEveryEndOfTextStaysInTheText()
    {
        // A model whose final LayerNorm always outputs <|endoftext|>'s embedding: every step picks it.
        using var model = TinyGpt2.Load();
        using (torch.no_grad())
        {
            model.Weights["ln_f.weight"].zero_();
            model.Weights["ln_f.bias"].copy_(model.EmbeddingWeights[50256] * 100);
        }
        Assert.Equal("The cat<|endoftext|><|endoftext|><|endoftext|>", model.Generate("The cat", maxNewTokens: 3, temperature: 0, stopAtEndOfText: false));
        Assert.Equal("The cat", model.Generate("The cat", maxNewTokens: 3, temperature: 0));
    }

    [Fact]
    public void BadArgumentsAreClearErrors()
    {
        Assert.Contains("at most", Assert.Throws<ArgumentException>(() => _model.GenerateSteps("The cat", maxNewTokens: 200)).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.GenerateSteps("The cat", temperature: -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.GenerateSteps("The cat", temperature: double.NaN));
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.GenerateSteps("The cat", topK: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.GenerateSteps("The cat", topP: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => _model.GenerateSteps("The cat", maxNewTokens: -1));
        // The prompt length plus int.MaxValue must not wrap around to a small number.
        Assert.Contains("at most", Assert.Throws<ArgumentException>(() => _model.Generate("The cat", maxNewTokens: int.MaxValue)).Message);
    }

    [Theory]
    [InlineData(1e-300)]
    [InlineData(1e-50)]
    [InlineData(1e-45)]
    [InlineData(1e-30)]
    public void ATinyTemperatureIsGreedyNotAnError(double temperature)
    {
        // Dividing logits by 1e-45 overflows float32, and 1e-50 is 0 in float32; the sampler shifts by the maximum first
        // and takes a zero temperature as its limit, so each is just greedy.
        var greedy = _model.GenerateSteps("Hello", 8, temperature: 0, stopAtEndOfText: false).Select(s => s.TokenId);
        var cold = _model.GenerateSteps("Hello", 8, temperature: temperature, seed: 3, stopAtEndOfText: false).ToList();
        Assert.Equal(greedy, cold.Select(s => s.TokenId));
        Assert.All(cold, step => Assert.Equal(1f, step.Probability));
    }

    [Theory]
    [InlineData(0.0, float.NaN)]
    [InlineData(1.0, float.NaN)]
    [InlineData(0.0, float.PositiveInfinity)]
    [InlineData(1.0, float.NegativeInfinity)]
    public void LogitsThatHoldNoProbabilitiesAreAClearError(double temperature, float poison)
    {
        // A hook that writes NaN / ∞ into the last activation: greedy must not quietly answer token 0, sampling must
        // not fail inside libtorch.
        var error = Assert.Throws<InvalidOperationException>(() => _model.GenerateSteps("The cat", 3, temperature: temperature, seed: 1,
            hooks: [("ln_final.hook_normalized", (act, hook) => act * 0 + poison)]).ToList());
        Assert.Contains("logits contain", error.Message);
        Assert.Contains("hook", error.Message);
    }

    [Fact]
    public void EnumeratingStepsTwiceStartsOverFromThePrompt()
    {
        var steps = _model.GenerateSteps("Once upon a time", maxNewTokens: 6, temperature: 1.0, seed: 9, stopAtEndOfText: false);
        var first = steps.Select(s => s.TokenId).ToList();
        var second = steps.Select(s => s.TokenId).ToList();
        Assert.Equal(6, first.Count);
        Assert.Equal(first, second);
        Assert.Equal(first, _model.GenerateSteps("Once upon a time", maxNewTokens: 6, temperature: 1.0, seed: 9, stopAtEndOfText: false).Select(s => s.TokenId));
    }

    [Fact]
    public void APaddedVocabularyNeverGeneratesIdsTheTokenizerCannotWrite()
    {
        // nanoGPT pads GPT-2's 50257 tokens to 50304; the extra 47 have no text. Make them the most likely tokens.
        using var padded = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 50304 }, seed: 4);
        using (torch.no_grad()) padded.EmbeddingWeights[50257..].fill_(1);
        var steps = padded.GenerateSteps("The cat", 5, temperature: 0, stopAtEndOfText: false,
            hooks: [("ln_final.hook_normalized", (act, hook) => act.abs() + 1)]).ToList();
        Assert.All(steps, step => Assert.InRange(step.TokenId, 0, 50256));
    }

    [Fact]
    public void AHookThatThrowsMidGenerationLeavesTheCacheUsable()
    {
        using var cache = new KeyValueCache(_model.Config, 1, _model.Device);
        using var prompt = torch.tensor(TinyGpt2.Expected.Ids.Select(i => (long)i).ToArray(), [1, TinyGpt2.Expected.Ids.Length]);
        using var first = _model.ForwardWithCache(prompt[.., ..6], cache);
        Assert.Throws<HookException>(() => _model.ForwardWithCache(prompt[.., 6..], cache,
            ("blocks.1.hook_resid_pre", (act, hook) => throw new InvalidOperationException("stop"))));
        Assert.Equal(6, cache.Length);
        using var rest = _model.ForwardWithCache(prompt[.., 6..], cache);
        using var full = _model.Forward(prompt);
        TensorAssert.Close(rest[0, -1], full[0, -1], 1e-4, "after a failed step");
    }
}
