using LessonKit.Kernels;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

public class SingleRowProductsTests
{
    // Weights scaled by 1/√in keep every output near 1, so one absolute tolerance fits all shapes.
    private static (Tensor X, Tensor W, Tensor B) Inputs(int outputs, int inputs, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = torch.randn([1, 1, inputs], generator: generator);
        var w = torch.randn([outputs, inputs], generator: generator) / Math.Sqrt(inputs);
        var b = torch.randn([outputs], generator: generator);
        return (x, w, b);
    }

    [Theory]
    [InlineData(2304, 768)]  // GPT-2 small's c_attn, as Conv1D lays it out: [out, in]
    [InlineData(768, 3072)]  // its MLP c_proj
    [InlineData(50257, 32)]  // tiny-gpt2's unembedding
    [InlineData(259, 257)]   // neither a multiple of the vector width nor of the parts
    [InlineData(20, 4000)]   // fewer outputs than parts
    public void Matrix_times_row_is_linear_with_and_without_a_bias(int outputs, int inputs)
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(outputs, inputs, seed: inputs + outputs);
        var (x64, w64, b64) = (x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64));
        TensorAssert.Close(SingleRowProducts.MatrixTimesRow(w, x, b), nn.functional.linear(x64, w64, b64).to(ScalarType.Float32), 1e-5, "W · x + b");
        TensorAssert.Close(SingleRowProducts.MatrixTimesRow(w, x), nn.functional.linear(x64, w64).to(ScalarType.Float32), 1e-5, "W · x");
    }

    [Fact]
    public void Matrix_times_row_keeps_the_row_shape_and_reads_a_row_that_is_not_contiguous()
    {
        using var scope = torch.NewDisposeScope();
        var (_, w, b) = Inputs(400, 300, seed: 1);
        var columns = torch.randn(300, 2);
        var row = columns.t()[0].view(1, 300); // every other element of the buffer
        Assert.False(row.is_contiguous());
        var y = SingleRowProducts.MatrixTimesRow(w, row, b);
        Assert.Equal([1L, 400], y.shape);
        TensorAssert.Close(y, nn.functional.linear(row, w, b), 1e-5, "strided row");
    }

    [Fact]
    public void Results_do_not_depend_on_the_thread_count()
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(3072, 768, seed: 3);
        foreach (int threads in new[] { 2, 3, 8 })
            Assert.True(TensorAssert.Identical(SingleRowProducts.MatrixTimesRow(w, x, b, threads: 1), SingleRowProducts.MatrixTimesRow(w, x, b, threads)),
                $"W · x + b changed from 1 to {threads} threads");
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
