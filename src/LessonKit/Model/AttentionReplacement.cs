using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// An attention function that takes the place of the model's own in every layer, for one forward pass
/// (<see cref="HookedGpt2.RunWithAttention"/>). <see cref="Gpt2Attention"/> hands it the first LayerNorm's output and
/// the layer's weights, and returns what it computes; nothing of the model's attention runs, fast paths included.
/// </summary>
internal sealed class AttentionReplacement(Func<Tensor, AttentionWeights, Tensor> attention)
{
    /// <summary>Runs the replacement at one layer, handing it <paramref name="x"/> and that layer's weights.</summary>
    /// <param name="x">The first LayerNorm's output [batch, pos, d_model].</param>
    /// <param name="layer">The layer's index, for the weights and for error messages.</param>
    /// <param name="cAttn">The layer's <c>c_attn</c>: query, key and value projections in one [d_model, 3·d_model] weight.</param>
    /// <param name="cProj">The layer's <c>c_proj</c>: the output projection [d_model, d_model].</param>
    /// <param name="nHeads">The number of heads.</param>
    /// <returns>The attention output [batch, pos, d_model], checked: the shape, a floating-point type, not freed.</returns>
    public Tensor Run(Tensor x, int layer, Conv1D cAttn, Conv1D cProj, int nHeads)
    {
        // Copies: the function may change its inputs in place (x.div_(...)) without touching the weights or a cache.
        var weights = new AttentionWeights(AttentionWeights.ContiguousCopy(cAttn.Weight), AttentionWeights.ContiguousCopy(cAttn.Bias),
            AttentionWeights.ContiguousCopy(cProj.Weight), AttentionWeights.ContiguousCopy(cProj.Bias), nHeads, layer);
        Tensor? output;
        try
        {
            output = attention(x.clone(), weights);
        }
        catch (Exception error)
        {
            throw new AttentionFunctionException(layer, error);
        }

        if (output is null) throw new AttentionFunctionException(layer, "returned null. Return the layer's output [batch, pos, d_model].");
        if (output.IsInvalid)
            throw new AttentionFunctionException(layer, "returned a tensor that was already freed (a `using`, or a dispose scope inside the function). " +
                "Return the result itself, or result.MoveToOuterDisposeScope() from inside your own scope.");
        if (!output.shape.SequenceEqual(x.shape))
            throw new AttentionFunctionException(layer,
                $"returned shape [{string.Join(", ", output.shape)}], but an attention layer returns what it was given: [batch, pos, d_model] = [{string.Join(", ", x.shape)}].");
        if (!output.is_floating_point())
            throw new AttentionFunctionException(layer, $"returned {output.dtype} values; the layer's output is floating-point, like x.");
        return output.to(x.dtype, x.device);
    }
}
