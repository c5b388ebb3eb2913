using System.Collections;
using System.Reflection;
using LessonKit.Display.Formatting;
using LessonKit.Tests.Support;

namespace LessonKit.Tests.Display;

/// <summary>
/// Ending a cell with the model or a cache must show a short summary. Without a formatter, the kernel walks every
/// public property: for a model that prints every weight (megabytes of HTML, seconds of waiting).
/// </summary>
public class SummaryFormatterTests : IClassFixture<TinyModelFixture>
{
    private readonly HookedGpt2 _model;

    public SummaryFormatterTests(TinyModelFixture tiny) => _model = tiny.Model;

    /// <summary>Formats as the kernel does: the attribute found by name, the formatter for this type and MIME type called by reflection.</summary>
    private static string? FormatByConvention(object value, string mimeType)
    {
        var attribute = value.GetType().GetCustomAttributes(inherit: true).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
        var sourceType = (Type)attribute.GetType().GetProperty("FormatterSourceType")!.GetValue(attribute)!;
        Assert.Equal(["text/html", "text/plain"], (string[])attribute.GetType().GetProperty("PreferredMimeTypes")!.GetValue(attribute)!);
        object source = Activator.CreateInstance(sourceType)!;
        foreach (object formatter in (IEnumerable)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(source, null)!)
        {
            var type = (Type)formatter.GetType().GetProperty("Type")!.GetValue(formatter)!;
            if ((string)formatter.GetType().GetProperty("MimeType")!.GetValue(formatter)! != mimeType || !type.IsInstanceOfType(value)) continue;
            var writer = new StringWriter();
            MethodInfo format = formatter.GetType().GetMethod("Format")!;
            Assert.True((bool)format.Invoke(formatter, [value, writer])!);
            return writer.ToString();
        }
        return null;
    }

    [Fact]
    public void TheModelShowsAsItsOneLineSummary()
    {
        string html = FormatByConvention(_model, "text/html")!;
        Assert.Contains("HookedGpt2 &#39;tiny-gpt2&#39;: 2 layers, 4 heads", html.Replace("&#x27;", "&#39;"));
        Assert.True(html.Length < 500, $"{html.Length} characters");
        Assert.Equal(_model.ToString(), FormatByConvention(_model, "text/plain"));
    }

    [Fact]
    public void ACacheListsItsActivationsAndShapesFolded()
    {
        using var tokens = TinyGpt2.ReferenceTokens();
        var (logits, cache) = _model.RunWithCache(tokens);
        using var _ = logits;
        string html;
        using (cache)
        {
            html = FormatByConvention(cache, "text/html")!;
            Assert.StartsWith("<details", html);
            Assert.Contains($"blocks.1.attn.hook_pattern</td><td>[1, 4, {tokens.shape[1]}, {tokens.shape[1]}]", html);
            Assert.True(html.Length < 20_000, $"{html.Length} characters for {cache.Count} activations");
            Assert.Equal(cache.ToString(), FormatByConvention(cache, "text/plain"));
        }
        Assert.Equal("ActivationCache (disposed)", FormatByConvention(cache, "text/plain"));
        Assert.DoesNotContain("<table", FormatByConvention(cache, "text/html"));
    }

    [Fact]
    public void TheTokenizerAKvCacheAndAGenerationStepHaveReadableSummaries()
    {
        Assert.Contains("50,257 tokens", FormatByConvention(_model.Tokenizer, "text/plain"));

        using var kv = _model.NewKeyValueCache();
        using var tokens = TinyGpt2.ReferenceTokens();
        using var logits = _model.ForwardWithCache(tokens, kv);
        Assert.Equal($"KeyValueCache: {tokens.shape[1]} of 128 positions filled, 2 layers, 1 sequence", FormatByConvention(kv, "text/plain"));

        var step = _model.GenerateSteps("The cat", 1, temperature: 0, topCandidates: 2).Single();
        string text = FormatByConvention(step, "text/plain")!;
        Assert.StartsWith($"step 0: \"{step.Token}\" (id {step.TokenId}, p ", text);
        Assert.Contains($"top: \"{step.TopCandidates[0].Text}\"", text);
        Assert.DoesNotContain("TokenCandidate[]", text);
    }

    [Fact]
    public void AFormatterWritesNothingForOtherTypes()
    {
        var formatter = new SummaryFormatter(typeof(HookedGpt2), "text/html");
        var writer = new StringWriter();
        Assert.False(formatter.Format("not a model", writer));
        Assert.Equal("", writer.ToString());
        Assert.Throws<ArgumentException>(() => new SummaryFormatter(typeof(HookedGpt2), "image/png"));
    }
}
