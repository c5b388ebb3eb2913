using System.Globalization;
using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display;

/// <summary>
/// The forward pass in five expandable stages: tokenization (tokens and ids), embedding (token + position vectors
/// and their lengths), attention (each layer's pattern, averaged over heads), MLP (how strongly each layer's
/// neurons fire at each token) and output (the most likely next tokens from the last position's logits).
/// Made by <see cref="Plots.Pipeline"/>.
/// </summary>
public sealed class PipelineView : View
{
    /// <summary>How many next-token candidates the output stage lists.</summary>
    public const int TopCandidates = 10;

    private readonly Gpt2Config _config;
    private readonly string[] _tokens;
    private readonly int[] _ids;
    private readonly TokenWindow _window;
    private readonly (double Token, double Position, double Sum)[]? _norms;
    private readonly string? _embeddingProblem;
    private readonly object? _attention;
    private readonly string? _attentionProblem;
    private readonly object? _mlp;
    private readonly string? _mlpProblem;

    internal PipelineView(ActivationCache cache, string[] tokens, int[] ids, Tensor logits, Func<int, string> tokenText) : base("pipeline")
    {
        ArgumentNullException.ThrowIfNull(cache);
        ArgumentNullException.ThrowIfNull(tokens);
        ArgumentNullException.ThrowIfNull(ids);
        TensorReader.CheckAlive(logits, nameof(logits));
        ArgumentNullException.ThrowIfNull(tokenText);
        AttentionSource.CheckTokens(tokens);
        if (ids.Length != tokens.Length)
            throw new ArgumentException($"Pipeline needs one id per token, but got {tokens.Length} tokens and {ids.Length} ids.", nameof(ids));
        if (tokens.Length == 0) throw new ArgumentException("Pipeline needs at least one token.", nameof(tokens));
        _config = cache.Config;
        _tokens = tokens;
        _ids = ids;
        int length = tokens.Length;
        _window = TokenWindow.Last(length, ViewLimits.MaxTokens);
        if (_window.IsCut) AddNote(_window.Note("tokens"));

        Candidates = NextTokenCandidates(logits, length, tokenText);
        (_norms, _embeddingProblem) = Try(() => EmbeddingNorms(cache, length));
        (_attention, _attentionProblem) = Try(() => AttentionData(cache, tokens));
        (_mlp, _mlpProblem) = Try(() => MlpData(cache, length));
    }

    /// <summary>The most likely next tokens after the last position, most likely first.</summary>
    public IReadOnlyList<TokenCandidate> Candidates { get; }

    /// <inheritdoc/>
    public override string Title => $"The forward pass of {_config.ModelName}, stage by stage ({_tokens.Length} tokens)";

    /// <inheritdoc/>
    protected override IReadOnlyList<string> ScriptModules => ["pipeline"];

    /// <inheritdoc/>
    protected override object ScriptData => new { attn = _attention, mlp = _mlp };

    private static (T? Value, string? Problem) Try<T>(Func<T> read) where T : class
    {
        try { return (read(), null); }
        catch (KeyNotFoundException e) { return (null, e.Message); }
    }

    private static TokenCandidate[] NextTokenCandidates(Tensor logits, int length, Func<int, string> tokenText)
    {
        long[] shape = logits.shape;
        bool batched = shape.Length == 3 && shape[0] >= 1;
        if (!(batched || shape.Length == 2) || shape[^2] != length)
            throw new ArgumentException($"logits should be [1, {length}, d_vocab] (or [{length}, d_vocab]) for {length} tokens, but its shape is [{string.Join(", ", shape)}].", nameof(logits));
        float[] last;
        using (torch.NewDisposeScope())
            last = TensorReader.ToFloats(batched ? logits[0, length - 1] : logits[length - 1]);   // [d_vocab]

        // Softmax in double precision, shifted by the maximum so exp never overflows.
        double max = last.Where(float.IsFinite).DefaultIfEmpty(0).Max(), total = 0;
        var p = new double[last.Length];
        for (int i = 0; i < last.Length; i++) { p[i] = float.IsFinite(last[i]) ? Math.Exp(last[i] - max) : 0; total += p[i]; }
        return Enumerable.Range(0, last.Length).OrderByDescending(i => p[i]).Take(TopCandidates)
            .Select(i => new TokenCandidate(i, tokenText(i), (float)(p[i] / total))).ToArray();
    }

    private (double, double, double)[] EmbeddingNorms(ActivationCache cache, int length)
    {
        var (tok, positions, width) = TensorReader.FirstOfBatch(cache["hook_embed"], "hook_embed");         // [pos, d_model]
        var (pos, positions2, width2) = TensorReader.FirstOfBatch(cache["hook_pos_embed"], "hook_pos_embed");
        if (positions != length || positions2 != length || width != width2)
            throw new ArgumentException($"hook_embed is [{positions}, {width}] and hook_pos_embed [{positions2}, {width2}], but there are {length} tokens.");
        var norms = new (double, double, double)[length];
        for (int p = 0; p < length; p++)
        {
            double t = 0, q = 0, s = 0;
            for (int c = 0; c < width; c++)
            {
                double a = tok[p * width + c], b = pos[p * width + c];
                t += a * a; q += b * b; s += (a + b) * (a + b);
            }
            norms[p] = (Math.Sqrt(t), Math.Sqrt(q), Math.Sqrt(s));
        }
        return norms;
    }

    private object AttentionData(ActivationCache cache, string[] tokens)
    {
        var source = new AttentionSource(cache, tokens);
        source.RequireLayers(Enumerable.Range(0, source.Layers), "The attention stage shows every layer");
        if (source.ValueNote(Enumerable.Range(0, source.Layers)) is string odd) AddNote(odd);
        int n = source.Window.Count, layers = source.Layers;
        // Each layer's thumbnail is at most 150 blocks wide, and all of them together stay within the page budget.
        int side = n;
        while (side > 150 || (long)layers * QuantizedMatrix.StoredCount(side, side, true) > ViewLimits.MaxEmbeddedValues / 2) side = side * 3 / 4;
        side = Math.Max(4, Math.Min(side, n));
        var packed = new QuantizedMatrix[layers];
        for (int l = 0; l < layers; l++)
        {
            float[] mean = source.LayerMean(l, side, out int actual);   // [side, side], averaged over heads
            packed[l] = AttentionPacking.Pack(mean, 0, actual, bits: 8);
        }
        return new
        {
            layers,
            heads = source.Heads,
            side = Math.Min(side, n),
            full = side >= n,
            offset = source.Window.Start,
            fullTokens = side >= n ? source.Tokens.Select(TokenLabels.Quoted).ToArray() : [],
            m = packed,
        };
    }

    private object MlpData(ActivationCache cache, int length)
    {
        int layers = cache.Config.NLayers, n = _window.Count;
        var magnitude = new float[layers * n];   // [layer, token]: mean |post-GELU activation| over the MLP's neurons
        for (int l = 0; l < layers; l++)
        {
            Tensor post = cache["post", l];   // [batch, pos, d_mlp]
            if (post.dim() != 3 || post.shape[1] != length)
                throw new ArgumentException($"blocks.{l}.mlp.hook_post should be [batch, {length}, d_mlp], but its shape is [{string.Join(", ", post.shape)}].");
            float[] row;
            using (torch.NewDisposeScope())
                row = TensorReader.ToFloats(post[0].narrow(0, _window.Start, n).abs().mean([1L]));   // [n]
            Array.Copy(row, 0, magnitude, l * n, n);
        }
        float hi = magnitude.Where(float.IsFinite).DefaultIfEmpty(0).Max();
        return new
        {
            layers,
            n,
            offset = _window.Start,
            tokens = TokenLabels.ShortAll(_tokens[_window.Start.._window.End]),
            fullTokens = _tokens[_window.Start.._window.End].Select(TokenLabels.Quoted).ToArray(),
            m = QuantizedMatrix.Encode(magnitude, layers, n, 0, hi > 0 ? hi : 1, 16, triangular: false),
        };
    }

    /// <inheritdoc/>
    protected override void WriteBody(StringBuilder html)
    {
        var c = _config;
        Stage(html, 1, "Tokenization", open: true,
            $"The text is split into {_tokens.Length} tokens; each is a number (its id) in GPT-2's vocabulary of {c.DVocab:N0} tokens.");
        html.Append("<div class=\"lk-chips\">");
        for (int i = _window.Start; i < _window.End; i++)
            html.Append("<span class=\"lk-chip\" data-pos=\"").Append(i).Append("\" title=\"").Append(HtmlText.Escape($"position {i}: {TokenLabels.Quoted(_tokens[i])}"))
                .Append("\"><span class=\"lk-code\">").Append(HtmlText.Escape(TokenLabels.Label(_tokens[i])))
                .Append("</span><span class=\"lk-chip-id\">").Append(_ids[i]).Append("</span></span>");
        html.Append("</div></details>");

        Stage(html, 2, "Embedding", open: false,
            $"Each id picks its row of the token embedding W_E ({c.DModel} numbers); position p adds row p of the position embedding W_pos. " +
            "Their sum is the residual stream that enters block 0. The table shows each vector's length.");
        if (_norms is null) Problem(html, _embeddingProblem);
        else
        {
            double longest = _norms.Max(n => Math.Max(n.Token, Math.Max(n.Position, n.Sum)));
            html.Append("<table class=\"lk-table lk-pl-embed\"><thead><tr><th>Pos</th><th>Token</th><th>Id</th><th>|token embedding|</th><th>|position embedding|</th><th>|sum|</th></tr></thead><tbody>");
            for (int i = _window.Start; i < _window.End; i++)
            {
                var (t, p, s) = _norms[i];
                html.Append("<tr><td class=\"lk-num\">").Append(i).Append("</td><td><span class=\"lk-code\" title=\"").Append(HtmlText.Escape(TokenLabels.Quoted(_tokens[i])))
                    .Append("\">").Append(HtmlText.Escape(TokenLabels.Label(_tokens[i])))
                    .Append("</span></td><td class=\"lk-num\">").Append(_ids[i]).Append("</td>");
                foreach (double v in new[] { t, p, s })
                    html.Append("<td class=\"lk-num\">").Append(v.ToString("0.00", CultureInfo.InvariantCulture))
                        .Append(" <span class=\"lk-bar\" style=\"width:").Append(HtmlText.Num(longest > 0 ? v / longest * 80 : 0, 1)).Append("px\"></span></td>");
                html.Append("</tr>");
            }
            html.Append("</tbody></table>");
        }
        html.Append("</details>");

        Stage(html, 3, "Attention", open: false,
            $"In each of the {c.NLayers} blocks, {c.NHeads} heads let every token gather information from itself and earlier tokens. " +
            "Each square is one layer's pattern averaged over its heads: row = the token looking (query), column = the token looked at (key).");
        if (_attention is null) Problem(html, _attentionProblem);
        else html.Append("<div class=\"lk-pl-attn\"></div>");
        html.Append("</details>");

        Stage(html, 4, "MLP", open: false,
            $"After attention, each block's MLP ({c.DMlp} neurons) works on every token on its own. " +
            "The heatmap shows how strongly each layer's neurons fire at each token (mean absolute activation after GELU).");
        if (_mlp is null) Problem(html, _mlpProblem);
        else html.Append("<div class=\"lk-pl-mlp\"></div>");
        html.Append("</details>");

        Stage(html, 5, "Output", open: false,
            $"The final LayerNorm and the unembedding turn the last position's residual stream into {c.DVocab:N0} logits; " +
            "softmax turns them into the probability of each possible next token.");
        NextTokensView.WriteBars(html, Candidates);
        html.Append("</details>");
    }

    private static void Stage(StringBuilder html, int number, string name, bool open, string explanation) =>
        html.Append("<details class=\"lk-stage\" data-stage=\"").Append(number).Append('"').Append(open ? " open" : "").Append("><summary>")
            .Append(number).Append(". ").Append(HtmlText.Escape(name)).Append("</summary><div class=\"lk-stage-text\">")
            .Append(HtmlText.Escape(explanation)).Append("</div>");

    private static void Problem(StringBuilder html, string? problem) =>
        html.Append("<div class=\"lk-note\">Not available: ").Append(HtmlText.Escape(problem))
            .Append(" Run model.RunWithCache(tokens) without a names filter to see this stage.</div>");

    /// <inheritdoc/>
    protected override void WriteSummary(StringBuilder text)
    {
        text.Append($"1. Tokenization: {_tokens.Length} tokens: {string.Join(" ", _tokens.Take(12).Select(TokenLabels.Quoted))}{(_tokens.Length > 12 ? " ..." : "")}\n");
        text.Append(_norms is null ? "2. Embedding: not cached\n" : $"2. Embedding: d_model = {_config.DModel}; |token + position| of the last token = {_norms[^1].Sum:0.00}\n");
        text.Append(_attention is null ? "3. Attention: not cached\n" : $"3. Attention: {_config.NLayers} layers × {_config.NHeads} heads\n");
        text.Append(_mlp is null ? "4. MLP: not cached\n" : $"4. MLP: {_config.NLayers} layers × {_config.DMlp} neurons\n");
        text.Append("5. Output: ").Append(string.Join(", ", Candidates.Take(5).Select(c => $"{TokenLabels.Quoted(c.Text)} {c.Probability * 100:0.0}%")));
    }
}
