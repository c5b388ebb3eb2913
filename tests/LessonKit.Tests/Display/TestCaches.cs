using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Display;

/// <summary>Builds activation caches with real softmaxed, causal random attention patterns for view tests.</summary>
internal static class TestCaches
{
    /// <summary>Tokens that would break a view that treats text as markup or code.</summary>
    public static readonly string[] Nasty =
    [
        "<|endoftext|>", "<script>window.__xss=1</script>", " \"onmouseover=\"window.__xss=2", "</script><script>window.__xss=3</script>",
        " &amp;", "'", "<img src=x onerror=\"window.__xss=4\">", "<!--", "\u2028line\u2029sep", "\n", " it", " cat", "{{x}}", "\\u003c",
    ];

    /// <summary>
    /// A cache for a model of <paramref name="layers"/> × <paramref name="heads"/> over <paramref name="length"/> tokens:
    /// hook_embed, hook_pos_embed, and per block attn.hook_pattern (softmax of random scores with the causal mask)
    /// and mlp.hook_post.
    /// </summary>
    /// <remarks>
    /// <paramref name="structured"/> adds the shapes real heads have (attention to the first token, to the previous
    /// token, to the token two back) on top of the noise, so screenshots of long texts look like a model's.
    /// </remarks>
    public static ActivationCache Random(int layers, int heads, int length, int seed = 0, int batch = 1, bool mlp = true, bool embed = true, float sharpness = 3f, bool structured = false)
    {
        int dModel = heads * 4;
        var config = new Gpt2Config { NLayers = layers, NHeads = heads, DModel = dModel, DMlp = dModel * 4, NCtx = Math.Max(length, 8), DVocab = 64, ModelName = "test-gpt2" };
        var cache = new ActivationCache(config);
        var generator = new torch.Generator((ulong)seed);
        if (embed)
        {
            cache.Add("hook_embed", torch.randn([batch, length, dModel], generator: generator));
            cache.Add("hook_pos_embed", torch.randn([batch, length, dModel], generator: generator) * 0.5f);
        }
        using var mayAttend = torch.ones(length, length, dtype: ScalarType.Bool).tril();   // the causal mask: true where the query may attend to the key
        // At most 4 distinct random layers (copied for deeper models) keep big test caches quick to build.
        var distinct = new List<Tensor>();
        for (int l = 0; l < layers; l++)
        {
            if (l < 4)
            {
                using var scope = torch.NewDisposeScope();
                Tensor scores = torch.randn([batch, heads, length, length], generator: generator) * sharpness;
                if (structured) scores = scores + Structure(heads, length, l);
                distinct.Add(scores.masked_fill(mayAttend.logical_not(), float.NegativeInfinity).softmax(-1).MoveToOuterDisposeScope());   // [batch, head, query, key]
            }
            cache.Add($"blocks.{l}.attn.hook_pattern", distinct[l % 4].alias());   // a view sharing the storage
            if (mlp) cache.Add($"blocks.{l}.mlp.hook_post", torch.randn([batch, length, dModel * 4], generator: generator));
        }
        foreach (Tensor t in distinct) t.Dispose();
        return cache;
    }

    private static Tensor Structure(int heads, int length, int layer)
    {
        var bonus = new float[heads * length * length];
        for (int h = 0; h < heads; h++)
            for (int q = 0; q < length; q++)
            {
                int back = (h + layer) % 3;   // 0: the token itself, 1: the previous token, 2: two back
                bonus[(h * length + q) * length + Math.Max(0, q - back)] += 9;
                if ((h + layer) % 2 == 1) bonus[(h * length + q) * length] += 8;   // the first token, an "attention sink"
            }
        return torch.tensor(bonus, [1, heads, length, length]);
    }

    /// <summary>A cache whose pattern is exactly <paramref name="pattern"/> ([layer][head][query, key]) for ranking tests.</summary>
    public static ActivationCache FromPatterns(float[][][,] pattern)
    {
        int layers = pattern.Length, heads = pattern[0].Length, length = pattern[0][0].GetLength(0);
        var config = new Gpt2Config { NLayers = layers, NHeads = heads, DModel = heads * 4, NCtx = Math.Max(8, length), DVocab = 64 };
        var cache = new ActivationCache(config);
        for (int l = 0; l < layers; l++)
        {
            var flat = new float[heads * length * length];
            for (int h = 0; h < heads; h++)
                for (int q = 0; q < length; q++)
                    for (int k = 0; k < length; k++)
                        flat[(h * length + q) * length + k] = pattern[l][h][q, k];
            cache.Add($"blocks.{l}.attn.hook_pattern", torch.tensor(flat, [1, heads, length, length]));
        }
        return cache;
    }

    /// <summary>Token strings "t0", "t1", ... with a few nasty ones mixed in.</summary>
    public static string[] Tokens(int length, bool nasty = true) =>
        Enumerable.Range(0, length).Select(i => nasty && i < Nasty.Length ? Nasty[i] : $" tok{i}").ToArray();

    /// <summary>Six token texts for a tiny model's run, with a lone space and a newline among them.</summary>
    public static readonly string[] Words = ["a", " b", " ", " d", "\n", " f"];

    /// <summary>A tiny random GPT-2 (3 layers × 2 heads) for views of real forward passes with hooks and filters.</summary>
    public static HookedGpt2 TinyModel() =>
        HookedGpt2.FromConfig(new Gpt2Config { NLayers = 3, NHeads = 2, DModel = 16, NCtx = 16, DVocab = 50 }, seed: 4);

    /// <summary>Token ids for <see cref="TinyModel"/>, one per word of <see cref="Words"/>: [1, 6].</summary>
    public static Tensor TinyTokens() => torch.tensor(new long[] { 1, 5, 9, 2, 7, 3 }, [1, 6]);
}
