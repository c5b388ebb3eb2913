using LessonKit.Weights;

namespace LessonKit;

/// <summary>
/// The names of every hook point of a GPT-2 model, in the order a forward pass reaches them, with the
/// TransformerLens short forms (<c>("pattern", 0)</c> → <c>blocks.0.attn.hook_pattern</c>).
/// </summary>
public static class HookNames
{
    // The one table of hook points inside a block: each one's name after "blocks.{layer}." and the TransformerLens
    // short names (get_act_name) that reach it. PerBlock, the short names and each block's BlockHookPoints read it.
    internal static readonly BlockHook ResidPre = new("hook_resid_pre", "resid_pre");
    internal static readonly BlockHook Ln1Scale = new("ln1.hook_scale");               // "scale" needs the LayerNorm: ["scale", l, "ln1"]
    internal static readonly BlockHook Ln1Normalized = new("ln1.hook_normalized");
    internal static readonly BlockHook Q = new("attn.hook_q", "q");
    internal static readonly BlockHook K = new("attn.hook_k", "k");
    internal static readonly BlockHook V = new("attn.hook_v", "v");
    internal static readonly BlockHook AttnScores = new("attn.hook_attn_scores", "attn_scores", "scores");
    internal static readonly BlockHook Pattern = new("attn.hook_pattern", "pattern");
    internal static readonly BlockHook Z = new("attn.hook_z", "z");
    internal static readonly BlockHook AttnOut = new("hook_attn_out", "attn_out");
    internal static readonly BlockHook ResidMid = new("hook_resid_mid", "resid_mid");
    internal static readonly BlockHook Ln2Scale = new("ln2.hook_scale");
    internal static readonly BlockHook Ln2Normalized = new("ln2.hook_normalized");
    internal static readonly BlockHook MlpPre = new("mlp.hook_pre", "pre");
    internal static readonly BlockHook MlpPost = new("mlp.hook_post", "post");
    internal static readonly BlockHook MlpOut = new("hook_mlp_out", "mlp_out");
    internal static readonly BlockHook ResidPost = new("hook_resid_post", "resid_post");

    /// <summary>The table's rows in the order a forward pass reaches them.</summary>
    internal static IReadOnlyList<BlockHook> InBlock { get; } =
    [
        ResidPre, Ln1Scale, Ln1Normalized, Q, K, V, AttnScores, Pattern, Z, AttnOut, ResidMid,
        Ln2Scale, Ln2Normalized, MlpPre, MlpPost, MlpOut, ResidPost,
    ];

    /// <summary>Hook points inside each block, relative to <c>blocks.{layer}.</c>, in forward order.</summary>
    public static IReadOnlyList<string> PerBlock { get; } = [.. InBlock.Select(hook => hook.Local)];

    // The hook points outside the blocks: the token and position embeddings, and the final LayerNorm.
    internal static readonly HookPoint Embed = new("hook_embed", null);
    internal static readonly HookPoint PosEmbed = new("hook_pos_embed", null);
    internal static readonly HookPoint LnFinalScale = new("ln_final.hook_scale", null);
    internal static readonly HookPoint LnFinalNormalized = new("ln_final.hook_normalized", null);

    /// <summary>Hook points before the first block.</summary>
    public static IReadOnlyList<string> BeforeBlocks { get; } = [Embed.Name, PosEmbed.Name];

    /// <summary>Hook points after the last block.</summary>
    public static IReadOnlyList<string> AfterBlocks { get; } = [LnFinalScale.Name, LnFinalNormalized.Name];

    /// <summary>Every hook name of a model with <paramref name="nLayers"/> blocks, in forward order.</summary>
    public static IReadOnlyList<string> All(int nLayers)
    {
        var names = new List<string>(BeforeBlocks.Count + nLayers * PerBlock.Count + AfterBlocks.Count);
        names.AddRange(BeforeBlocks);
        for (int layer = 0; layer < nLayers; layer++)
            foreach (string local in PerBlock) names.Add($"blocks.{layer}.{local}");
        names.AddRange(AfterBlocks);
        return names;
    }

    /// <summary>The hook point for a full name, or <c>null</c> when the model has no such hook.</summary>
    public static HookPoint? TryParse(string name, int nLayers)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (BeforeBlocks.Contains(name) || AfterBlocks.Contains(name)) return new HookPoint(name, null);
        if (!name.StartsWith("blocks.", StringComparison.Ordinal)) return null;
        int dot = name.IndexOf('.', "blocks.".Length);
        if (dot < 0) return null;
        string number = name["blocks.".Length..dot];
        if (!int.TryParse(number, System.Globalization.NumberStyles.None, null, out int layer)
            || layer >= nLayers || number != layer.ToString(System.Globalization.CultureInfo.InvariantCulture)) return null;
        return PerBlock.Contains(name[(dot + 1)..]) ? new HookPoint(name, layer) : null;
    }

    // TransformerLens's get_act_name: a short activation name → where it lives inside a block.
    private static readonly Dictionary<string, string> ShortInBlock =
        InBlock.SelectMany(hook => hook.ShortNames.Select(shortName => (shortName, hook.Local))).ToDictionary(p => p.shortName, p => p.Local);

    private static readonly Dictionary<string, string> LayerTypes = new()
    {
        ["ln1"] = "ln1", ["ln2"] = "ln2", ["attn"] = "attn", ["a"] = "attn", ["mlp"] = "mlp", ["m"] = "mlp",
    };

    /// <summary>
    /// Turns a TransformerLens short name into a full hook name: <c>("pattern", 0)</c> → <c>blocks.0.attn.hook_pattern</c>,
    /// <c>("scale", 2, "ln1")</c> → <c>blocks.2.ln1.hook_scale</c>, <c>("embed")</c> → <c>hook_embed</c>,
    /// <c>("scale")</c> → <c>ln_final.hook_scale</c>. A negative layer counts from the end (-1 is the last block).
    /// Full names pass through unchanged.
    /// </summary>
    public static string Resolve(string name, int? layer, string? layerType, int nLayers)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (layer is null)
        {
            if (TryParse(name, nLayers) is not null) return name;
            return name switch
            {
                "embed" or "hook_embed" => "hook_embed",
                "pos_embed" or "hook_pos_embed" => "hook_pos_embed",
                "scale" or "normalized" when layerType is null or "ln_final" => $"ln_final.hook_{name}",
                _ => throw new KeyNotFoundException(UnknownMessage(name, nLayers,
                    ShortInBlock.ContainsKey(name) ? $" '{name}' lives in every block: give a layer, as in [\"{name}\", 0]." : "")),
            };
        }

        if (TryParse(name, nLayers) is not null)
            throw new ArgumentException($"'{name}' is a full hook name, so it takes no layer: use [\"{name}\"].", nameof(layer));
        if (name is "embed" or "pos_embed" or "hook_embed" or "hook_pos_embed")
            throw new ArgumentException($"'{name}' is not inside a block, so it takes no layer: use [\"{name}\"].", nameof(layer));
        if (layerType is not null && !LayerTypes.ContainsKey(layerType))
            throw new ArgumentException(
                $"'{layerType}' is not a part of a block; the third index is one of {string.Join(", ", LayerTypes.Keys.Select(k => $"'{k}'"))}, as in [\"scale\", 0, \"ln1\"].",
                nameof(layerType));

        int l = layer.Value < 0 ? nLayers + layer.Value : layer.Value;
        if (l < 0 || l >= nLayers)
            throw new ArgumentOutOfRangeException(nameof(layer), layer,
                $"Layer {layer} does not exist: this model has {nLayers} blocks, numbered 0 to {nLayers - 1} (or -1 to -{nLayers} from the end).");

        string bare = name.StartsWith("hook_", StringComparison.Ordinal) ? name["hook_".Length..] : name;
        if (bare is "scale" or "normalized")
        {
            if (layerType is null || !LayerTypes.TryGetValue(layerType, out string? ln) || ln is not ("ln1" or "ln2"))
                throw new ArgumentException($"'{name}' at layer {layer} is ambiguous: say which LayerNorm, as in [\"{bare}\", {layer}, \"ln1\"] or [\"{bare}\", {layer}, \"ln2\"].");
            return $"blocks.{l}.{ln}.hook_{bare}";
        }
        if (ShortInBlock.TryGetValue(bare, out string? local))
        {
            if (layerType is not null && LayerTypes.TryGetValue(layerType, out string? where) && !local.StartsWith(where + ".", StringComparison.Ordinal))
                throw new ArgumentException($"'{name}' is not part of '{layerType}' in block {l}; it is blocks.{l}.{local}.");
            return $"blocks.{l}.{local}";
        }
        string candidate = $"blocks.{l}.{name}";
        if (TryParse(candidate, nLayers) is not null) return candidate;
        throw new KeyNotFoundException(UnknownMessage(name, nLayers, ""));
    }

    /// <summary>An error text for an unknown hook name that lists the closest real names (never the rejected name itself).</summary>
    public static string UnknownMessage(string name, int nLayers, string extra = "")
    {
        ArgumentNullException.ThrowIfNull(name);
        var known = All(nLayers).Concat(ShortInBlock.Keys).Concat(["embed", "pos_embed", "scale", "normalized"]).Where(c => c != name).Distinct().ToList();
        IReadOnlyList<string> closest = ShortInBlock.TryGetValue(name, out string? local) && nLayers > 0
            ? [$"blocks.0.{local}"] // a short name without its layer: show the full form
            : ClosestNames.Find(name, known);
        string suggestion = closest.Count > 0
            ? $" Did you mean {string.Join(", ", closest.Select(c => $"'{c}'"))}?"
            : " Hook names look like 'blocks.0.attn.hook_pattern', or short: [\"pattern\", 0].";
        return $"'{name}' is not a hook point of this model.{extra}{suggestion} HookNames.All(model.Config.NLayers) lists every name.";
    }
}

/// <summary>A hook point inside every block: its name after <c>blocks.{layer}.</c> and the short names that reach it.</summary>
internal sealed class BlockHook
{
    public BlockHook(string local, params string[] shortNames)
    {
        Local = local;
        ShortNames = shortNames;
    }

    /// <summary>The name after <c>blocks.{layer}.</c>: <c>attn.hook_pattern</c>.</summary>
    public string Local { get; }

    /// <summary>TransformerLens's short names for it (<c>pattern</c>); none for a LayerNorm's, which need the LayerNorm named.</summary>
    public IReadOnlyList<string> ShortNames { get; }

    /// <summary>This hook point in block <paramref name="layer"/>: <c>blocks.3.attn.hook_pattern</c>.</summary>
    public HookPoint In(int layer) => new($"blocks.{layer}.{Local}", layer);

    public override string ToString() => Local;
}
