using LessonKit.Model;
using LessonKit.Tests.Support;
using LessonKit.Weights;
using TorchSharp;

namespace LessonKit.Tests.Weights;

/// <summary>The loader's table of Hugging Face names: every weight of the network once, under the name the checkpoints use.</summary>
public class HuggingFaceNamesTests
{
    [Fact]
    public void The_table_names_every_parameter_once_in_the_networks_own_order()
    {
        var config = new Gpt2Config { NLayers = 3, NHeads = 2, DModel = 8, NCtx = 16, DVocab = 32 };
        using var network = new Gpt2Transformer(config, torch.CPU);
        var table = Gpt2CheckpointLoader.HuggingFaceNames(network);
        var parameters = network.named_parameters().ToArray();

        Assert.Equal(parameters.Select(p => p.name), table.Select(row => row.Name));
        for (int i = 0; i < parameters.Length; i++)
        {
            // The very same memory, not a copy: loading into the table's tensor fills the network's parameter.
            Assert.Equal(parameters[i].parameter.shape, table[i].Weight.shape);
            using (torch.no_grad()) table[i].Weight.fill_(i);
            Assert.True(parameters[i].parameter.eq(i).all().ToBoolean(), $"{table[i].Name} is not the network's own '{parameters[i].name}'");
        }
        Assert.Equal(2 + 12 * config.NLayers + 2, table.Count);
        Assert.Equal([config.DModel, 3L * config.DModel], table.Single(row => row.Name == "h.2.attn.c_attn.weight").Weight.shape);   // [in, out], as Hugging Face ships it
    }

    [Fact]
    public void The_table_is_what_a_Hugging_Face_checkpoint_holds()
    {
        using var file = SafetensorsFile.Open(Path.Combine(TinyGpt2.Directory, "model.safetensors"));
        using var model = TinyGpt2.Load();
        var names = model.Weights.Keys.ToHashSet();
        Assert.Equal(file.Entries.Keys.Where(k => !k.EndsWith(".attn.bias") && !k.EndsWith(".attn.masked_bias") && k != "lm_head.weight").Order(), names.Order());
        using var stored = file.Load("h.1.mlp.c_fc.weight");
        Assert.True(TensorAssert.Identical(stored, model.Weights["h.1.mlp.c_fc.weight"]));
    }
}
