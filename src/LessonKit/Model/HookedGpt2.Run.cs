using LessonKit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>Logits [batch, pos, d_vocab] for token ids [pos] or [batch, pos]: every position's score for every next token.</summary>
    public Tensor Forward(Tensor tokens) => Run(tokens, HookRunner.None);

    /// <summary>Logits [1, pos, d_vocab] for a text, with <c>&lt;|endoftext|&gt;</c> prepended.</summary>
    public Tensor Forward(string text)
    {
        using var tokens = ToTokens(text);
        return Forward(tokens);
    }

    /// <summary>
    /// Runs the model and keeps the activations at the hook points <paramref name="namesFilter"/> accepts (every hook
    /// point when null). The cache also keeps the token ids it was made from, [batch, pos], and their text
    /// (<see cref="ActivationCache.StrTokens"/>), so views need only the cache. Dispose the cache when done with it.
    /// <code>var (logits, cache) = model.RunWithCache(tokens, name => name.EndsWith("hook_pattern"));</code>
    /// </summary>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(Tensor tokens, Func<string, bool>? namesFilter = null) =>
        RunWithHooksAndCache(tokens, namesFilter);

    /// <summary>
    /// Runs the model on a text, with <c>&lt;|endoftext|&gt;</c> prepended (as <see cref="ToTokens"/> does), and keeps the
    /// activations at the hook points <paramref name="namesFilter"/> accepts (every one when null). The cache knows the
    /// text's tokens (<see cref="ActivationCache.StrTokens"/>), so <c>Plots.HeadView(cache)</c> needs nothing else.
    /// </summary>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(string text, Func<string, bool>? namesFilter = null)
    {
        using var tokens = ToTokens(text);
        return RunWithCache(tokens, namesFilter);
    }

    /// <summary>
    /// Runs the model and keeps only the named activations: full names (<c>blocks.0.attn.hook_pattern</c>, every one
    /// of <see cref="HookPointNames"/>), or the short names of points outside the blocks (<c>embed</c>, <c>pos_embed</c>,
    /// <c>scale</c> and <c>normalized</c> for <c>ln_final</c>). An unknown name is an error that suggests the closest ones.
    /// </summary>
    public (Tensor Logits, ActivationCache Cache) RunWithCache(Tensor tokens, IEnumerable<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var wanted = names.Select(ResolvedHookName).ToHashSet(StringComparer.Ordinal);
        return RunWithCache(tokens, wanted.Contains);
    }

    /// <summary>
    /// Runs the model with hook functions at the named hook points, and returns the logits. A hook gets the activation
    /// and its <see cref="HookPoint"/> and returns a replacement (same shape) or null to keep it. The hooks apply to
    /// this call only; nothing stays attached to the model, even when a hook throws.
    /// <code>model.RunWithHooks(tokens, ("blocks.3.attn.hook_pattern", (act, hook) => act * 0));</code>
    /// </summary>
    public Tensor RunWithHooks(Tensor tokens, params (string Name, HookFunction Hook)[] hooks) =>
        Run(tokens, new HookRunner(GroupHooks(hooks)));

    /// <summary>Runs with hooks and also caches the activations the filter accepts (after the hooks have run).</summary>
    public (Tensor Logits, ActivationCache Cache) RunWithHooksAndCache(Tensor tokens, Func<string, bool>? namesFilter, params (string Name, HookFunction Hook)[] hooks)
    {
        var cache = new ActivationCache(Config, Tokenizer);
        try
        {
            return (Run(tokens, new HookRunner(GroupHooks(hooks), cache, namesFilter)), cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }

    private Dictionary<string, HookFunction[]> GroupHooks((string Name, HookFunction Hook)[] hooks)
    {
        ArgumentNullException.ThrowIfNull(hooks);
        foreach (var (name, hook) in hooks)
            if (hook is null) throw new ArgumentNullException(nameof(hooks), $"The hook function for '{name}' is null.");
        // Grouped by full name, in the order given: a short name ("embed") and its full name are one hook point.
        return hooks.GroupBy(h => ResolvedHookName(h.Name), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Select(h => h.Hook).ToArray(), StringComparer.Ordinal);
    }

    /// <summary>A full hook name for a full or outside-the-blocks short name; an unknown one is an ArgumentException.</summary>
    private string ResolvedHookName(string name)
    {
        if (name is null) throw new ArgumentNullException(nameof(name), "A hook name in the list is null.");
        try
        {
            return HookNames.Resolve(name, null, null, Config.NLayers);
        }
        catch (KeyNotFoundException unknown)
        {
            throw new ArgumentException(unknown.Message, nameof(name), unknown);
        }
    }

    /// <summary>
    /// One forward pass without autograd; every intermediate tensor is freed except the logits and what the cache keeps.
    /// With <paramref name="attention"/>, that function replaces the attention of every block.
    /// </summary>
    private Tensor Run(Tensor tokens, HookRunner hooks, AttentionReplacement? attention = null)
    {
        ThrowIfDisposed();
        using var noGrad = torch.no_grad();
        using var scope = torch.NewDisposeScope();
        var ids = PrepareTokens(tokens);
        hooks.Cache?.KeepTokens(ids); // so a view of the cache needs nothing else
        return _network.Forward(ids, hooks, attention: attention).MoveToOuterDisposeScope();
    }
}
