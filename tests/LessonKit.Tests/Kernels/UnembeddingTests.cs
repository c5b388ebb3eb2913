using LessonKit.Kernels;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

public class UnembeddingTests
{
    [Theory]
    [InlineData(1, 1)]   // a generation step: the few-row kernels
    [InlineData(2, 32)]  // a short prompt's 64 rows: the few-row kernels
    [InlineData(1, 65)]  // longer prompts: vocabulary blocks
    [InlineData(1, 128)]
    [InlineData(2, 100)] // a batch: 200 rows
    [InlineData(1, 256)] // the most the blocks take
    public void Logits_are_x_times_the_embedding_transposed(int batch, int positions)
    {
        using var scope = torch.NewDisposeScope();
        const int vocabulary = 9001, dModel = 48; // two full blocks of 4096 tokens and a partial one
        var generator = new Generator(11);
        var x = torch.randn([batch, positions, dModel], generator: generator);
        var embedding = torch.randn([vocabulary, dModel], generator: generator) / Math.Sqrt(dModel);
        var logits = Unembedding.TryLogits(x, embedding);
        Assert.NotNull(logits);
        Assert.True(logits.is_contiguous());
        var expected = nn.functional.linear(x.to(ScalarType.Float64), embedding.to(ScalarType.Float64)).to(ScalarType.Float32);
        TensorAssert.Close(logits, expected, 1e-5, $"logits for [{batch}, {positions}]");
    }

    [Theory]
    [InlineData(1, 257)] // long prompts: libtorch's linear does better
    [InlineData(3, 100)]
    [InlineData(1, 0)]   // nothing to compute
    public void More_rows_than_the_blocks_take_are_left_to_libtorch(int batch, int positions)
    {
        using var scope = torch.NewDisposeScope();
        Assert.Null(Unembedding.TryLogits(torch.randn(batch, positions, 48), torch.randn(9001, 48)));
    }
}
