using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>
/// GPT-2's causal mask, [query, key]: <b>true where the query may attend to the key</b>, that is where the key is the
/// query itself or comes before it (the lower triangle, diagonal included). Attention sets the scores where it is
/// false to −∞, so a token never sees the tokens after it.
/// </summary>
/// <remarks>
/// "True = may attend" is the one meaning of a mask in LessonKit: the model, the lessons' exercises and their reference
/// answers (<c>Lessons/AttentionReference.cs</c>) all make the mask here. It is the meaning the lessons teach, the one
/// PyTorch's <c>scaled_dot_product_attention</c> gives a bool mask, and what the original GPT-2 checkpoints store as
/// each layer's <c>attn.bias</c> buffer (a lower triangle of ones).
/// </remarks>
internal static class CausalMask
{
    /// <summary>The mask for <paramref name="positions"/> queries and as many keys: [positions, positions], bool.</summary>
    public static Tensor Make(long positions, Device? device = null) =>
        torch.ones(positions, positions, dtype: ScalarType.Bool, device: device).tril();
}
