using LessonKit.Model;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>
    /// Runs the model with your attention function in place of its own, in every layer, and returns the logits
    /// [batch, pos, d_vocab]. Each block calls <paramref name="attention"/> with the first LayerNorm's output
    /// x [batch, pos, d_model] and that layer's <see cref="AttentionWeights"/> (copies: your function may change them),
    /// and adds what it returns, [batch, pos, d_model], to the residual stream. Nothing of the model's own attention
    /// runs: not its code, not its fast paths, not the hook points inside it (<c>attn.hook_q</c> … <c>attn.hook_z</c>);
    /// everything else (embeddings, LayerNorms, MLPs, unembedding) is the model's. The causal mask is yours to apply.
    /// <code>
    /// Tensor MyAttention(Tensor x, AttentionWeights w) { ... }
    /// var logits = model.RunWithAttention(tokens, MyAttention);   // compare with model.Forward(tokens)
    /// </code>
    /// A function that throws or returns the wrong shape stops the run with an <see cref="AttentionFunctionException"/>
    /// that names the layer.
    /// </summary>
    public Tensor RunWithAttention(Tensor tokens, Func<Tensor, AttentionWeights, Tensor> attention)
    {
        ArgumentNullException.ThrowIfNull(attention);
        return Run(tokens, HookRunner.None, new AttentionReplacement(attention));
    }

    /// <summary>
    /// <see cref="RunWithAttention"/>, also caching the activations the filter accepts (the attention's inner hook
    /// points do not exist in such a run; <c>hook_attn_out</c> holds what your function returned).
    /// </summary>
    internal (Tensor Logits, ActivationCache Cache) RunWithAttentionAndCache(Tensor tokens, Func<Tensor, AttentionWeights, Tensor> attention,
        Func<string, bool>? namesFilter)
    {
        ArgumentNullException.ThrowIfNull(attention);
        var cache = new ActivationCache(Config, Tokenizer);
        try
        {
            return (Run(tokens, new HookRunner(null, cache, namesFilter), new AttentionReplacement(attention)), cache);
        }
        catch
        {
            cache.Dispose();
            throw;
        }
    }
}
