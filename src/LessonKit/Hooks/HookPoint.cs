namespace LessonKit;

/// <summary>
/// A named place inside the model where an activation can be read or replaced, as in TransformerLens.
/// A hook function receives the activation and this description of where it is.
/// </summary>
/// <param name="Name">The full hook name, such as <c>blocks.3.attn.hook_pattern</c>.</param>
/// <param name="Layer">The block the hook sits in, or <c>null</c> for <c>hook_embed</c>, <c>hook_pos_embed</c> and <c>ln_final.*</c>.</param>
public sealed record HookPoint(string Name, int? Layer)
{
    /// <summary>The part after the layer: <c>attn.hook_pattern</c> for <c>blocks.3.attn.hook_pattern</c>.</summary>
    public string LocalName => Layer is int l ? Name[$"blocks.{l}.".Length..] : Name;

    /// <summary>The full hook name, such as <c>blocks.3.attn.hook_pattern</c>.</summary>
    public override string ToString() => Name;
}

/// <summary>
/// A function run at a hook point: it gets the activation and the hook point, and returns a tensor to use
/// instead, or <c>null</c> to keep the activation as it is. An in-place edit (<c>act.mul_(0)</c>) changes this run.
/// The activation it gets, and every tensor it makes, are freed when the run ends, so a loop of hooked runs holds no
/// memory. To keep one for later, take it out of the run:
/// <c>saved = act.clone().DetachFromDisposeScope();</c> (or <c>MoveToOuterDisposeScope()</c>, to hand it to the
/// dispose scope around the run). <see cref="HookedGpt2.RunWithCache(TorchSharp.torch.Tensor, Func{string, bool}?)"/>
/// keeps activations without a hook.
/// </summary>
public delegate TorchSharp.torch.Tensor? HookFunction(TorchSharp.torch.Tensor activation, HookPoint hook);
