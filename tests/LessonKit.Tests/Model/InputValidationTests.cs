using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

public class InputValidationTests : IClassFixture<TinyModelFixture>
{
    private readonly HookedGpt2 _model;

    public InputValidationTests(TinyModelFixture tiny) => _model = tiny.Model;

    [Fact]
    public void ToTokensPrependsEndOfTextAndMatchesToStrTokens()
    {
        using var tokens = _model.ToTokens("The cat sat");
        Assert.Equal(ScalarType.Int64, tokens.dtype);
        Assert.Equal(new long[] { 1, 4 }, tokens.shape);
        Assert.Equal(50256, tokens[0, 0].ToInt64());
        Assert.Equal(["<|endoftext|>", "The", " cat", " sat"], _model.ToStrTokens("The cat sat"));
        Assert.Equal(["The", " cat", " sat"], _model.ToStrTokens("The cat sat", prependBos: false));
        Assert.Equal(["<|endoftext|>", "The", " cat", " sat"], _model.ToStrTokens(tokens));
        Assert.Equal("<|endoftext|>The cat sat", _model.ToText(tokens));
        using var fromText = _model.Forward("The cat sat");
        using var fromTokens = _model.Forward(tokens);
        Assert.True(TensorAssert.Identical(fromText, fromTokens));
    }

    [Fact]
    public void TextLongerThanTheContextIsAClearErrorOrTruncated()
    {
        string longText = string.Join(" ", Enumerable.Repeat("cat", 300)); // 300 tokens > n_ctx 128
        var error = Assert.Throws<ArgumentException>(() => _model.ToTokens(longText));
        Assert.Contains("128", error.Message);
        Assert.Contains("truncate", error.Message);
        using var truncated = _model.ToTokens(longText, truncate: true);
        Assert.Equal(new long[] { 1, 128 }, truncated.shape);
        Assert.Equal(50256, truncated[0, 0].ToInt64());

        using var tooMany = torch.zeros(1, 129, dtype: ScalarType.Int64);
        Assert.Contains("context", Assert.Throws<ArgumentException>(() => _model.Forward(tooMany)).Message);
    }

    [Fact]
    public void BadTokenTensorsAreClearErrors()
    {
        using var floats = torch.zeros(1, 3);
        Assert.Contains("integer ids", Assert.Throws<ArgumentException>(() => _model.Forward(floats)).Message);
        using var cube = torch.zeros(1, 1, 3, dtype: ScalarType.Int64);
        Assert.Contains("[batch, pos]", Assert.Throws<ArgumentException>(() => _model.Forward(cube)).Message);
        using var empty = torch.zeros(1, 0, dtype: ScalarType.Int64);
        Assert.Contains("no tokens", Assert.Throws<ArgumentException>(() => _model.Forward(empty)).Message);
        using var outside = torch.tensor(new long[] { 1, 50257 });
        Assert.Contains("50257", Assert.Throws<ArgumentException>(() => _model.Forward(outside)).Message);
        using var negative = torch.tensor(new long[] { -1, 2 });
        Assert.Contains("-1", Assert.Throws<ArgumentException>(() => _model.Forward(negative)).Message);
    }

    [Fact]
    public void TokenTensorsGivenBackForTextAreCheckedToo()
    {
        using var floats = torch.tensor(new float[] { 464, float.NaN });
        Assert.Contains("integer ids", Assert.Throws<ArgumentException>(() => _model.ToStrTokens(floats)).Message);
        Assert.Contains("integer ids", Assert.Throws<ArgumentException>(() => _model.ToText(floats)).Message);
        // 2^32 + 464 would wrap around to " The" (464) if it were cast to int before the check.
        using var huge = torch.tensor(new long[] { (1L << 32) + 464 });
        Assert.Contains("4294967760", Assert.Throws<ArgumentException>(() => _model.ToText(huge)).Message);
        using var negative = torch.tensor(new long[] { -3 });
        Assert.Contains("-3", Assert.Throws<ArgumentException>(() => _model.ToStrTokens(negative)).Message);
        var disposed = _model.ToTokens("The cat");
        disposed.Dispose();
        Assert.Throws<ObjectDisposedException>(() => _model.ToText(disposed));
        using var fine = _model.ToTokens("The cat");
        Assert.Equal("<|endoftext|>The cat", _model.ToText(fine));
    }

    [Fact]
    public void TextThatAModelWithASmallVocabularyCannotReadSaysWhy()
    {
        using var small = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 1000 });
        // "!" is id 0: fine. " cat" is 3797: outside a 1000-token vocabulary.
        using var exclamation = small.Forward(small.ToTokens("!", prependBos: false));
        Assert.Contains("prependBos: false", Assert.Throws<ArgumentException>(() => small.ToTokens("!")).Message);
        var error = Assert.Throws<ArgumentException>(() => small.ToTokens(" cat", prependBos: false));
        Assert.Contains("' cat' (id 3797)", error.Message);
        Assert.Contains("only 1000 tokens", error.Message);
        Assert.Contains("DVocab = 50257", error.Message);
        using var ids = torch.tensor(new long[] { 5, 999 });
        using var logits = small.Forward(ids); // token ids below DVocab work
        Assert.Equal(new long[] { 1, 2, 1000 }, logits.shape);
    }

    [Fact]
    public void OneDimensionalAndInt32TokensAndBatchesWork()
    {
        using var tokens = _model.ToTokens("The cat sat");
        using var reference = _model.Forward(tokens);
        using var flat = _model.Forward(tokens[0].to(ScalarType.Int32));
        Assert.True(TensorAssert.Identical(reference, flat));
        using var batch = torch.cat([tokens, tokens], 0);
        using var both = _model.Forward(batch);
        Assert.Equal(new long[] { 2, 4, 50257 }, both.shape);
        TensorAssert.Close(both[1], reference[0], 1e-5, "second row of a batch");
    }
}
