using System.Diagnostics;
using System.Globalization;
using System.Runtime;
using LessonKit.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LessonKit.Training;

/// <summary>
/// Trains a <see cref="HookedGpt2"/> on next-token prediction with TorchSharp's AdamW. Each <see cref="Step"/> takes a
/// batch of token ids [batch, pos] and does what every GPT training loop does:
/// <list type="number">
/// <item>forward pass, recording gradients: logits [batch, pos, d_vocab];</item>
/// <item>loss = the mean over every sequence and position of the next-token cross-entropy (<see cref="NextTokenLoss"/>);</item>
/// <item>backward pass: the gradient of the loss with respect to every weight;</item>
/// <item>AdamW update of every weight (after clipping the gradients' overall norm).</item>
/// </list>
/// The trainer draws no random numbers: with a model made by <c>HookedGpt2.FromConfig(config, seed)</c> and batches from a
/// seeded source (<see cref="RepeatedTokens"/>), the same seeds give the same losses, bit for bit, on the same machine.
/// <code>
/// using var trainer = new Trainer(model, new TrainingOptions { LearningRate = 1e-3 });
/// for (int step = 0; step &lt; 1000; step++)
///     using (var batch = data.Next(32)) trainer.Step(batch);
/// </code>
/// Between steps the model is the inference model it was: its weights require no gradient, and <c>Forward</c>,
/// <c>RunWithCache</c> or <c>Generate</c> show what it has learned so far.
/// </summary>
public sealed class Trainer : IDisposable
{
    private readonly HookedGpt2 _model;
    private readonly Parameter[] _parameters;
    private readonly AdamW _optimizer;
    private readonly TrainingOptions _options;
    private readonly List<double> _losses = [];
    private readonly Stopwatch _clock = new();
    private bool _disposed;

    /// <summary>A trainer for <paramref name="model"/>; AdamW's running averages start at zero.</summary>
    public Trainer(HookedGpt2 model, TrainingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        _options = options ?? new TrainingOptions();
        _options.Validate();
        _model = model;
        var named = model.NamedParameters;
        _parameters = named.Select(p => p.Parameter).ToArray();
        // As nanoGPT does: weight matrices and embeddings are decayed, biases and LayerNorm weights (vectors) are not.
        var decayed = named.Where(p => p.Parameter.Dimensions >= 2).Select(p => p.Parameter).ToArray();
        var notDecayed = named.Where(p => p.Parameter.Dimensions < 2).Select(p => p.Parameter).ToArray();
        double lr = _options.LearningRate, beta1 = _options.Beta1, beta2 = _options.Beta2;
        CheckLayersOffTokenEmbeddings(model.Config, _options.AttentionOffTokenEmbeddings);
        _optimizer = torch.optim.AdamW(
            [
                new AdamW.ParamGroup(decayed, lr, beta1, beta2, 1e-8, _options.WeightDecay, false, false),
                new AdamW.ParamGroup(notDecayed, lr, beta1, beta2, 1e-8, 0, false, false),
            ],
            lr, beta1, beta2, 1e-8, _options.WeightDecay, false, false);
        KeepAttentionOffTokenEmbeddings();
    }

    /// <summary>The model being trained.</summary>
    public HookedGpt2 Model => _model;

    /// <summary>How many steps have been taken.</summary>
    public int StepCount => _losses.Count;

    /// <summary>The loss of every step so far (each measured before that step's update), in nats.</summary>
    public IReadOnlyList<double> Losses => _losses;

    /// <summary>
    /// One training step on <paramref name="tokens"/>, int64 [batch, pos]: forward, loss at every position, backward,
    /// AdamW update. Returns the batch's mean loss before the update, in nats.
    /// </summary>
    public double Step(Tensor tokens)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(tokens);
        if (tokens.Dimensions != 2)
            throw new ArgumentException($"A training batch is token ids [batch, pos], but this tensor is [{string.Join(", ", tokens.shape)}]. Use unsqueeze(0) for one sequence.", nameof(tokens));
        double loss;
        _clock.Start();
        try
        {
            using var noCollection = new NoGarbageCollection();
            using var threads = new LibTorchThreads(_options.Threads);
            using var scope = torch.NewDisposeScope();
            using var gradients = new GradientsRequired(_parameters);
            var logits = _model.ForwardRecordingGradients(tokens);        // [batch, pos, d_vocab]
            var mean = NextTokenLoss.PerPosition(logits, tokens).mean();   // one number: every position of every sequence
            mean.backward();                                              // each weight's .grad = ∂loss/∂weight
            if (_options.MaxGradientNorm > 0) torch.nn.utils.clip_grad_norm_(_parameters, _options.MaxGradientNorm);
            _optimizer.step();                                            // AdamW moves every weight against its gradient
            _optimizer.zero_grad();                                       // gradients add up otherwise: start the next step from 0
            KeepAttentionOffTokenEmbeddings();
            loss = mean.ToDouble();
        }
        finally
        {
            _clock.Stop();
        }
        if (!double.IsFinite(loss))
            throw new InvalidOperationException(
                $"The loss at step {_losses.Count + 1} is {loss}: training diverged (or a weight is NaN or infinite). Lower TrainingOptions.LearningRate " +
                $"(it is {_options.LearningRate}) and start again from a fresh model.");
        _losses.Add(loss);
        ReportProgress();
        return loss;
    }

    /// <summary>Frees AdamW's running averages. The model stays as trained.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _optimizer.Dispose();
    }

    private static void CheckLayersOffTokenEmbeddings(Gpt2Config config, IReadOnlyList<int> layers)
    {
        if (layers.Count == 0) return;
        if (layers.Max() >= config.NLayers)
            throw new ArgumentException($"TrainingOptions.AttentionOffTokenEmbeddings names layer {layers.Max()}, but the model has layers 0 to {config.NLayers - 1}.");
        if (config.DVocab >= config.DModel)
            throw new ArgumentException(
                $"TrainingOptions.AttentionOffTokenEmbeddings needs directions outside the token embeddings, but the model's {config.DVocab} token embeddings " +
                $"span all of its d_model = {config.DModel} dimensions. Use a DModel larger than DVocab.");
    }

    /// <summary>
    /// For each layer in <see cref="TrainingOptions.AttentionOffTokenEmbeddings"/>: out = z·W_O + b_O (W_O [d_model, d_model],
    /// rows in, columns out), and every output row loses its projection onto the span of the token embeddings:
    /// W_O ← W_O − W_O·Q·Qᵀ, b_O ← b_O − b_O·Q·Qᵀ, where Q [d_model, d_vocab] has orthonormal columns spanning the rows of W_E.
    /// </summary>
    private void KeepAttentionOffTokenEmbeddings()
    {
        if (_options.AttentionOffTokenEmbeddings.Count == 0) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var (basis, _) = torch.linalg.qr(_model.EmbeddingWeights.t());      // Q [d_model, d_vocab]: W_Eᵀ = Q·R
        var projector = basis.mm(basis.t());                                 // [d_model, d_model]: onto the token embeddings
        var weights = _model.Weights;
        foreach (int layer in _options.AttentionOffTokenEmbeddings)
        {
            var outWeight = weights[$"h.{layer}.attn.c_proj.weight"];        // W_O [d_model, d_model], the live weight
            var outBias = weights[$"h.{layer}.attn.c_proj.bias"];            // b_O [d_model]
            outWeight.sub_(outWeight.mm(projector));
            outBias.sub_(outBias.unsqueeze(0).mm(projector).squeeze(0));
        }
    }

    private void ReportProgress()
    {
        int every = _options.ProgressEvery, steps = _losses.Count;
        if (every == 0 || steps % every != 0) return;
        double mean = _losses.Skip(steps - every).Average();
        (_options.ProgressWriter ?? Console.Out).WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"step {steps}: mean loss {mean:0.000} over the last {every} steps ({_clock.Elapsed.TotalSeconds:0.0} s)"));
    }

    /// <summary>
    /// No .NET garbage collection during a step. TorchSharp hands every number it passes to libtorch (a learning rate,
    /// AdamW's β and ε) over as a temporary <c>Scalar</c> object and reads its handle; a collection started by another
    /// thread in that instant can finalize the object while libtorch still reads it, and the step fails with a
    /// nonsense error ("Expected false to be true") once in many thousand steps. A step allocates little managed memory,
    /// so it fits in a no-collection region; if it ever needs more, the runtime simply collects as usual.
    /// </summary>
    private readonly struct NoGarbageCollection : IDisposable
    {
        private const long Budget = 16 << 20; // bytes of managed allocations a step may make without a collection
        private readonly bool _started;

        public NoGarbageCollection() =>
            _started = GCSettings.LatencyMode != GCLatencyMode.NoGCRegion && GC.TryStartNoGCRegion(Budget);

        public void Dispose()
        {
            if (_started && GCSettings.LatencyMode == GCLatencyMode.NoGCRegion) GC.EndNoGCRegion();
        }
    }

    /// <summary>
    /// The weights require gradients for one step only: in between, the model is exactly the inference model (a
    /// learner's in-place edit of a weight works, and no computation builds a graph).
    /// </summary>
    private readonly struct GradientsRequired : IDisposable
    {
        private readonly Parameter[] _parameters;

        public GradientsRequired(Parameter[] parameters)
        {
            _parameters = parameters;
            foreach (var p in parameters) p.requires_grad_(true);
        }

        public void Dispose()
        {
            foreach (var p in _parameters) p.requires_grad_(false);
        }
    }
}
