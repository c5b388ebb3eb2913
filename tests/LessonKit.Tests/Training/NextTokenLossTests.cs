using LessonKit.Tests.Support;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Training;

public sealed class NextTokenLossTests
{
    // Two sequences of three tokens over a vocabulary of four: logits [2, 3, 4].
    private static readonly float[,,] Logits =
    {
        { { 1.0f, 2.0f, 0.5f, -1.0f }, { 0.0f, 0.0f, 3.0f, 1.0f }, { 9.0f, 9.0f, 9.0f, 9.0f } },
        { { -2.0f, 0.0f, 2.0f, 4.0f }, { 0.25f, 0.5f, 0.75f, 1.0f }, { 0.0f, 1.0f, 0.0f, 1.0f } },
    };
    private static readonly long[,] Tokens = { { 3, 1, 2 }, { 0, 0, 3 } };

    /// <summary>−log softmax(row)[target], in double precision, written out.</summary>
    private static double HandLoss(int b, int position, long target)
    {
        double sum = 0;
        for (int v = 0; v < 4; v++) sum += Math.Exp(Logits[b, position, v]);
        return -(Logits[b, position, target] - Math.Log(sum));
    }

    [Fact]
    public void Each_position_is_scored_on_the_next_token_as_a_hand_computation_says()
    {
        using var logits = torch.tensor(Logits);
        using var tokens = torch.tensor(Tokens);

        using var loss = NextTokenLoss.PerPosition(logits, tokens);

        Assert.Equal([2L, 2L], loss.shape);   // 3 tokens give 2 predictions: position i predicts token i + 1
        var values = loss.to(ScalarType.Float64).data<double>().ToArray();
        double[] expected = [HandLoss(0, 0, 1), HandLoss(0, 1, 2), HandLoss(1, 0, 0), HandLoss(1, 1, 3)];
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], values[i], 5);
        // The last position's logits (the row of 9s) predict nothing inside the sequence and are not scored.
        Assert.Equal(-Math.Log(Math.Exp(2) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(0.5) + Math.Exp(-1))), values[0], 5);
    }

    [Fact]
    public void The_loss_of_a_model_is_the_loss_of_its_logits()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 16, NCtx = 16, DVocab = 20 }, seed: 3);
        using var tokens = torch.tensor(new long[] { 1, 5, 7, 19, 0, 5 }, [1, 6]);

        using var fromModel = NextTokenLoss.PerPosition(model, tokens);
        using var fromLogits = NextTokenLoss.PerPosition(model.Forward(tokens), tokens);
        using var fromOneSequence = NextTokenLoss.PerPosition(model, tokens[0]);

        Assert.True(TensorAssert.Identical(fromModel, fromLogits));
        Assert.True(TensorAssert.Identical(fromOneSequence, fromModel));   // [pos] is read as one sequence
        Assert.False(fromModel.requires_grad);
    }

    [Fact]
    public void The_loss_is_differentiable()
    {
        using var logits = torch.tensor(Logits).requires_grad_(true);
        using var tokens = torch.tensor(Tokens);

        NextTokenLoss.PerPosition(logits, tokens).sum().backward();

        // ∂loss/∂logit = softmax − one-hot at each scored position; the last position is not scored: gradient 0.
        var grad = logits.grad!;
        Assert.Equal(0.0, grad[0, 2].abs().sum().ToDouble());
        double p = Math.Exp(Logits[0, 0, 1]) / Enumerable.Range(0, 4).Sum(v => Math.Exp(Logits[0, 0, v]));
        Assert.Equal(p - 1, grad[0, 0, 1].ToDouble(), 5);
    }

    [Theory]
    [InlineData(new long[] { 2, 3 }, "must have the same batch and positions")]
    [InlineData(new long[] { 2, 1 }, "at least two tokens")]
    public void Tokens_that_do_not_fit_the_logits_are_an_error_that_says_so(long[] tokenShape, string message)
    {
        using var logits = torch.zeros(2, tokenShape[1] == 1 ? 1 : 4, 5);
        using var tokens = torch.zeros(tokenShape, ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => NextTokenLoss.PerPosition(logits, tokens));
        Assert.Contains(message, error.Message);
    }

    [Fact]
    public void A_token_id_without_a_logit_is_an_error_that_gives_the_range()
    {
        using var logits = torch.zeros(1, 3, 5);
        using var tokens = torch.tensor(new long[] { 0, 5, 1 }, [1, 3]);
        var error = Assert.Throws<ArgumentException>(() => NextTokenLoss.PerPosition(logits, tokens));
        Assert.Contains("Token id 5 has no logit: ids go from 0 to 4", error.Message);
    }

    [Fact]
    public void Logits_and_tokens_swapped_are_an_error_that_says_so()
    {
        using var logits = torch.zeros(1, 3, 5);
        using var tokens = torch.zeros(new long[] { 1, 3 }, ScalarType.Int64);
        var error = Assert.Throws<ArgumentException>(() => NextTokenLoss.PerPosition(tokens, logits));
        Assert.Contains("Logits must be [batch, pos, d_vocab]", error.Message);
    }
}
