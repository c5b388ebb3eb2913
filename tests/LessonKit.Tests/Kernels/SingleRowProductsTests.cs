using LessonKit.Kernels;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

public class SingleRowProductsTests
{
    // Weights scaled by 1/√in keep every output near 1, so one absolute tolerance fits all shapes.
    private static (Tensor X, Tensor W, Tensor B) Inputs(int inputs, int outputs, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = torch.randn([1, 1, inputs], generator: generator);
        var w = torch.randn([inputs, outputs], generator: generator) / Math.Sqrt(inputs);
        var b = torch.randn([outputs], generator: generator);
        return (x, w, b);
    }

    [Theory]
    [InlineData(768, 2304)] // GPT-2 small's c_attn
    [InlineData(3072, 768)] // its MLP c_proj
    [InlineData(257, 259)]  // neither a multiple of the vector width nor of the bands
    [InlineData(5, 40000)]  // fewer rows than bands
    public void Row_times_matrix_is_x_W_plus_b(int inputs, int outputs)
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(inputs, outputs, seed: inputs + outputs);
        var y = SingleRowProducts.RowTimesMatrix(x, w, b);
        var expected = (x.to(ScalarType.Float64).matmul(w.to(ScalarType.Float64)) + b.to(ScalarType.Float64)).to(ScalarType.Float32);
        TensorAssert.Close(y, expected, 1e-5, "x · W + b");
    }

    [Fact]
    public void Row_times_matrix_reads_a_row_that_is_not_contiguous()
    {
        using var scope = torch.NewDisposeScope();
        var (_, w, b) = Inputs(300, 400, seed: 1);
        var columns = torch.randn(300, 2);
        var row = columns.t()[0].view(1, 300); // every other element of the buffer
        Assert.False(row.is_contiguous());
        TensorAssert.Close(SingleRowProducts.RowTimesMatrix(row, w, b), torch.addmm(b, row, w, 1, 1), 1e-5, "strided row");
    }

    [Theory]
    [InlineData(50257, 32)] // tiny-gpt2's unembedding
    [InlineData(1001, 97)]
    public void Matrix_times_row_is_linear(int outputs, int inputs)
    {
        using var scope = torch.NewDisposeScope();
        var generator = new Generator(7);
        var x = torch.randn([1, 1, inputs], generator: generator);
        var w = torch.randn([outputs, inputs], generator: generator) / Math.Sqrt(inputs);
        var y = SingleRowProducts.MatrixTimesRow(w, x);
        var expected = nn.functional.linear(x.to(ScalarType.Float64), w.to(ScalarType.Float64)).to(ScalarType.Float32);
        TensorAssert.Close(y, expected, 1e-5, "W · x");
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(768, 3072, seed: 3);
        var embedding = torch.randn(20000, 768);
        foreach (int threads in new[] { 2, 3, 8 })
        {
            Assert.True(TensorAssert.Identical(SingleRowProducts.RowTimesMatrix(x, w, b, threads: 1), SingleRowProducts.RowTimesMatrix(x, w, b, threads)),
                $"x · W + b changed from 1 to {threads} threads");
            Assert.True(TensorAssert.Identical(SingleRowProducts.MatrixTimesRow(embedding, x, threads: 1), SingleRowProducts.MatrixTimesRow(embedding, x, threads)),
                $"W · x changed from 1 to {threads} threads");
        }
    }

    [Fact]
    public void Only_a_single_float32_cpu_row_against_a_big_contiguous_matrix_takes_the_kernels()
    {
        using var scope = torch.NewDisposeScope();
        var big = torch.randn(768, 768);
        Assert.True(SingleRowProducts.Applies(torch.randn(1, 1, 768), big));
        Assert.True(SingleRowProducts.Applies(torch.randn(768), big));
        Assert.False(SingleRowProducts.Applies(torch.randn(1, 2, 768), big));                          // a prompt: libtorch's GEMM
        Assert.False(SingleRowProducts.Applies(torch.randn(2, 1, 768), big));                          // a batch
        Assert.False(SingleRowProducts.Applies(torch.randn(1, 1, 768, dtype: ScalarType.Float64), big)); // another dtype
        Assert.False(SingleRowProducts.Applies(torch.randn(1, 1, 768), big.t()));                      // a transposed view
        Assert.False(SingleRowProducts.Applies(torch.randn(1, 1, 64), torch.randn(64, 64)));          // too small to split
    }
}
