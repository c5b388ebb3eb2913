using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Model;

/// <summary>A table of learned vectors, one row per token id (<c>wte</c>) or per position (<c>wpe</c>).</summary>
internal sealed class EmbeddingTable : nn.Module
{
#pragma warning disable IDE1006
    private readonly Parameter weight; // [rows, d_model]
#pragma warning restore IDE1006

    public EmbeddingTable(int rows, int dModel, Device device) : base(nameof(EmbeddingTable))
    {
        weight = new Parameter(torch.empty(rows, dModel, device: device), requires_grad: false);
        RegisterComponents();
    }

    /// <summary>The whole table [rows, d_model].</summary>
    public Tensor Weight => weight;

    /// <summary>The rows for ids [batch, pos] → [batch, pos, d_model].</summary>
    public Tensor Lookup(Tensor ids) => weight.index_select(0, ids.flatten()).view(ids.size(0), ids.size(1), -1);
}
