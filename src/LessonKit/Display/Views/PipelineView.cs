using System.Globalization;
using System.Text;
using LessonKit.Display.Data;
using LessonKit.Display.Html;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Display.Views;

/// <summary>
/// The forward pass in five expandable stages: tokenization (tokens and ids), embedding (token + position vectors
/// and their lengths), attention (each layer's pattern, averaged over heads), MLP (how strongly each layer's
/// neurons fire at each token) and output: the final LayerNorm, the unembedding and the softmax give every position a
/// prediction of its next token; the view shows the last position's most likely next tokens and, at every earlier
/// position, the token that really comes next with its probability and its loss, −ln P (one forward pass gives them all).
/// Made by <c>Plots.Pipeline</c>.
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
        cache.CheckTokenCount(tokens.Length, nameof(tokens));
        _config = cache.Config;
        _tokens = tokens;
        _ids = ids;
        int length = tokens.Length;
        _window = TokenWindow.Last(length, ViewLimits.MaxTokens);
        if (_window.IsCut) AddNote(_window.Note("tokens"));

        Candidates = NextTokenCandidates(logits, length, tokenText);
        Predictions = PredictionsAtEveryPosition(logits, tokens, ids, tokenText);
        var losses = Predictions.Where(p => p.Loss is not null).Select(p => p.Loss!.Value).ToArray();
        MeanLoss = losses.Length > 0 ? losses.Average() : null;
        (_norms, _embeddingProblem) = Try(() => EmbeddingNorms(cache, length));
        (_attention, _attentionProblem) = Try(() => AttentionData(cache, tokens));
        (_mlp, _mlpProblem) = Try(() => MlpData(cache, length));
    }

    /// <summary>The most likely next tokens after the last position, most likely first.</summary>
    public IReadOnlyList<TokenCandidate> Candidates { get; }

    /// <summary>
    /// Every position's prediction of its next token: the most likely one, and (except at the last position) the token
    /// that really follows, its probability and the loss −ln P.
    /// </summary>
    public IReadOnlyList<PositionPrediction> Predictions { get; }

    /// <summary>The mean next-token loss over every position but the last: the training loss of this text (null for one token).</summary>
    public double? MeanLoss { get; }

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

    private static PositionPrediction[] PredictionsAtEveryPosition(Tensor logits, string[] tokens, int[] ids, Func<int, string> tokenText)
    {
        int length = tokens.Length;
        using var scope = torch.NewDisposeScope();
        var rows = logits.dim() == 3 ? logits[0] : logits;                 // [pos, d_vocab]
        long vocabulary = rows.shape[1];
        for (int i = 0; i < length; i++)
            if (ids[i] < 0 || ids[i] >= vocabulary)
                throw new ArgumentException($"ids[{i}] = {ids[i]} is not a token of this vocabulary (the logits score {vocabulary:N0} tokens, 0 to {vocabulary - 1}): pass the ids of the text the logits were computed for.", nameof(ids));
        var logProbabilities = rows.to_type(ScalarType.Float32).log_softmax(-1);   // [pos, d_vocab]: ln P(next token) at every position
        var (best, bestIds) = logProbabilities.max(-1);                   // [pos] each: the most likely next token
        float[] bestLog = TensorReader.ToFloats(best);
        long[] bestId = bestIds.cpu().data<long>().ToArray();
        float[] actualLog = [];
        if (length > 1)
        {
            var following = torch.tensor(ids[1..].Select(id => (long)id).ToArray(), device: rows.device).unsqueeze(1);    // [pos − 1, 1]: the token after each position
            actualLog = TensorReader.ToFloats(logProbabilities.narrow(0, 0, length - 1).gather(1, following).squeeze(1)); // [pos − 1]: ln P(that token)
        }
        var predictions = new PositionPrediction[length];
        for (int p = 0; p < length; p++)
        {
            var predicted = new TokenCandidate((int)bestId[p], tokenText((int)bestId[p]), MathF.Exp(bestLog[p]));
            TokenCandidate? actual = p + 1 < length ? new TokenCandidate(ids[p + 1], tokens[p + 1], MathF.Exp(actualLog[p])) : null;
            predictions[p] = new PositionPrediction(p, tokens[p], predicted, actual, actual is null ? null : -(double)actualLog[p]);
        }
        return predictions;
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
            $"After the last block, the final LayerNorm normalizes each position's vector; the unembedding, W_Eᵀ (GPT-2 reuses its token " +
            $"embedding), turns it into {c.DVocab:N0} logits, one score per token of the vocabulary; softmax turns the logits into probabilities, " +
            "and the next token is the most likely one (or one drawn at random).");
        html.Append("<div class=\"lk-pl-chain\">");
        string[] chain = ["residual stream [pos, d_model]", "ln_final", "× W_Eᵀ (unembedding)", $"logits [pos, {c.DVocab:N0}]", "softmax", "P(next token)"];
        for (int i = 0; i < chain.Length; i++)
            html.Append(i > 0 ? "<span class=\"lk-pl-arrow\">→</span>" : "").Append("<span class=\"lk-code\">").Append(HtmlText.Escape(chain[i])).Append("</span>");
        html.Append("</div><div class=\"lk-stage-text\">After the last token, ").Append(HtmlText.Escape(TokenLabels.Quoted(_tokens[^1]))).Append(", the most likely next tokens:</div>");
        NextTokensView.WriteBars(html, Candidates);
        WriteLosses(html);
        html.Append("</details>");
    }

    /// <summary>The table of every position's next-token prediction and loss, and their mean.</summary>
    private void WriteLosses(StringBuilder html)
    {
        if (MeanLoss is not double mean)
        {
            html.Append("<div class=\"lk-hint\">With one token there is no next token in the text, so no loss.</div>");
            return;
        }
        html.Append("<div class=\"lk-stage-text\">Every position predicts its next token in the same forward pass. Where the text goes on, the loss is −ln P(the token ")
            .Append("that really comes next); training lowers their mean, ").Append(HtmlText.Escape(mean.ToString("0.000", CultureInfo.InvariantCulture)))
            .Append(" over ").Append(_tokens.Length - 1).Append(" positions here, at every position at once. The mask keeps each position from seeing the token it predicts.</div>");
        double worst = Predictions.Max(p => p.Loss ?? 0);
        html.Append("<table class=\"lk-table lk-pl-loss\"><thead><tr><th>Pos</th><th>Token</th><th>Most likely next</th><th>Really next</th><th>P(really next)</th><th>Loss −ln P</th></tr></thead><tbody>");
        for (int i = _window.Start; i < _window.End; i++)
        {
            var p = Predictions[i];
            html.Append("<tr data-pos=\"").Append(i).Append("\"><td class=\"lk-num\">").Append(i).Append("</td><td>").Append(Code(p.Token))
                .Append("</td><td>").Append(Code(p.Predicted.Text)).Append(' ').Append(Probability(p.Predicted.Probability)).Append("</td>");
            if (p.Actual is null || p.Loss is null)
                html.Append("<td colspan=\"3\" class=\"lk-hint\">(the text ends: nothing to compare with)</td>");
            else
                html.Append("<td>").Append(Code(p.Actual.Text)).Append("</td><td class=\"lk-num\">").Append(Probability(p.Actual.Probability))
                    .Append("</td><td class=\"lk-num\">").Append(p.Loss.Value.ToString("0.000", CultureInfo.InvariantCulture))
                    .Append(" <span class=\"lk-bar\" style=\"width:").Append(HtmlText.Num(worst > 0 ? p.Loss.Value / worst * 60 : 0, 1)).Append("px\"></span></td>");
            html.Append("</tr>");
        }
        html.Append("</tbody></table>");
    }

    /// <summary>A probability as a percentage (12.3%), or in scientific notation when it is below 0.1% (2.1e-5), never as a bare 0%.</summary>
    internal static string Probability(double p) =>
        p >= 0.001 ? (p * 100).ToString("0.#", CultureInfo.InvariantCulture) + "%" : p.ToString("0.0e0", CultureInfo.InvariantCulture);

    private static string Code(string token) =>
        "<span class=\"lk-code\" title=\"" + HtmlText.Escape(TokenLabels.Quoted(token)) + "\">" + HtmlText.Escape(TokenLabels.Label(token)) + "</span>";

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
        if (MeanLoss is double mean)
            text.Append($"\n   next-token loss at {_tokens.Length - 1} positions, mean {mean.ToString("0.000", CultureInfo.InvariantCulture)}");
    }
}
