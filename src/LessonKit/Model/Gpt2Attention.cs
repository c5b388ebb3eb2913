using LessonKit.Hooks;
using LessonKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// Multi-head causal self-attention, computed step by step so every intermediate is a hook point:
/// q, k, v [batch, pos, head, d_head] → scores = q·kᵀ / √d_head with the causal mask [batch, head, query, key]
/// → pattern = softmax(scores) → z = pattern·v [batch, pos, head, d_head] → output projection [batch, pos, d_model].
/// </summary>
internal sealed class Gpt2Attention : nn.Module
{
#pragma warning disable IDE1006
    private readonly Conv1D c_attn; // d_model → 3·d_model: queries, keys and values of every head at once
    private readonly Conv1D c_proj; // d_model → d_model: the heads' outputs mixed back into the residual stream
#pragma warning restore IDE1006
    private readonly int _nHeads;
    private readonly int _dHead;
    private readonly double _scale;
    private readonly BlockHookPoints _points;

    public Gpt2Attention(Gpt2Config config, BlockHookPoints points, Device device) : base(nameof(Gpt2Attention))
    {
        c_attn = new Conv1D(config.DModel, 3 * config.DModel, device);
        c_proj = new Conv1D(config.DModel, config.DModel, device);
        _nHeads = config.NHeads;
        _dHead = config.DHead;
        _scale = 1.0 / Math.Sqrt(config.DHead);
        _points = points;
        RegisterComponents();
    }

    /// <summary>d_model → 3·d_model: every head's query, key and value.</summary>
    public Conv1D QkvProjection => c_attn;

    /// <summary>d_model → d_model: the heads' outputs back into the residual stream.</summary>
    public Conv1D OutProjection => c_proj;

    /// <param name="x">The first LayerNorm's output [batch, pos, d_model].</param>
    /// <param name="hooks">Runs the hook functions and fills the cache at this layer's attention hook points.</param>
    /// <param name="causalMask">[query, key], keys including any cached past: true where the query may attend to the key; null when every key is allowed.</param>
    /// <param name="pastKeysValues">This layer's KV cache during generation, or null.</param>
    /// <param name="replacement">An attention function to run instead of this one (<see cref="HookedGpt2.RunWithAttention"/>), or null.</param>
    /// <returns>The attention output [batch, pos, d_model] (before it is added to the residual stream).</returns>
    public Tensor Forward(Tensor x, HookRunner hooks, Tensor? causalMask, LayerKeyValueCache? pastKeysValues, AttentionReplacement? replacement = null)
    {
        // Your attention instead of this one: it gets x and this layer's weights, and nothing below runs (no fast path).
        if (replacement is not null)
        {
            if (pastKeysValues is not null) throw new InvalidOperationException("A replacement attention runs without a KV cache.");
            return replacement.Run(x, _points.Layer, c_attn, c_proj, _nHeads);
        }

        long batch = x.size(0), positions = x.size(1);

        // One matmul makes every head's query, key and value: [batch, pos, 3, head, d_head].
        var qkv = c_attn.Forward(x).view(batch, positions, 3, _nHeads, _dHead);
        var z = FastPath.TryOneQueryAttention(qkv, pastKeysValues, hooks, _points, _scale) // a generation step: Kernels/FastPath.cs
            ?? Attention(qkv, hooks, causalMask, pastKeysValues);                          // [batch, pos, head, d_head]
        return c_proj.Forward(z.reshape(batch, positions, _nHeads * _dHead));
    }

    /// <summary>Scaled dot-product attention with the causal mask, for every position of <paramref name="qkv"/> [batch, pos, 3, head, d_head]: z [batch, pos, head, d_head].</summary>
    private Tensor Attention(Tensor qkv, HookRunner hooks, Tensor? causalMask, LayerKeyValueCache? pastKeysValues)
    {
        var q = hooks.Run(_points.Q, qkv.select(2, 0)); // [batch, pos, head, d_head]
        var k = hooks.Run(_points.K, qkv.select(2, 1));
        var v = hooks.Run(_points.V, qkv.select(2, 2));

        var queries = q.transpose(1, 2); // [batch, head, query, d_head]
        var keys = k.transpose(1, 2);    // [batch, head, key, d_head]
        var values = v.transpose(1, 2);  // [batch, head, key, d_head]
        if (pastKeysValues is not null) (keys, values) = pastKeysValues.Append(keys, values); // keys and values of every position so far

        // How much each query matches each key, scaled so the softmax does not saturate as d_head grows.
        var scores = torch.matmul(queries, keys.transpose(-2, -1)).mul_(_scale); // [batch, head, query, key]
        if (causalMask is not null) scores.masked_fill_(causalMask.logical_not(), double.NegativeInfinity); // no looking ahead
        scores = hooks.Run(_points.AttnScores, scores);
        var pattern = hooks.Run(_points.Pattern, scores.softmax(-1)); // each row sums to 1 over the keys

        return hooks.Run(_points.Z, torch.matmul(pattern, values).transpose(1, 2)); // [batch, pos, head, d_head]
    }
}
