using LessonKit.Hub;
using LessonKit.Runtime;
using LessonKit.Text;
using LessonKit.Weights;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit;

public sealed partial class HookedGpt2
{
    /// <summary>Files a checkpoint directory holds, as Hugging Face lays them out.</summary>
    internal static class CheckpointFiles
    {
        public const string Config = "config.json";
        public const string Weights = "model.safetensors";
        public const string Vocab = "vocab.json";
        public const string Merges = "merges.txt";
        public const string PickleWeights = "pytorch_model.bin";
    }

    /// <summary>
    /// A model with random weights in the given shape, initialized as Hugging Face initializes GPT-2
    /// (normal(0, 0.02); output projections scaled by 1/√(2·n_layers); LayerNorms 1 and 0; biases 0).
    /// The same seed always gives the same weights.
    /// </summary>
    public static HookedGpt2 FromConfig(Gpt2Config config, int seed = 0, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        TorchRuntime.EnsureReady();
        var model = new HookedGpt2(config, Task.Run(() => Gpt2Tokenizer.Default), device ?? torch.CPU);
        model.InitializeRandomly(seed);
        _ = model.Tokenizer; // built by now
        return model;
    }

    /// <summary>
    /// Loads GPT-2 from a checkpoint directory in Hugging Face layout (<c>config.json</c>, <c>model.safetensors</c>,
    /// and optionally <c>vocab.json</c> + <c>merges.txt</c>) or, for a hub name, downloads it first
    /// (<c>gpt2</c>, <c>gpt2-medium</c>, <c>gpt2-large</c>, <c>gpt2-xl</c>, <c>distilgpt2</c>, or <c>owner/name</c>)
    /// into Hugging Face's cache, with progress. <c>HF_ENDPOINT</c>, <c>HF_HOME</c> / <c>HF_HUB_CACHE</c>,
    /// <c>HF_HUB_OFFLINE=1</c> and <c>HF_TOKEN</c> work as in Python; <paramref name="hub"/> overrides them.
    /// </summary>
    public static HookedGpt2 FromPretrained(string nameOrDirectory, Device? device = null, HubOptions? hub = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrDirectory);
        TorchRuntime.EnsureReady();
        string directory = ResolveCheckpointDirectory(nameOrDirectory, hub);
        return LoadDirectory(directory, device ?? torch.CPU, Path.Exists(nameOrDirectory) ? Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(directory))) : nameOrDirectory,
            hub ?? new HubOptions());
    }

    /// <summary>Writes this model as a Hugging Face checkpoint directory (config.json, model.safetensors, tokenizer files).</summary>
    public void SaveCheckpoint(string directory)
    {
        ThrowIfDisposed();
        Directory.CreateDirectory(directory);
        File.WriteAllText(Path.Combine(directory, CheckpointFiles.Config), Config.ToJson());
        SafetensorsWriter.Save(Path.Combine(directory, CheckpointFiles.Weights),
            Gpt2CheckpointLoader.HuggingFaceNames(_network).Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Weight)),
            new Dictionary<string, string> { ["format"] = "pt" });
        Tokenizer.SaveFiles(directory);
    }

    private static HookedGpt2 LoadDirectory(string directory, Device device, string modelName, HubOptions display)
    {
        string weightsPath = Path.Combine(directory, CheckpointFiles.Weights);
        if (!File.Exists(weightsPath))
        {
            if (File.Exists(Path.Combine(directory, CheckpointFiles.PickleWeights)))
                throw new FileNotFoundException(
                    $"'{directory}' has only {CheckpointFiles.PickleWeights}. LessonKit never loads pickle files (they can run code); " +
                    $"it needs {CheckpointFiles.Weights}. Convert it once in Python: " +
                    "AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True).", weightsPath);
            throw new FileNotFoundException($"'{directory}' has no {CheckpointFiles.Weights}: a GPT-2 checkpoint directory needs config.json and model.safetensors.", weightsPath);
        }

        var config = Gpt2Config.FromFile(Path.Combine(directory, CheckpointFiles.Config), modelName);
        string vocab = Path.Combine(directory, CheckpointFiles.Vocab), merges = Path.Combine(directory, CheckpointFiles.Merges);
        // The tokenizer is built on another thread while the weights load: a quarter of a second of work that needs no wait.
        var tokenizer = Task.Run(() => File.Exists(vocab) && File.Exists(merges) ? Gpt2Tokenizer.FromFiles(vocab, merges) : Gpt2Tokenizer.Default);

        HookedGpt2? model = null;
        try
        {
            model = new HookedGpt2(config, tokenizer, device);
            using (var file = SafetensorsFile.Open(weightsPath))
                Gpt2CheckpointLoader.Load(model._network, file, LoadProgress(weightsPath, display));
            _ = model.Tokenizer; // a bad vocab.json or merges.txt is an error of the load, as the weights are
            return model;
        }
        catch
        {
            model?.Dispose();
            tokenizer.ContinueWith(t => t.Exception, TaskContinuationOptions.OnlyOnFaulted); // observed, so never reported twice
            throw;
        }
    }

    /// <summary>
    /// Progress for loading a big weights file, on the same display as downloads (<see cref="HubOptions.ShowProgress"/>,
    /// <see cref="HubOptions.ProgressWriter"/>); null for a small file, which loads in about a second.
    /// </summary>
    private static ProgressTracker? LoadProgress(string weightsPath, HubOptions display)
    {
        if (!display.ShowProgress || new FileInfo(weightsPath).Length < display.LoadProgressThresholdBytes) return null;
        return new ProgressTracker($"loading {CheckpointFiles.Weights}", 0, DownloadProgressReporter.ForConsole(display.ProgressWriter));
    }

    private void InitializeRandomly(int seed)
    {
        using var noGrad = torch.no_grad();
        using var generator = new torch.Generator((ulong)seed);
        const double std = 0.02;
        double projectionStd = std / Math.Sqrt(2.0 * Config.NLayers);
        foreach (var (name, parameter) in Gpt2CheckpointLoader.HuggingFaceNames(_network))
        {
            if (name.StartsWith("ln_", StringComparison.Ordinal) || name.Contains(".ln_", StringComparison.Ordinal))
                parameter.fill_(name.EndsWith(".weight", StringComparison.Ordinal) ? 1.0 : 0.0);
            else if (name.EndsWith(".bias", StringComparison.Ordinal))
                parameter.zero_();
            else
            {
                double deviation = name.EndsWith("c_proj.weight", StringComparison.Ordinal) ? projectionStd : std;
                if (parameter.is_contiguous())
                {
                    parameter.normal_(0, deviation, generator);
                    continue;
                }
                // normal_ fills memory in order. A Conv1D weight is laid out [out, in], so draw its values in [in, out]
                // order first: a seed then gives the same weights whatever the layout.
                using var values = torch.empty(parameter.shape, device: parameter.device);
                values.normal_(0, deviation, generator);
                parameter.copy_(values);
            }
        }
    }
}
