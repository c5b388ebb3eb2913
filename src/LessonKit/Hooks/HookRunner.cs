using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// What one forward pass does at each hook point: run the hook functions registered there (which may replace the
/// activation), then save the activation in the cache when the names filter asks for it. A pass with no hooks and
/// no cache uses <see cref="None"/>, and every hook point costs one dictionary look-up at most.
/// </summary>
internal sealed class HookRunner
{
    private readonly IReadOnlyDictionary<string, HookFunction[]> _hooks;
    private readonly ActivationCache? _cache;
    private readonly Func<string, bool>? _cacheFilter;

    public HookRunner(IReadOnlyDictionary<string, HookFunction[]>? hooks = null, ActivationCache? cache = null, Func<string, bool>? cacheFilter = null)
    {
        _hooks = hooks ?? new Dictionary<string, HookFunction[]>();
        _cache = cache;
        _cacheFilter = cacheFilter;
    }

    /// <summary>The cache this pass fills, or null.</summary>
    public ActivationCache? Cache => _cache;

    /// <summary>A runner that watches nothing: the plain forward pass.</summary>
    public static HookRunner None { get; } = new();

    /// <summary>Whether a hook function is registered at this point (so it may change the activation).</summary>
    public bool HasHook(HookPoint point) => _hooks.Count > 0 && _hooks.ContainsKey(point.Name);

    /// <summary>Whether this point's activation is saved in the cache.</summary>
    public bool Caches(HookPoint point) => _cache is not null && (_cacheFilter is null || _cacheFilter(point.Name));

    /// <summary>Whether anything at all happens at this point.</summary>
    public bool Watches(HookPoint point) => HasHook(point) || Caches(point);

    /// <summary>Runs the hooks at <paramref name="point"/> and caches the result; returns the activation to continue with.</summary>
    public Tensor Run(HookPoint point, Tensor activation)
    {
        if (_hooks.Count > 0 && _hooks.TryGetValue(point.Name, out var functions))
            foreach (var function in functions) activation = RunOne(function, point, activation);
        if (Caches(point)) _cache!.Add(point.Name, activation);
        return activation;
    }

    private Tensor RunOne(HookFunction function, HookPoint point, Tensor activation)
    {
        Tensor? replacement;
        try
        {
            // The hook gets its own handle on the activation's memory: an in-place edit reaches this pass, and a hook
            // that disposes its handle leaves the pass's own intact. Like everything the hook makes, the handle belongs to
            // this pass's dispose scope and is freed when the run ends (a loop of hooked runs holds no memory), unless the
            // hook takes it out with DetachFromDisposeScope() or MoveToOuterDisposeScope().
            replacement = function(activation.alias(), point);
        }
        catch (Exception error)
        {
            throw new HookException(point.Name, error);
        }
        if (replacement is null || ReferenceEquals(replacement, activation)) return activation;
        if (replacement.IsInvalid)
            throw new HookException(point.Name, $"the hook returned a disposed tensor.");
        if (!replacement.shape.SequenceEqual(activation.shape))
            throw new HookException(point.Name,
                $"the hook returned a tensor of shape [{string.Join(", ", replacement.shape)}], but the activation has shape " +
                $"[{string.Join(", ", activation.shape)}]. A hook must return a tensor of the same shape (or null to keep the activation).");
        if (replacement.dtype != activation.dtype) replacement = replacement.to(activation.dtype);
        if (replacement.device != activation.device) replacement = replacement.to(activation.device);
        return replacement;
    }
}

/// <summary>A hook function failed or returned something the model cannot use. The model itself is unchanged.</summary>
public sealed class HookException : InvalidOperationException
{
    internal HookException(string hookName, Exception inner)
        : base($"The hook on '{hookName}' threw {inner.GetType().Name}: {inner.Message}", inner) => HookName = hookName;

    internal HookException(string hookName, string problem)
        : base($"The hook on '{hookName}' failed: {problem}") => HookName = hookName;

    /// <summary>The hook point whose hook failed.</summary>
    public string HookName { get; }
}
