using LessonKit.Kernels;
using LessonKit.Tests.Support;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

public class FewRowProductsTests
{
    // Weights scaled by 1/√in keep every output near 1, so one absolute tolerance fits all shapes.
    private static (Tensor X, Tensor W, Tensor B) Inputs(int rows, int outputs, int inputs, int seed)
    {
        var generator = new Generator((ulong)seed);
        var x = torch.randn([1, rows, inputs], generator: generator);
        var w = torch.randn([outputs, inputs], generator: generator) / Math.Sqrt(inputs);
        var b = torch.randn([outputs], generator: generator);
        return (x, w, b);
    }

    [Theory]
    [InlineData(1, 2304, 768)]  // a generation step through GPT-2 small's c_attn, laid out [out, in] as Conv1D stores it
    [InlineData(1, 768, 3072)]  // its MLP c_proj
    [InlineData(1, 50257, 32)]  // tiny-gpt2's unembedding: an odd number of outputs
    [InlineData(2, 259, 257)]   // neither a multiple of the vector width nor of the groups of outputs
    [InlineData(3, 1001, 97)]   // a pair of rows and a single one
    [InlineData(16, 300, 768)]  // a short prompt
    [InlineData(64, 130, 40)]   // the most rows the kernels take
    [InlineData(5, 20, 4000)]   // fewer outputs than parts
    public void Matrix_times_rows_is_linear_with_and_without_a_bias(int rows, int outputs, int inputs)
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(rows, outputs, inputs, seed: rows + outputs + inputs);
        var (x64, w64, b64) = (x.to(ScalarType.Float64), w.to(ScalarType.Float64), b.to(ScalarType.Float64));
        TensorAssert.Close(FewRowProducts.MatrixTimesRows(w, x, b), nn.functional.linear(x64, w64, b64).to(ScalarType.Float32), 1e-5, "x · Wᵀ + b");
        TensorAssert.Close(FewRowProducts.MatrixTimesRows(w, x), nn.functional.linear(x64, w64).to(ScalarType.Float32), 1e-5, "x · Wᵀ");
    }

    [Fact]
    public void Matrix_times_rows_keeps_the_leading_shape_and_reads_rows_that_are_not_contiguous()
    {
        using var scope = torch.NewDisposeScope();
        var (_, w, b) = Inputs(1, 400, 300, seed: 1);
        var columns = torch.randn(300, 6);
        var rows = columns.t().view(2, 3, 300); // a transposed view: not contiguous
        Assert.False(rows.is_contiguous());
        var y = FewRowProducts.MatrixTimesRows(w, rows, b);
        Assert.Equal([2L, 3, 400], y.shape);
        TensorAssert.Close(y, nn.functional.linear(rows, w, b), 1e-5, "strided rows");
    }

    [Theory]
    [InlineData(1)] // one output at a time
    [InlineData(7)] // groups of four outputs by pairs of rows, then the odd row
    public void Results_do_not_depend_on_the_thread_count(int rows)
    {
        using var scope = torch.NewDisposeScope();
        var (x, w, b) = Inputs(rows, 3071, 768, seed: 3);
        var alone = FewRowProducts.MatrixTimesRows(w, x, b, threads: 1);
        foreach (int threads in new[] { 2, 3, 8 })
            Assert.True(TensorAssert.Identical(alone, FewRowProducts.MatrixTimesRows(w, x, b, threads)),
                $"x · Wᵀ + b for {rows} rows changed from 1 to {threads} threads");
    }

    [Fact]
    public void Only_a_few_float32_cpu_rows_against_a_big_contiguous_matrix_take_the_kernels()
    {
        using var scope = torch.NewDisposeScope();
        var big = torch.randn(768, 768);
        Assert.True(FewRowProducts.Applies(torch.randn(1, 1, 768), big));
        Assert.True(FewRowProducts.Applies(torch.randn(768), big));
        Assert.True(FewRowProducts.Applies(torch.randn(2, 32, 768), big));                                // 64 rows
        Assert.False(FewRowProducts.Applies(torch.randn(1, 65, 768), big));                               // a long prompt: libtorch's GEMM
        Assert.False(FewRowProducts.Applies(torch.randn(1, 0, 768), big));                                // nothing to do
        Assert.False(FewRowProducts.Applies(torch.randn(1, 1, 768, dtype: ScalarType.Float64), big));     // another dtype
        Assert.False(FewRowProducts.Applies(torch.randn(1, 1, 768), big.t()));                            // a transposed view
        Assert.False(FewRowProducts.Applies(torch.randn(1, 1, 64), torch.randn(64, 64)));                // too small to split
    }

    [Fact]
    public void Rows_or_a_bias_that_do_not_fit_the_matrix_are_refused_before_any_memory_is_read()
    {
        using var scope = torch.NewDisposeScope();
        var w = torch.randn(300, 400);
        Assert.Throws<ArgumentException>(() => FewRowProducts.MatrixTimesRows(w, torch.randn(1, 2, 399)));
        Assert.Throws<ArgumentException>(() => FewRowProducts.MatrixTimesRows(w, torch.randn(1, 2, 400), torch.randn(299)));
    }
}
