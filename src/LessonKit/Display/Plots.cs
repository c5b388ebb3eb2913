using LessonKit.Display;
using LessonKit.Display.Data;
using LessonKit.Display.Views;
using static TorchSharp.torch;

namespace LessonKit;

/// <summary>
/// The views of LessonKit: attention (head view, model view, patterns, head finder), tokens coloured by a value,
/// next-token charts, positional encodings, the forward-pass pipeline, charts of your own data (line, bar,
/// heatmap: see Plots.Charts.cs) and of a lesson's measurements (head scores, tables: see Plots.Measurements.cs).
/// Each returns a <see cref="View"/> that
/// shows itself when it is the last expression of a notebook cell (or passed to <c>display(...)</c>), and has
/// <see cref="View.ToHtml"/>, <see cref="View.SaveHtml"/> and a text <see cref="object.ToString"/>.
/// Everything renders offline; token text is always shown as text.
/// </summary>
public static partial class Plots
{
    // Every attention view takes the cache alone (it knows its tokens) or the cache and the tokens to show. A cache of
    // a batch is shown for its first sequence, with a note saying so. Tokens passed in must be one per cached position.

    /// <summary>
    /// bertviz's head view of one layer: query tokens on the left, key tokens on the right, a line per attention
    /// weight, one colour per head; a layer selector, head toggles, hover to focus a token. The tokens are the ones
    /// the cache was made from (a batch shows its first sequence).
    /// </summary>
    /// <param name="cache">The cache of a forward pass (<c>model.RunWithCache(tokens)</c>).</param>
    /// <param name="layer">The layer shown first (negative counts from the end).</param>
    public static HeadView HeadView(ActivationCache cache, int layer = 0) =>
        new(cache, CacheTokens(cache, "Plots.HeadView(cache, model.ToStrTokens(text))"), layer);

    /// <summary>
    /// bertviz's head view of one layer, with the tokens labelled as given: query tokens on the left, key tokens on the
    /// right, a line per attention weight, one colour per head; a layer selector, head toggles, hover to focus a token.
    /// </summary>
    /// <param name="cache">The cache of a forward pass (<c>model.RunWithCache(tokens)</c>).</param>
    /// <param name="tokens">The text's tokens, <c>model.ToStrTokens(text)</c>, one per cached position.</param>
    /// <param name="layer">The layer shown first (negative counts from the end).</param>
    public static HeadView HeadView(ActivationCache cache, string[] tokens, int layer = 0) => new(cache, tokens, layer);

    /// <summary>bertviz's model view: every layer × head as a small pattern; click one to enlarge it. Tokens from the cache.</summary>
    public static ModelView ModelView(ActivationCache cache) => new(cache, CacheTokens(cache, "Plots.ModelView(cache, model.ToStrTokens(text))"));

    /// <summary>bertviz's model view: every layer × head as a small pattern; click one to enlarge it.</summary>
    public static ModelView ModelView(ActivationCache cache, string[] tokens) => new(cache, tokens);

    /// <summary>CircuitsVis-style attention patterns of one layer: one heatmap per head, token labels from the cache, hover values.</summary>
    public static AttentionPatternsView AttentionPatterns(ActivationCache cache, int layer) =>
        new(cache, layer, CacheTokens(cache, "Plots.AttentionPatterns(cache, layer, model.ToStrTokens(text))"));

    /// <summary>CircuitsVis-style attention patterns of one layer: one heatmap per head, token labels, hover values.</summary>
    public static AttentionPatternsView AttentionPatterns(ActivationCache cache, int layer, string[] tokens) => new(cache, layer, tokens);

    /// <summary>One head's attention pattern as a large heatmap with token labels from the cache and hover values.</summary>
    public static AttentionPatternView AttentionPattern(ActivationCache cache, int layer, int head) =>
        new(cache, layer, head, CacheTokens(cache, "Plots.AttentionPattern(cache, layer, head, model.ToStrTokens(text))"));

    /// <summary>One head's attention pattern as a large heatmap with token labels and hover values.</summary>
    public static AttentionPatternView AttentionPattern(ActivationCache cache, int layer, int head, string[] tokens) => new(cache, layer, head, tokens);

    /// <summary>
    /// Ranks every (layer, head) by the attention from the token at <paramref name="fromPosition"/> (the query) to the
    /// token at <paramref name="toPosition"/> (the key, at or before the query), and shows the winner's pattern.
    /// Tokens from the cache.
    /// </summary>
    public static HeadFinderView HeadFinder(ActivationCache cache, int fromPosition, int toPosition) =>
        new(cache, CacheTokens(cache, "Plots.HeadFinder(cache, model.ToStrTokens(text), from, to)"), fromPosition, toPosition);

    /// <summary>
    /// Ranks every (layer, head) by the attention from the token at <paramref name="fromPosition"/> (the query) to the
    /// token at <paramref name="toPosition"/> (the key, at or before the query), and shows the winner's pattern.
    /// </summary>
    public static HeadFinderView HeadFinder(ActivationCache cache, string[] tokens, int fromPosition, int toPosition) =>
        new(cache, tokens, fromPosition, toPosition);

    /// <summary>
    /// Ranks every (layer, head) by the attention from one token to another, found by text among the tokens the cache
    /// was made from: <c>HeadFinder(cache, "it", "cat")</c>. Tokens match as in
    /// <see cref="HeadFinder(ActivationCache, string[], string, string)"/>.
    /// </summary>
    public static HeadFinderView HeadFinder(ActivationCache cache, string fromToken, string toToken) =>
        HeadFinder(cache, CacheTokens(cache, "Plots.HeadFinder(cache, model.ToStrTokens(text), fromToken, toToken)"), fromToken, toToken);

    /// <summary>
    /// Ranks every (layer, head) by the attention from one token to another, found by text: <c>HeadFinder(cache,
    /// tokens, "it", "cat")</c>. Tokens match when equal with surrounding spaces trimmed (exactly, or ignoring case
    /// if no token in range matches exactly). The from token is its LAST occurrence; the to token is its last
    /// occurrence BEFORE that (the nearest earlier one). Throws with the list of tokens when either is not found.
    /// </summary>
    public static HeadFinderView HeadFinder(ActivationCache cache, string[] tokens, string fromToken, string toToken)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        AttentionSource.CheckTokens(tokens);
        var (from, to) = TokenSearch.FromTo(tokens, fromToken, toToken);
        return new HeadFinderView(cache, tokens, from, to);
    }

    /// <summary>Tokens shaded by a value each (logit lens probabilities, per-token loss, a neuron's activation); hover for the value.</summary>
    public static ColoredTokensView ColoredTokens(string[] tokens, IReadOnlyList<float> values, string? title = null) => new(tokens, values, title);

    /// <summary>The most likely next tokens as a bar chart.</summary>
    public static NextTokensView NextTokens(IReadOnlyList<TokenCandidate> candidates, string? title = null) => new(candidates, title);

    /// <summary>Generation step by step: the chosen token, its probability and the candidates at each step.</summary>
    public static GenerationTableView GenerationTable(IReadOnlyList<GenerationStep> steps) => new(steps);

    /// <summary>
    /// A positional encoding [position, d_model] as a heatmap: <c>PositionalEncoding.Sinusoidal(100, 128)</c> or
    /// GPT-2's learned position embeddings alike.
    /// </summary>
    public static PositionalHeatmapView PositionalHeatmap(Tensor encoding, string title) => new(encoding, title);

    /// <summary>
    /// The cosine similarity of one position's encoding with every other, as a curve and a table (by default
    /// <paramref name="fromPosition"/> against the positions 1, 5, 10 and 50 later).
    /// </summary>
    public static PositionSimilarityView PositionSimilarity(Tensor encoding, int fromPosition = 0, int[]? highlight = null) =>
        new(encoding, fromPosition, highlight);

    /// <summary>
    /// The forward pass in five expandable stages: tokenization, embedding, attention, MLP and output. The tokens, their
    /// ids and the text of each candidate next token come from the cache (a batch shows its first sequence).
    /// </summary>
    /// <param name="cache">The cache of the forward pass (<c>model.RunWithCache(tokens)</c>).</param>
    /// <param name="logits">The same pass's output, [1, T, d_vocab] (or [T, d_vocab]); the last position's row is used.</param>
    public static PipelineView Pipeline(ActivationCache cache, Tensor logits)
    {
        string[] tokens = CacheTokens(cache, "Plots.Pipeline(cache, tokens, ids, logits, id => model.Tokenizer.Decode([id]))");
        return new(cache, tokens, cache.TokenIdsOf(0), logits, cache.TokenText);
    }

    /// <summary>
    /// The forward pass in five expandable stages: tokenization, embedding, attention, MLP and output.
    /// </summary>
    /// <param name="cache">The cache of the forward pass.</param>
    /// <param name="tokens">The tokens' text, one per position.</param>
    /// <param name="ids">The tokens' ids, one per position.</param>
    /// <param name="logits">The model's output, [1, T, d_vocab] (or [T, d_vocab]); the last position's row is used.</param>
    /// <param name="tokenText">Turns a token id into its text (<c>id => model.Tokenizer.Decode([id])</c>).</param>
    public static PipelineView Pipeline(ActivationCache cache, string[] tokens, int[] ids, Tensor logits, Func<int, string> tokenText) =>
        new(cache, tokens, ids, logits, tokenText);

    /// <summary>The tokens a view of <paramref name="cache"/> shows when none are passed; <paramref name="call"/> is the call with tokens, for the error.</summary>
    private static string[] CacheTokens(ActivationCache cache, string call)
    {
        ArgumentNullException.ThrowIfNull(cache);
        return cache.TokensForView(call);
    }
}
