namespace LessonKit;

/// <summary>
/// The names of every hook point of a GPT-2 model, in the order a forward pass reaches them, with the
/// TransformerLens short forms (<c>("pattern", 0)</c> → <c>blocks.0.attn.hook_pattern</c>).
/// </summary>
public static class HookNames
{
    /// <summary>Hook points inside each block, relative to <c>blocks.{layer}.</c>, in forward order.</summary>
    public static IReadOnlyList<string> PerBlock { get; } =
    [
        "hook_resid_pre",
        "ln1.hook_scale", "ln1.hook_normalized",
        "attn.hook_q", "attn.hook_k", "attn.hook_v",
        "attn.hook_attn_scores", "attn.hook_pattern", "attn.hook_z",
        "hook_attn_out", "hook_resid_mid",
        "ln2.hook_scale", "ln2.hook_normalized",
        "mlp.hook_pre", "mlp.hook_post",
        "hook_mlp_out", "hook_resid_post",
    ];

    /// <summary>Hook points before the first block.</summary>
    public static IReadOnlyList<string> BeforeBlocks { get; } = ["hook_embed", "hook_pos_embed"];

    /// <summary>Hook points after the last block.</summary>
    public static IReadOnlyList<string> AfterBlocks { get; } = ["ln_final.hook_scale", "ln_final.hook_normalized"];

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

    // TransformerLens's get_act_name: short activation names and where they live inside a block.
    private static readonly Dictionary<string, string> ShortInBlock = new()
    {
        ["q"] = "attn.hook_q", ["k"] = "attn.hook_k", ["v"] = "attn.hook_v", ["z"] = "attn.hook_z",
        ["attn_scores"] = "attn.hook_attn_scores", ["scores"] = "attn.hook_attn_scores", ["pattern"] = "attn.hook_pattern",
        ["pre"] = "mlp.hook_pre", ["post"] = "mlp.hook_post",
        ["resid_pre"] = "hook_resid_pre", ["resid_mid"] = "hook_resid_mid", ["resid_post"] = "hook_resid_post",
        ["attn_out"] = "hook_attn_out", ["mlp_out"] = "hook_mlp_out",
    };

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
        var known = All(nLayers).Concat(ShortInBlock.Keys).Concat(["embed", "pos_embed", "scale", "normalized"]).Where(c => c != name);
        var closest = ShortInBlock.TryGetValue(name, out string? local) && nLayers > 0
            ? [$"blocks.0.{local}"] // a short name without its layer: show the full form
            : Closest(name, known, 3);
        return $"'{name}' is not a hook point of this model.{extra} Did you mean {string.Join(", ", closest.Select(c => $"'{c}'"))}? " +
               "HookNames.All(model.Config.NLayers) lists every name.";
    }

    /// <summary>The <paramref name="count"/> names closest to <paramref name="name"/> by edit distance.</summary>
    public static IReadOnlyList<string> Closest(string name, IEnumerable<string> candidates, int count) =>
        candidates.Distinct()
            .Select(c => (c, d: EditDistance(name, c)))
            .OrderBy(x => x.d).ThenBy(x => x.c.Length).ThenBy(x => x.c, StringComparer.Ordinal)
            .Take(count).Select(x => x.c).ToList();

    private static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                int substitute = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1);
                current[j] = Math.Min(substitute, Math.Min(previous[j] + 1, current[j - 1] + 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
