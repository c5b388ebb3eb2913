using LessonKit.Generation;
using LessonKit.Kernels;
using LessonKit.Text;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>
    /// Continues <paramref name="prompt"/> and returns the prompt followed by the new text. Temperature 0 is greedy
    /// (always the most likely token); otherwise tokens are sampled, reproducibly for a given <paramref name="seed"/>,
    /// from the <paramref name="topK"/> most likely and/or the top-<paramref name="topP"/> probability mass.
    /// Stops early at <c>&lt;|endoftext|&gt;</c> (not included in the text) unless <paramref name="stopAtEndOfText"/> is
    /// false; then every <c>&lt;|endoftext|&gt;</c> generated stays in the text, where one document ends and the next begins.
    /// With <paramref name="useKvCache"/> each step reuses the keys and values of earlier positions instead of
    /// recomputing them; the tokens are the same either way.
    /// </summary>
    public string Generate(string prompt, int maxNewTokens = 20, double temperature = 1.0, int? topK = null, double? topP = null,
        int? seed = null, bool useKvCache = true, bool stopAtEndOfText = true)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var newIds = GenerateSteps(prompt, maxNewTokens, temperature, topK, topP, seed, useKvCache, stopAtEndOfText)
            .Where(step => !(stopAtEndOfText && step.TokenId == Gpt2Tokenizer.EndOfTextId))
            .Select(step => step.TokenId);
        return Tokenizer.Decode([.. Tokenizer.Encode(prompt), .. newIds]);
    }

    /// <summary>
    /// Generation one token at a time: each <see cref="GenerationStep"/> has the chosen token, its probability and the
    /// <paramref name="topCandidates"/> most likely alternatives, to show as a table or chart. The prompt gets
    /// <c>&lt;|endoftext|&gt;</c> in front, as <see cref="ToTokens"/> does. Enumerate it once; work happens as you enumerate.
    /// </summary>
    public IEnumerable<GenerationStep> GenerateSteps(string prompt, int maxNewTokens = 20, double temperature = 1.0, int? topK = null,
        double? topP = null, int? seed = null, bool useKvCache = true, bool stopAtEndOfText = true, int topCandidates = 5,
        IReadOnlyList<(string Name, HookFunction Hook)>? hooks = null)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        return GenerateSteps(TokenIds(prompt, prependBos: true, truncate: false), maxNewTokens, temperature, topK, topP, seed, useKvCache,
            stopAtEndOfText, topCandidates, hooks);
    }

    /// <summary>Generation one token at a time after the given token ids.</summary>
    public IEnumerable<GenerationStep> GenerateSteps(IReadOnlyList<int> promptIds, int maxNewTokens = 20, double temperature = 1.0, int? topK = null,
        double? topP = null, int? seed = null, bool useKvCache = true, bool stopAtEndOfText = true, int topCandidates = 5,
        IReadOnlyList<(string Name, HookFunction Hook)>? hooks = null)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentOutOfRangeException.ThrowIfNegative(maxNewTokens);
        ArgumentOutOfRangeException.ThrowIfLessThan(topCandidates, 1);
        if (promptIds.Count == 0) throw new ArgumentException("The prompt has no tokens; give at least one (ToTokens prepends <|endoftext|>).", nameof(promptIds));
        if ((long)promptIds.Count + maxNewTokens > Config.NCtx)
            throw new ArgumentException(
                $"The prompt is {promptIds.Count} token{(promptIds.Count == 1 ? "" : "s")} and {maxNewTokens} new ones would make {(long)promptIds.Count + maxNewTokens}, but " +
                $"{Config.ModelName} reads at most {Config.NCtx} (NCtx). Ask for at most {Math.Max(0, Config.NCtx - promptIds.Count)} new tokens, or shorten the prompt.",
                nameof(maxNewTokens));
        foreach (int id in promptIds)
            if (id < 0 || id >= Config.DVocab)
                throw new ArgumentException($"Token id {id} is outside the vocabulary: ids go from 0 to {Config.DVocab - 1}.", nameof(promptIds));
        NextTokenSampler.Validate(temperature, topK, topP); // before the first step runs, not when enumeration starts
        var runner = hooks is null ? HookRunner.None : new HookRunner(GroupHooks([.. hooks]));
        int[] prompt = [.. promptIds];
        return Steps(prompt, maxNewTokens, () => new NextTokenSampler(temperature, topK, topP, seed), useKvCache, stopAtEndOfText, topCandidates, runner);
    }

    // Each enumeration starts over from the prompt with a fresh sampler and KV cache, so enumerating twice with a
    // seed gives the same steps twice.
    private IEnumerable<GenerationStep> Steps(int[] prompt, int maxNewTokens, Func<NextTokenSampler> newSampler, bool useKvCache,
        bool stopAtEndOfText, int topCandidates, HookRunner hooks)
    {
        var ids = new List<int>(prompt);
        using var sampler = newSampler();
        using var cache = useKvCache ? new KeyValueCache(Config, batch: 1, Device) : null;
        for (int index = 0; index < maxNewTokens; index++)
        {
            var step = NextStep(ids, index, sampler, cache, topCandidates, hooks);
            ids.Add(step.TokenId);
            yield return step;
            if (stopAtEndOfText && step.TokenId == Gpt2Tokenizer.EndOfTextId) yield break;
        }
    }

    private GenerationStep NextStep(List<int> ids, int index, NextTokenSampler sampler, KeyValueCache? cache, int topCandidates, HookRunner hooks)
    {
        ThrowIfDisposed();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        // With a cache, only the positions it has not seen yet go through the network (the whole prompt at first, then one token).
        int start = cache?.Length ?? 0;
        var input = torch.tensor(ids.Skip(start).Select(i => (long)i).ToArray(), [1, ids.Count - start], device: Device);
        // A few new positions (every step after the first, and a short prompt): the cores go to the few-row kernels
        // for the whole step, choosing the token included, so libtorch's idle threads do not spin into the next step.
        using var cores = FastPath.CoresForFewRows(ids.Count - start);
        var logits = _network.Forward(input, hooks, cache, lastPositionOnly: true)[0, -1].cpu(); // [d_vocab]
        // A vocabulary padded past the tokenizer's (as nanoGPT's 50304) has ids no text has: never choose them.
        if (Config.DVocab > Tokenizer.VocabSize) logits = logits.narrow(0, 0, Tokenizer.VocabSize);
        var (token, probability, top) = sampler.Choose(logits, topCandidates);
        return new GenerationStep(index, token, Tokenizer.TokenText(token), probability,
            top.Select(c => new TokenCandidate(c.Id, Tokenizer.TokenText(c.Id), c.Probability)).ToArray());
    }

    /// <summary>An empty KV cache for this model, for <see cref="ForwardWithCache"/>.</summary>
    public KeyValueCache NewKeyValueCache(int batch = 1)
    {
        ThrowIfDisposed();
        ArgumentOutOfRangeException.ThrowIfLessThan(batch, 1);
        return new KeyValueCache(Config, batch, Device);
    }

    /// <summary>
    /// Runs only the new tokens [batch, new], attending to everything already in <paramref name="cache"/>, and adds
    /// them to it: logits [batch, new, d_vocab]. This is what generation with a KV cache does at every step.
    /// If the step fails (a hook throws), the cache is left as it was.
    /// </summary>
    public Tensor ForwardWithCache(Tensor newTokens, KeyValueCache cache, params (string Name, HookFunction Hook)[] hooks)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(cache);
        if (!ReferenceEquals(cache.Config, Config) && cache.Config != Config)
            throw new ArgumentException("This KV cache was made for a different model; make one with model.NewKeyValueCache().", nameof(cache));
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = PrepareTokens(newTokens, cache.Length);
        if (ids.shape[0] != cache.Batch)
            throw new ArgumentException($"The cache holds {cache.Batch} sequence(s) but {ids.shape[0]} were given.", nameof(newTokens));
        var runner = hooks.Length == 0 ? HookRunner.None : new HookRunner(GroupHooks(hooks));
        return _network.Forward(ids, runner, cache).MoveToOuterDisposeScope();
    }
}
