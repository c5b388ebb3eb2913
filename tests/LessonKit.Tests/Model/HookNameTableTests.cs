using LessonKit.Hooks;
using System.Reflection;

namespace LessonKit.Tests.Model;

/// <summary>Hook names come from one table: the list of names, the short names and each block's hook points all read it.</summary>
public class HookNameTableTests
{
    [Fact]
    public void Each_blocks_hook_points_are_the_tables_rows_in_forward_order()
    {
        var points = new BlockHookPoints(layer: 5);
        var properties = typeof(BlockHookPoints).GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.PropertyType == typeof(HookPoint));
        var names = properties.Select(p => (HookPoint)p.GetValue(points)!).ToArray();
        Assert.Equal(HookNames.PerBlock.Select(local => $"blocks.5.{local}"), names.Select(p => p.Name));
        Assert.All(names, p => Assert.Equal(5, p.Layer));
        Assert.Equal(HookNames.PerBlock.Count, HookNames.PerBlock.Distinct().Count());
    }

    [Fact]
    public void Every_short_name_in_the_table_resolves_to_its_row()
    {
        foreach (var hook in HookNames.InBlock)
            foreach (string shortName in hook.ShortNames)
                Assert.Equal($"blocks.1.{hook.Local}", HookNames.Resolve(shortName, 1, null, nLayers: 2));
        Assert.Equal("blocks.1.attn.hook_attn_scores", HookNames.Resolve("scores", -1, null, nLayers: 2));
        Assert.Equal("blocks.0.ln2.hook_scale", HookNames.Resolve("scale", 0, "ln2", nLayers: 2));
    }

    [Fact]
    public void Unknown_hook_names_get_the_same_did_you_mean_as_weight_names()
    {
        // A typo, a different case, and a name missing its block all find the real name; nothing close finds no guess.
        Assert.Contains("Did you mean 'pattern'?", HookNames.UnknownMessage("patern", 2));
        Assert.Contains("Did you mean 'hook_embed'?", HookNames.UnknownMessage("HOOK_EMBED", 2));
        Assert.Contains("Did you mean 'blocks.0.attn.hook_pattern', 'blocks.1.attn.hook_pattern'?", HookNames.UnknownMessage("attn.hook_pattern", 2));
        string far = HookNames.UnknownMessage("logits", 2);
        Assert.DoesNotContain("Did you mean", far);
        Assert.Contains("Hook names look like 'blocks.0.attn.hook_pattern', or short: [\"pattern\", 0].", far);
        Assert.Contains("HookNames.All(model.Config.NLayers) lists every name.", far);
    }
}
