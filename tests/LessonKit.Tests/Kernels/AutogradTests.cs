using LessonKit.Kernels;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Kernels;

/// <summary>The hand-written kernels compute outside autograd: each check that lets one take over says no while gradients are recorded.</summary>
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
        using var qkv = torch.randn([1, 1, 3, 2, 4]);                      // [batch, 1, 3, head, d_head]: one new position
        Assert.True(OneQueryAttention.Applies(qkv));
        using var recorded = qkv.requires_grad_(true) * 1;                 // a result autograd follows back to qkv
        Assert.False(OneQueryAttention.Applies(recorded));
        using (torch.no_grad()) Assert.True(OneQueryAttention.Applies(recorded));
    }

    [Fact]
    public void The_unembedding_of_a_few_rows_carries_a_gradient_while_autograd_records()
    {
        using var embedding = torch.randn(3000, 256);                      // big enough for the few-row kernel
        using var rows = torch.randn(1, 4, 256);
        Assert.True(FewRowProducts.Applies(rows, embedding));

        using var weights = embedding.clone().requires_grad_(true);
        using var logits = Unembedding.Logits(rows, weights);
        Assert.True(logits.requires_grad, "the kernel's result would carry no gradient function");
        logits.sum().backward();
        Assert.NotNull(weights.grad);
        using (torch.no_grad())
        using (var kernel = Unembedding.Logits(rows, weights))
            Assert.True((kernel - logits.detach()).abs().max().ToDouble() < 1e-4);   // the same numbers either way
    }
}
