using LessonKit.Hooks;
using LessonKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

/// <summary>The hand-written kernels compute outside autograd: the fast path says no to every one while gradients are recorded.</summary>
public sealed class AutogradTests
{
    [Fact]
    public void Autograd_records_only_in_grad_mode_and_only_for_tensors_that_require_a_gradient()
    {
        using var plain = torch.ones(2, 3);
        using var weight = torch.ones(3, 3).requires_grad_(true);

        Assert.False(Autograd.Records(plain));
        Assert.True(Autograd.Records(plain, weight));
        Assert.True(Autograd.Records(plain, null, weight));
        using (torch.no_grad()) Assert.False(Autograd.Records(plain, weight));
    }

    [Fact]
    public void One_query_attention_steps_aside_while_its_input_records_a_gradient()
    {
        using var scope = torch.NewDisposeScope();
        var qkv = torch.randn([1, 1, 3, 2, 4]);                             // [batch, 1, 3, head, d_head]: one new position
        Assert.True(OneQueryAttention.Applies(qkv));
        var recorded = qkv.clone().requires_grad_(true) * 1;                // a result autograd follows back to qkv
        Assert.NotNull(OneQueryStep(qkv));
        Assert.Null(OneQueryStep(recorded));
        using (torch.no_grad()) Assert.NotNull(OneQueryStep(recorded));
    }

    private static Tensor? OneQueryStep(Tensor qkv)
    {
        using var cache = new LayerKeyValueCache(1, 2, 4, 4, torch.CPU);
        return FastPath.TryOneQueryAttention(qkv, cache, HookRunner.None, new BlockHookPoints(0), 0.5);
    }

    [Fact]
    public void A_linear_layer_steps_aside_while_its_input_or_its_weights_record_a_gradient()
    {
        using var scope = torch.NewDisposeScope();
        var weight = FastLinear.NewWeight(256, 300, torch.CPU).normal_();  // big enough for the few-row kernel
        var bias = torch.randn(300);
        using var layer = new FastLinear(weight, bias);
        var rows = torch.randn(1, 4, 256);
        Assert.NotNull(FastPath.TryLinear(rows, layer));
        Assert.Null(FastPath.TryLinear(rows.clone().requires_grad_(true), layer));

        weight.requires_grad_(true);
        Assert.Null(FastPath.TryLinear(rows, layer));                       // training this layer only: its input needs no gradient
        using (torch.no_grad()) Assert.NotNull(FastPath.TryLinear(rows, layer));
    }

    [Fact]
    public void The_unembedding_of_a_few_rows_steps_aside_while_autograd_records()
    {
        using var scope = torch.NewDisposeScope();
        var embedding = torch.randn(3000, 256);                             // big enough for the few-row kernel
        var rows = torch.randn(1, 4, 256);
        Assert.True(FewRowProducts.Applies(rows, embedding));
        Assert.NotNull(FastPath.TryUnembed(rows, embedding));
        Assert.Null(FastPath.TryUnembed(rows, embedding.clone().requires_grad_(true)));
        Assert.Null(FastPath.TryUnembed(rows.clone().requires_grad_(true), embedding));
    }

    [Fact]
    public void The_cores_stay_with_libtorch_while_autograd_records()
    {
        using var rows = torch.randn(1, 4, 8);
        using var recorded = rows.clone().requires_grad_(true);
        using (var cores = FastPath.CoresForFewRows(4, recorded)) Assert.Null(cores);
        using (torch.no_grad())
        using (var cores = FastPath.CoresForFewRows(4, recorded)) Assert.NotNull(cores);
    }
}
