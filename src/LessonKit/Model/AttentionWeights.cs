using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// One attention layer's weights, as Hugging Face ships them, and how many heads share them: what an attention
/// function of your own gets from <see cref="HookedGpt2.RunWithAttention"/> in each layer. The layer computes
/// <code>
///   qkv = x · CAttnWeight + CAttnBias                  [batch, pos, 3·d_model]: queries, then keys, then values
///   head h of each third: columns h·d_head … (h+1)·d_head − 1
///   z   = softmax(q·kᵀ / √d_head, causal mask) · v      per head: [batch, head, pos, d_head]
///   out = (z with the heads side by side) · CProjWeight + CProjBias     [batch, pos, d_model]
/// </code>
/// </summary>
public sealed class AttentionWeights
{
    /// <summary>
    /// Wraps the four tensors of one layer (checking that their shapes fit together). <see cref="FromModel"/> takes
    /// them from a model; tests and checkers make them up.
    /// </summary>
    public AttentionWeights(Tensor cAttnWeight, Tensor cAttnBias, Tensor cProjWeight, Tensor cProjBias, int nHeads, int layer = 0)
    {
        ArgumentNullException.ThrowIfNull(cAttnWeight);
        ArgumentNullException.ThrowIfNull(cAttnBias);
        ArgumentNullException.ThrowIfNull(cProjWeight);
        ArgumentNullException.ThrowIfNull(cProjBias);
        if (cProjWeight.Dimensions != 2 || cProjWeight.shape[0] != cProjWeight.shape[1])
            throw new ArgumentException($"cProjWeight must be [d_model, d_model]; it is {Shape(cProjWeight)}.", nameof(cProjWeight));
        long dModel = cProjWeight.shape[0];
        if (!cAttnWeight.shape.SequenceEqual(new[] { dModel, 3 * dModel }))
            throw new ArgumentException($"cAttnWeight must be [d_model, 3·d_model] = [{dModel}, {3 * dModel}]; it is {Shape(cAttnWeight)}.", nameof(cAttnWeight));
        if (!cAttnBias.shape.SequenceEqual(new[] { 3 * dModel }))
            throw new ArgumentException($"cAttnBias must be [3·d_model] = [{3 * dModel}]; it is {Shape(cAttnBias)}.", nameof(cAttnBias));
        if (!cProjBias.shape.SequenceEqual(new[] { dModel }))
            throw new ArgumentException($"cProjBias must be [d_model] = [{dModel}]; it is {Shape(cProjBias)}.", nameof(cProjBias));
        if (nHeads < 1 || dModel % nHeads != 0)
            throw new ArgumentOutOfRangeException(nameof(nHeads), nHeads, $"nHeads must divide d_model = {dModel}.");
        ArgumentOutOfRangeException.ThrowIfNegative(layer);
        CAttnWeight = cAttnWeight;
        CAttnBias = cAttnBias;
        CProjWeight = cProjWeight;
        CProjBias = cProjBias;
        NHeads = nHeads;
        Layer = layer;
    }

    /// <summary>
    /// Copies of layer <paramref name="layer"/>'s attention weights of <paramref name="model"/>
    /// (<c>h.{layer}.attn.c_attn.*</c> and <c>h.{layer}.attn.c_proj.*</c>): changing them changes nothing in the model.
    /// </summary>
    public static AttentionWeights FromModel(HookedGpt2 model, int layer)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (layer < 0 || layer >= model.Config.NLayers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer, $"{model.Config.ModelName} has layers 0 to {model.Config.NLayers - 1}.");
        var weights = model.Weights;
        Tensor Copy(string name) => ContiguousCopy(weights[$"h.{layer}.attn.{name}"]);
        return new AttentionWeights(Copy("c_attn.weight"), Copy("c_attn.bias"), Copy("c_proj.weight"), Copy("c_proj.bias"), model.Config.NHeads, layer);
    }

    /// <summary>The layer these weights belong to (0 for weights made up outside a model).</summary>
    public int Layer { get; }

    /// <summary>How many heads share the layer: each gets d_head = d_model / NHeads of the columns.</summary>
    public int NHeads { get; }

    /// <summary>d_model, the width of the residual stream.</summary>
    public int DModel => (int)CProjWeight.shape[0];

    /// <summary>d_head = d_model / NHeads, the width of one head's queries, keys and values.</summary>
    public int DHead => DModel / NHeads;

    /// <summary>
    /// <c>c_attn.weight</c> [d_model, 3·d_model] (input × output): x · CAttnWeight gives every head's queries (output
    /// columns 0 … d_model − 1), then keys, then values.
    /// </summary>
    public Tensor CAttnWeight { get; }

    /// <summary><c>c_attn.bias</c> [3·d_model], added to the queries, keys and values.</summary>
    public Tensor CAttnBias { get; }

    /// <summary><c>c_proj.weight</c> [d_model, d_model], W_O: the heads' outputs side by side in, the residual stream out.</summary>
    public Tensor CProjWeight { get; }

    /// <summary><c>c_proj.bias</c> [d_model].</summary>
    public Tensor CProjBias { get; }

    /// <summary>The layer and the shapes: heads, d_model, d_head.</summary>
    public override string ToString() => $"AttentionWeights of layer {Layer}: {NHeads} heads, d_model {DModel}, d_head {DHead}";

    /// <summary>A contiguous copy (the model's Conv1D weights are transposed views; a copy with their strides would be too).</summary>
    internal static Tensor ContiguousCopy(Tensor tensor) => torch.empty(tensor.shape, tensor.dtype, tensor.device).copy_(tensor);

    private static string Shape(Tensor tensor) => "[" + string.Join(", ", tensor.shape) + "]";
}
