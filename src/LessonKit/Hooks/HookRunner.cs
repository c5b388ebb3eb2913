using TorchSharp;
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
    private readonly DisposeScope? _learnerScope;

    /// <summary>Made where the learner asks for the run: the dispose scope open there (if any) receives what hooks make.</summary>
    public HookRunner(IReadOnlyDictionary<string, HookFunction[]>? hooks = null, ActivationCache? cache = null, Func<string, bool>? cacheFilter = null)
    {
        _hooks = hooks ?? new Dictionary<string, HookFunction[]>();
        _cache = cache;
        _cacheFilter = cacheFilter;
        _learnerScope = torch.CurrentDisposeScope;
    }

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
        using (var hookScope = torch.NewDisposeScope())
        {
            try
            {
                // The hook gets its own handle on the activation's memory: an in-place edit reaches this pass, and the
                // hook may keep the handle, or dispose it, without touching the pass's own.
                replacement = function(activation.alias(), point);
            }
            catch (Exception error)
            {
                throw new HookException(point.Name, error);
            }
            // What the hook made (that handle, a copy it kept for later, its replacement) is the learner's, as any tensor
            // made in a cell: it lives until the learner's dispose scope ends, or until garbage collection if there is none,
            // not only until the end of this pass.
            hookScope.MoveToOther(_learnerScope, [.. hookScope.DisposablesView]);
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
