using LessonKit.Tests.Support;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Model;

/// <summary>Hugging Face checkpoints come in several shapes; each loads to the same model, and broken ones say what is wrong.</summary>
public sealed class LoadingTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("lessonkit-loading-").FullName;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    /// <summary>Copies tiny-gpt2 with its weights rewritten by <paramref name="rewrite"/> (name → tensor, in file order).</summary>
    private string Variant(string name, Func<List<KeyValuePair<string, Tensor>>, List<KeyValuePair<string, Tensor>>> rewrite)
    {
        string directory = Path.Combine(_work, name);
        Directory.CreateDirectory(directory);
        foreach (var file in new[] { "config.json", "vocab.json", "merges.txt" })
            File.Copy(Path.Combine(TinyGpt2.Directory, file), Path.Combine(directory, file));
        using var source = SafetensorsFile.Open(Path.Combine(TinyGpt2.Directory, "model.safetensors"));
        var tensors = source.Entries.Keys.Select(k => new KeyValuePair<string, Tensor>(k, source.Load(k))).ToList();
        SafetensorsWriter.Save(Path.Combine(directory, "model.safetensors"), rewrite(tensors));
        return directory;
    }

    private static void AssertSameLogitsAsFixture(string directory, double tolerance)
    {
        using var original = TinyGpt2.Load();
        using var variant = HookedGpt2.FromPretrained(directory);
        using var tokens = TinyGpt2.ReferenceTokens();
        using var expected = original.Forward(tokens);
        using var actual = variant.Forward(tokens);
        TensorAssert.Close(actual, expected, tolerance, directory);
    }

    [Fact]
    public void KeysWithTheTransformerPrefixAndATiedLmHeadLoad()
    {
        string directory = Variant("prefixed", tensors =>
        [
            .. tensors.Select(t => new KeyValuePair<string, Tensor>("transformer." + t.Key, t.Value)),
            new("lm_head.weight", tensors.Single(t => t.Key == "wte.weight").Value),
        ]);
        AssertSameLogitsAsFixture(directory, 0);
    }

    [Fact]
    public void AnLmHeadThatDiffersFromTheTokenEmbeddingIsRefused()
    {
        // A fine-tune with its own unembedding: ignoring lm_head would give wrong logits without a word.
        string untied = Variant("untied", tensors =>
            [.. tensors, new("lm_head.weight", tensors.Single(t => t.Key == "wte.weight").Value + 0.001f)]);
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(untied));
        Assert.Contains("'lm_head.weight' differs from 'wte.weight'", error.Message);

        // The same numbers in another dtype are still tied.
        string halfHead = Variant("tied-half", tensors =>
        [
            .. tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Key == "wte.weight" ? t.Value.to(ScalarType.Float16).to(ScalarType.Float32) : t.Value)),
            new("lm_head.weight", tensors.Single(t => t.Key == "wte.weight").Value.to(ScalarType.Float16)),
        ]);
        using var loaded = HookedGpt2.FromPretrained(halfHead);

        string config = File.ReadAllText(Path.Combine(TinyGpt2.Directory, "config.json"));
        string untiedConfig = Variant("untied-config", tensors => tensors);
        File.WriteAllText(Path.Combine(untiedConfig, "config.json"), config.TrimEnd().TrimEnd('}') + ", \"tie_word_embeddings\": false}");
        Assert.Contains("tie_word_embeddings = false", Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(untiedConfig)).Message);
    }

    [Theory]
    [InlineData(ScalarType.Int64)]
    [InlineData(ScalarType.Int32)]
    [InlineData(ScalarType.Bool)]
    public void WeightsStoredAsIntegersAreRefused(ScalarType dtype)
    {
        // Converting them would load a model with silently wrong numbers (LayerNorm scales of 0 or 1, say).
        string directory = Variant($"int-{dtype}", tensors =>
            tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Key == "ln_f.weight" ? t.Value.to(dtype) : t.Value)).ToList());
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("'ln_f.weight' is stored as", error.Message);
        Assert.Contains("floating-point", error.Message);
    }

    [Fact]
    public void OldAttentionMaskBuffersAreIgnored()
    {
        string directory = Variant("buffers", tensors =>
        [
            .. tensors,
            .. Enumerable.Range(0, 2).SelectMany(l => new KeyValuePair<string, Tensor>[]
            {
                new($"h.{l}.attn.bias", torch.ones(128, 128).tril().view(1, 1, 128, 128)),
                new($"h.{l}.attn.masked_bias", torch.tensor(-1e4f)),
            }),
        ]);
        AssertSameLogitsAsFixture(directory, 0);
    }

    [Theory]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void HalfPrecisionCheckpointsLoadAsFloat32(ScalarType dtype)
    {
        string directory = Variant(dtype.ToString(), tensors => tensors.Select(t => new KeyValuePair<string, Tensor>(t.Key, t.Value.to(dtype))).ToList());
        using var original = TinyGpt2.Load();
        using var model = HookedGpt2.FromPretrained(directory);
        foreach (var (name, weight) in model.Weights)
        {
            Assert.Equal(ScalarType.Float32, weight.dtype);
            // Exactly the half-precision values, widened: nothing lost or changed in loading.
            using var expected = original.Weights[name].to(dtype).to(ScalarType.Float32);
            Assert.True(TensorAssert.Identical(weight, expected), name);
        }
        using var tokens = TinyGpt2.ReferenceTokens();
        using var logits = model.Forward(tokens);
        Assert.False(logits.isnan().any().ToBoolean());
    }

    [Fact]
    public void AMissingKeyIsNamed()
    {
        string directory = Variant("missing", tensors => tensors.Where(t => t.Key != "h.1.mlp.c_fc.bias").ToList());
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("'h.1.mlp.c_fc.bias'", error.Message);
    }

    [Fact]
    public void AWrongShapeIsNamed()
    {
        string directory = Variant("shape", tensors => tensors
            .Select(t => t.Key == "h.0.attn.c_proj.weight" ? new KeyValuePair<string, Tensor>(t.Key, torch.zeros(32, 16)) : t).ToList());
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("'h.0.attn.c_proj.weight'", error.Message);
        Assert.Contains("[32, 16]", error.Message);
        Assert.Contains("[32, 32]", error.Message);
    }

    [Fact]
    public void AnUnexpectedKeyIsNamed()
    {
        string directory = Variant("extra", tensors => [.. tensors, new("h.2.ln_1.weight", torch.ones(32))]);
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("'h.2.ln_1.weight'", error.Message);
    }

    [Fact]
    public void PickleOnlyCheckpointsAreRefused()
    {
        string directory = Path.Combine(_work, "pickle");
        Directory.CreateDirectory(directory);
        File.Copy(Path.Combine(TinyGpt2.Directory, "config.json"), Path.Combine(directory, "config.json"));
        File.WriteAllBytes(Path.Combine(directory, "pytorch_model.bin"), [0x80, 0x02]);
        var error = Assert.Throws<FileNotFoundException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("pickle", error.Message);
        Assert.Contains("safetensors", error.Message);
    }

    [Fact]
    public void BigCheckpointsShowLoadingProgressSmallOnesDoNot()
    {
        var shown = new StringWriter();
        using (HookedGpt2.FromPretrained(TinyGpt2.Directory, hub: new LessonKit.Hub.HubOptions { ProgressWriter = shown })) { }
        Assert.Equal("", shown.ToString()); // 6 MB: loads at once, nothing to show

        using (HookedGpt2.FromPretrained(TinyGpt2.Directory, hub: new LessonKit.Hub.HubOptions { ProgressWriter = shown, LoadProgressThresholdBytes = 0 })) { }
        string[] lines = shown.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^  loading model\.safetensors  [\d.]+ MB  done in ", lines[^1]);

        var quiet = new StringWriter();
        using (HookedGpt2.FromPretrained(TinyGpt2.Directory, hub: new LessonKit.Hub.HubOptions { ProgressWriter = quiet, LoadProgressThresholdBytes = 0, ShowProgress = false })) { }
        Assert.Equal("", quiet.ToString());
    }

    [Fact]
    public void ATruncatedWeightsFileIsAClearError()
    {
        string directory = Variant("truncated", tensors => tensors);
        string weights = Path.Combine(directory, "model.safetensors");
        long length = new FileInfo(weights).Length;
        using (var stream = File.OpenWrite(weights)) stream.SetLength(length - 1000);
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("model.safetensors", error.Message);
    }

    [Fact]
    public void AFileThatShrinksDuringTheParallelLoadIsTheReadersOwnError()
    {
        // The header was read when the file was opened; the file then loses its end while the weights load on
        // several threads. The error must be the reader's InvalidDataException, not an AggregateException around it.
        string directory = Variant("shrinking", tensors => tensors);
        string weights = Path.Combine(directory, "model.safetensors");
        using var file = SafetensorsFile.Open(weights);
        using (var stream = new FileStream(weights, FileMode.Open, FileAccess.Write, FileShare.ReadWrite)) stream.SetLength(stream.Length / 2);
        using var network = new LessonKit.Model.Gpt2Transformer(Gpt2Config.FromFile(Path.Combine(directory, "config.json")), torch.CPU);
        var error = Assert.Throws<InvalidDataException>(() => Gpt2CheckpointLoader.Load(network, file));
        Assert.Contains("the file ended", error.Message);
    }

    [Fact]
    public void ABadTokenizerFileIsAnErrorOfTheLoad()
    {
        // The tokenizer is built while the weights load; its error still comes out of FromPretrained.
        string directory = Variant("bad-vocab", tensors => tensors);
        File.WriteAllText(Path.Combine(directory, "vocab.json"), "{\"a\": 0,");
        var error = Assert.Throws<InvalidDataException>(() => HookedGpt2.FromPretrained(directory));
        Assert.Contains("vocab.json", error.Message);
    }

    [Theory]
    [InlineData("/nonexistent/dir/x")]
    [InlineData("./models/gpt2-copy")]
    [InlineData("../gpt2")]
    [InlineData("~/models/gpt2")]
    [InlineData("models/gpt2/small")]
    public void AMissingFolderIsNamedAsAFolderNotAModelName(string path)
    {
        // Never sent to the hub: a path can't be a model name, and "has 3 slashes" would only confuse.
        var error = Assert.Throws<DirectoryNotFoundException>(() => HookedGpt2.FromPretrained(path));
        Assert.Contains($"There is no folder '{path}'", error.Message);
        Assert.Contains(Path.GetFullPath(path), error.Message);
        Assert.Contains("config.json and model.safetensors", error.Message);
        Assert.Equal(path.StartsWith('~'), error.Message.Contains("does not expand '~'"));
    }

    [Fact]
    public void ASeedDrawsEachWeightInItsCheckpointOrderWhateverItsMemoryLayout()
    {
        // Conv1D weights are [in, out] views of [out, in] memory; their values must still be the seed's draws in [in, out]
        // order, parameter after parameter, as a plain normal_ on an [in, out] tensor gives them.
        var config = new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 8, NCtx = 16, DVocab = 50 };
        using var model = HookedGpt2.FromConfig(config, seed: 3);
        Assert.False(model.Weights["h.0.attn.c_attn.weight"].is_contiguous());
        using var generator = new torch.Generator(3);
        foreach (var (name, weight) in model.Weights)
        {
            if (name.Contains("ln_") || name.EndsWith(".bias")) continue;
            double std = name.EndsWith("c_proj.weight") ? 0.02 / Math.Sqrt(2.0) : 0.02;
            using var expected = torch.empty(weight.shape).normal_(0, std, generator);
            Assert.True(TensorAssert.Identical(weight, expected), $"{name} is not the seed's draws in [in, out] order");
        }
    }

    [Fact]
    public void FromConfigIsDeterministicAndSavesAsACheckpoint()
    {
        var config = new Gpt2Config { NLayers = 2, NHeads = 4, DModel = 64, NCtx = 32 };
        using var a = HookedGpt2.FromConfig(config, seed: 7);
        using var b = HookedGpt2.FromConfig(config, seed: 7);
        using var c = HookedGpt2.FromConfig(config, seed: 8);
        using var tokens = a.ToTokens("Hello world");
        using var la = a.Forward(tokens);
        using var lb = b.Forward(tokens);
        using var lc = c.Forward(tokens);
        Assert.True(TensorAssert.Identical(la, lb));
        Assert.False(TensorAssert.Identical(la, lc));
        // Hugging Face's initialization: std 0.02, output projections 0.02 / sqrt(2 * n_layers), LayerNorm weight 1.
        Assert.InRange(a.Weights["h.0.attn.c_attn.weight"].std().ToDouble(), 0.018, 0.022);
        Assert.InRange(a.Weights["h.0.mlp.c_proj.weight"].std().ToDouble(), 0.009, 0.011);
        Assert.Equal(1.0, a.Weights["ln_f.weight"].mean().ToDouble());

        string directory = Path.Combine(_work, "saved");
        a.SaveCheckpoint(directory);
        using var reloaded = HookedGpt2.FromPretrained(directory);
        using var lr = reloaded.Forward(tokens);
        Assert.True(TensorAssert.Identical(la, lr));
        Assert.Equal(a.Config with { ModelName = "saved" }, reloaded.Config);
    }

    [Fact]
    public void AModelMadeInsideADisposeScopeOutlivesIt()
    {
        HookedGpt2 made, loaded;
        using (torch.NewDisposeScope())
        {
            made = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 1, NHeads = 2, DModel = 8, NCtx = 16, DVocab = 100 }, seed: 1);
            loaded = TinyGpt2.Load();
        }
        using (made)
        using (loaded)
        using (var tokens = torch.tensor(new long[] { 1, 2, 3 }))
        {
            using var a = made.Forward(tokens);
            using var b = loaded.Forward(tokens);
            Assert.Equal(100, a.shape[2]);
            Assert.Equal(50257, b.shape[2]);
        }
    }

    [Fact]
    [Trait("Category", "Slow")] // allocates GPT-2 small (500 MB)
    public void ParameterCountOfGpt2SmallIsTheKnownFigure()
    {
        // GPT-2 small has 124,439,808 parameters with the token embedding counted once (it is also the unembedding).
        using var model = HookedGpt2.FromConfig(new Gpt2Config(), seed: 0);
        Assert.Equal(124_439_808, model.ParameterCount);
        Assert.Equal(64, model.Config.DHead);
        Assert.Equal(3072, model.Config.DMlp);
    }
}
