using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Kernels;

/// <summary>
/// The last and largest product of the model: every position's final residual stream against every token's embedding,
/// <c>logits = x · W_Eᵀ</c> ([batch, pos, d_model] · [d_vocab, d_model]ᵀ → [batch, pos, d_vocab]). GPT-2 ties the
/// unembedding to the token embedding, so the matrix is <c>wte</c> itself; it is a third of all the weights.
/// </summary>
/// <remarks>
/// Two ways to compute it faster than libtorch's <c>linear</c>, chosen by the number of rows only (never by hooks, so
/// a cached or hooked run gives exactly the logits of a plain one; between the ways, values differ in the last bits):
/// <list type="bullet">
/// <item>up to <see cref="FewRowProducts.MaxRows"/> rows (a generation step, a short prompt):
/// <see cref="FewRowProducts.MatrixTimesRows"/>, which reads <c>wte</c> once;</item>
/// <item>up to <see cref="MaxRows"/> rows: <c>wte · xᵀ</c> a block of tokens at a time, each block's [tokens, rows]
/// result transposed into place while it is still in cache. BLAS runs this orientation (a tall matrix times a few
/// columns) faster than <c>x · wteᵀ</c> with its 50257-wide output (<c>bench/README.md</c>).</item>
/// </list>
/// More rows: libtorch's <c>linear</c> wins once a block's result no longer fits in cache, and
/// <see cref="FastPath.TryUnembed"/> leaves them to it.
/// </remarks>
internal static class Unembedding
{
    /// <summary>The most rows the blocked product takes.</summary>
    public const int MaxRows = 256;

    private const int TokensPerBlock = 4096;

    /// <summary>The logits of <paramref name="x"/> [..., d_model] → [..., d_vocab]; null for no rows or more than <see cref="MaxRows"/>.</summary>
    public static Tensor? TryLogits(Tensor x, Tensor tokenEmbedding)
    {
        if (FewRowProducts.Applies(x, tokenEmbedding)) return FewRowProducts.MatrixTimesRows(tokenEmbedding, x);
        long rows = x.NumberOfElements / x.size(-1);
        if (rows > MaxRows || rows == 0) return null;

        long vocabulary = tokenEmbedding.size(0);
        var logits = torch.empty(VectorMath.ShapeWithLast(x, vocabulary), dtype: x.dtype, device: x.device);
        using var scope = torch.NewDisposeScope();
        var columns = x.reshape(rows, x.size(-1)).t();       // [d_model, rows]
        var output = logits.view(rows, vocabulary);          // [rows, d_vocab], the logits' own memory
        for (long first = 0; first < vocabulary; first += TokensPerBlock)
        {
            long count = Math.Min(TokensPerBlock, vocabulary - first);
            var block = tokenEmbedding.narrow(0, first, count).mm(columns); // [tokens, rows]
            output.narrow(1, first, count).copy_(block.t());
        }
        return logits;
    }
}
