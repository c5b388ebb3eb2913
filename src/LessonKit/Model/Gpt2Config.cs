using System.Text.Json;
using System.Text.Json.Nodes;

namespace LessonKit;

/// <summary>
/// The shape of a GPT-2 model: how many layers and heads, how wide the residual stream is, how long a context.
/// Names follow TransformerLens (<c>n_layers</c> → <see cref="NLayers"/>); <see cref="FromJson"/> reads a Hugging Face
/// <c>config.json</c> (<c>n_layer</c>, <c>n_head</c>, <c>n_embd</c>, <c>n_positions</c>, <c>vocab_size</c>, ...).
/// The defaults are GPT-2 small.
/// </summary>
public sealed record Gpt2Config
{
    private readonly int? _dMlp;

    /// <summary>Number of transformer blocks (Hugging Face <c>n_layer</c>).</summary>
    public int NLayers { get; init; } = 12;

    /// <summary>Attention heads per block (<c>n_head</c>).</summary>
    public int NHeads { get; init; } = 12;

    /// <summary>Width of the residual stream (<c>n_embd</c>).</summary>
    public int DModel { get; init; } = 768;

    /// <summary>Width of one head's query, key and value: <c>DModel / NHeads</c>.</summary>
    public int DHead => NHeads > 0 ? DModel / NHeads : 0;

    /// <summary>Hidden width of the MLP (<c>n_inner</c>); 4 × <see cref="DModel"/> unless set.</summary>
    public int DMlp { get => _dMlp ?? 4 * DModel; init => _dMlp = value; }

    /// <summary>Longest context the model can read (<c>n_positions</c>): the number of learned positions.</summary>
    public int NCtx { get; init; } = 1024;

    /// <summary>Vocabulary size (<c>vocab_size</c>); GPT-2's tokenizer has 50257 tokens.</summary>
    public int DVocab { get; init; } = 50257;

    /// <summary>The epsilon added to the variance inside every LayerNorm (<c>layer_norm_epsilon</c>).</summary>
    public double LayerNormEpsilon { get; init; } = 1e-5;

    /// <summary>The MLP's nonlinearity (<c>activation_function</c>): <c>gelu_new</c> (tanh GELU, GPT-2's), <c>gelu</c> (exact erf GELU) or <c>relu</c>.</summary>
    public string ActivationFunction { get; init; } = "gelu_new";

    /// <summary>
    /// Blocks without their MLP: each block is its LayerNorm and attention only, as in the attention-only toy models of
    /// Elhage et al. 2021 and Olsson et al. 2022, where every computation is attention heads composing. The MLP weights
    /// stay in the model (a checkpoint keeps GPT-2's layout) but are never used, so they get no gradient and no hook of
    /// the MLP fires. No GPT-2 checkpoint is attention-only; <see cref="ToJson"/> writes it as
    /// <c>"lessonkit_attention_only": true</c>.
    /// </summary>
    public bool AttentionOnly { get; init; }

    /// <summary>A name to show for the model, such as <c>gpt2</c> or the directory it came from.</summary>
    public string ModelName { get; init; } = "custom";

    /// <summary>Activation functions this implementation knows, by their Hugging Face names.</summary>
    public static IReadOnlyList<string> SupportedActivations { get; } = ["gelu_new", "gelu_pytorch_tanh", "gelu", "relu"];

    /// <summary>Throws an <see cref="ArgumentException"/> that says which field is wrong and why.</summary>
    public void Validate()
    {
        static void Positive(int value, string name)
        {
            if (value <= 0) throw new ArgumentException($"Gpt2Config.{name} must be positive, but it is {value}.");
        }
        if (_dMlp is null && DModel > int.MaxValue / 4)
            throw new ArgumentException($"Gpt2Config.DModel ({DModel}) is too large: the MLP's width, 4 × DModel, must fit in an int. Use a smaller DModel (GPT-2 XL has 1600).");
        Positive(NLayers, nameof(NLayers));
        Positive(NHeads, nameof(NHeads));
        Positive(DModel, nameof(DModel));
        Positive(DMlp, nameof(DMlp));
        Positive(NCtx, nameof(NCtx));
        Positive(DVocab, nameof(DVocab));
        if (DModel % NHeads != 0)
            throw new ArgumentException($"Gpt2Config.DModel ({DModel}) must be a multiple of NHeads ({NHeads}) so that every head gets DModel / NHeads dimensions.");
        if (!(LayerNormEpsilon > 0) || double.IsInfinity(LayerNormEpsilon))
            throw new ArgumentException($"Gpt2Config.LayerNormEpsilon must be a small positive number, but it is {LayerNormEpsilon}.");
        if (string.IsNullOrWhiteSpace(ModelName))
            throw new ArgumentException("Gpt2Config.ModelName must be a name (messages and displays show it); leave it out to get \"custom\".");
        if (!SupportedActivations.Contains(ActivationFunction))
            throw new ArgumentException($"Gpt2Config.ActivationFunction '{ActivationFunction}' is not supported; use one of: {string.Join(", ", SupportedActivations)}.");
    }

    /// <summary>Reads a Hugging Face GPT-2 <c>config.json</c> file.</summary>
    public static Gpt2Config FromFile(string configJsonPath, string? modelName = null)
    {
        if (!File.Exists(configJsonPath))
            throw new FileNotFoundException($"No config.json at '{configJsonPath}'. A GPT-2 checkpoint directory needs config.json next to model.safetensors.", configJsonPath);
        try
        {
            return FromJson(File.ReadAllText(configJsonPath), modelName ?? Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(configJsonPath))));
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{configJsonPath}: {e.Message}", e);
        }
    }

    /// <summary>Parses the text of a Hugging Face GPT-2 <c>config.json</c>.</summary>
    public static Gpt2Config FromJson(string json, string? modelName = null)
    {
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json) as JsonObject ?? throw new InvalidDataException("config.json must hold a JSON object.");
            _ = root.Count; // reads every property now, so a duplicate key fails here
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"config.json is not valid JSON: {ex.Message}", ex);
        }
        catch (ArgumentException ex) // JsonObject refuses a key given twice
        {
            throw new InvalidDataException($"config.json is not a valid config: {ex.Message} Each setting must appear once.", ex);
        }

        int Int(string key, int? fallback = null)
        {
            JsonNode? node = root[key];
            if (node is null)
                return fallback ?? throw new InvalidDataException(
                    $"config.json has no '{key}'; a GPT-2 config needs n_layer, n_head, n_embd, n_positions and vocab_size.");
            if (node is JsonValue v && v.TryGetValue(out long n) && n is > 0 and <= int.MaxValue) return (int)n;
            throw new InvalidDataException($"config.json has '{key}' = {node.ToJsonString()}, but it must be a positive whole number.");
        }

        // An optional setting: its default when absent or null, an error when it is there but of the wrong kind.
        T Optional<T>(string key, T fallback, string expected, Func<JsonValue, (bool Ok, T Value)> read)
        {
            JsonNode? node = root[key];
            if (node is null) return fallback;
            if (node is JsonValue value && read(value) is (true, var result)) return result;
            throw new InvalidDataException($"config.json has '{key}' = {node.ToJsonString()}, but it must be {expected}.");
        }
        static (bool, string) ReadString(JsonValue v) => v.GetValueKind() == JsonValueKind.String ? (true, v.GetValue<string>()) : (false, "");
        static (bool, bool) ReadBool(JsonValue v) => v.GetValueKind() is JsonValueKind.True or JsonValueKind.False ? (true, v.GetValue<bool>()) : (false, false);
        static (bool, double) ReadNumber(JsonValue v) => v.GetValueKind() == JsonValueKind.Number ? (true, v.GetValue<double>()) : (false, 0);

        string? modelType = Optional<string?>("model_type", null, "a string such as \"gpt2\"", v => ReadString(v));
        if (modelType is not null && modelType != "gpt2")
            throw new InvalidDataException($"config.json says model_type '{modelType}', but LessonKit loads GPT-2 models (model_type 'gpt2') only.");

        // Hugging Face's GPT2Config has switches for attention variants that no GPT-2 checkpoint uses and that LessonKit
        // does not implement; loading such a model anyway would give wrong numbers without a word.
        if (!Optional("scale_attn_weights", true, "true or false", ReadBool))
            throw new InvalidDataException("config.json sets scale_attn_weights = false (attention scores not divided by √d_head); LessonKit computes attention as GPT-2 does, with the scaling, and cannot load this model.");
        if (!Optional("tie_word_embeddings", true, "true or false", ReadBool))
            throw new InvalidDataException("config.json sets tie_word_embeddings = false (a separate unembedding matrix); GPT-2 unembeds with its token embedding, as LessonKit does, so it cannot load this model.");
        if (Optional("scale_attn_by_inverse_layer_idx", false, "true or false", ReadBool))
            throw new InvalidDataException("config.json sets scale_attn_by_inverse_layer_idx = true (scores also divided by the layer number); LessonKit computes attention as GPT-2 does and cannot load this model.");

        int dModel = Int("n_embd");
        var config = new Gpt2Config
        {
            NLayers = Int("n_layer"),
            NHeads = Int("n_head"),
            DModel = dModel,
            NCtx = root["n_positions"] is null && root["n_ctx"] is not null ? Int("n_ctx") : Int("n_positions"),
            DVocab = Int("vocab_size"),
            DMlp = Int("n_inner", fallback: 4 * dModel),
            LayerNormEpsilon = Optional("layer_norm_epsilon", 1e-5, "a small positive number such as 1e-05", ReadNumber),
            ActivationFunction = Optional("activation_function", "gelu_new", $"a string, one of {string.Join(", ", SupportedActivations)}", ReadString),
            AttentionOnly = Optional(AttentionOnlyKey, false, "true or false", ReadBool),
            ModelName = string.IsNullOrWhiteSpace(modelName) ? "custom" : modelName,
        };
        try
        {
            config.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new InvalidDataException(ex.Message, ex);
        }
        return config;
    }

    private const string AttentionOnlyKey = "lessonkit_attention_only"; // LessonKit's own config.json key; Hugging Face ignores it

    /// <summary>Two configs are equal when every public value is (a DMlp left at its default equals 4 × DModel given explicitly).</summary>
    public bool Equals(Gpt2Config? other) =>
        other is not null && NLayers == other.NLayers && NHeads == other.NHeads && DModel == other.DModel && DMlp == other.DMlp &&
        NCtx == other.NCtx && DVocab == other.DVocab && LayerNormEpsilon.Equals(other.LayerNormEpsilon) &&
        ActivationFunction == other.ActivationFunction && ModelName == other.ModelName && AttentionOnly == other.AttentionOnly;

    /// <summary>A hash of the same fields <see cref="Equals(Gpt2Config)"/> compares.</summary>
    public override int GetHashCode() => HashCode.Combine(NLayers, NHeads, DModel, DMlp, NCtx, DVocab, LayerNormEpsilon, HashCode.Combine(ActivationFunction, ModelName, AttentionOnly));

    /// <summary>Writes this configuration as a Hugging Face <c>config.json</c> text.</summary>
    public string ToJson()
    {
        var root = new JsonObject
        {
            ["architectures"] = new JsonArray("GPT2LMHeadModel"),
            ["model_type"] = "gpt2",
            ["activation_function"] = ActivationFunction,
            ["n_ctx"] = NCtx,
            ["n_positions"] = NCtx,
            ["n_embd"] = DModel,
            ["n_head"] = NHeads,
            ["n_layer"] = NLayers,
            ["n_inner"] = DMlp,
            ["vocab_size"] = DVocab,
            ["layer_norm_epsilon"] = LayerNormEpsilon,
            ["bos_token_id"] = 50256,
            ["eos_token_id"] = 50256,
        };
        if (AttentionOnly) root[AttentionOnlyKey] = true;
        return root.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
