using LessonKit.Kernels;
using LessonKit.Tests.Support;
using LessonKit.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Tests.Training;

public sealed class TrainerTests
{
    /// <summary>Wide enough that every Conv1D and the unembedding take the few-row kernels for up to 64 rows at inference.</summary>
    private static readonly Gpt2Config KernelSized = new() { NLayers = 2, NHeads = 4, DModel = 256, NCtx = 32, DVocab = 3000 };

    private static readonly Gpt2Config Small = new() { NLayers = 2, NHeads = 2, DModel = 32, NCtx = 32, DVocab = 24 };

    private static Tensor RandomTokens(int batch, int length, int vocabulary, int seed)
    {
        using var generator = new torch.Generator((ulong)seed);
        return torch.randint(0, vocabulary, [batch, length], ScalarType.Int64, generator: generator);
    }

    private static void RequireGradients(HookedGpt2 model, bool on)
    {
        foreach (var (_, p) in model.NamedParameters) p.requires_grad_(on);
    }

    [Fact]
    public void The_kernel_sized_model_takes_the_kernels_for_the_test_batches()
    {
        // The premise of the gradient tests below: 2 × 16 = 32 rows would go to the hand-written kernels.
        using var model = HookedGpt2.FromConfig(KernelSized, seed: 1);
        using var rows = torch.zeros(2, 16, 256);
        using var wide = torch.zeros(2, 16, 1024);
        Assert.True(FewRowProducts.Applies(rows, model.Weights["h.0.attn.c_attn.weight"].t()));   // Conv1D reads W as [out, in]
        Assert.True(FewRowProducts.Applies(wide, model.Weights["h.1.mlp.c_proj.weight"].t()));
        Assert.True(FewRowProducts.Applies(rows, model.EmbeddingWeights));                       // the unembedding
    }

    [Fact]
    public void A_gradient_reaches_every_parameter_with_batches_the_kernels_would_otherwise_take()
    {
        using var model = HookedGpt2.FromConfig(KernelSized, seed: 1);
        using var tokens = RandomTokens(2, 16, 3000, seed: 2);   // 32 rows
        using var scope = torch.NewDisposeScope();
        RequireGradients(model, true);
        try
        {
            var logits = model.ForwardRecordingGradients(tokens);
            Assert.True(logits.requires_grad, "the logits must carry a gradient function: the unembedding kernel must step aside");
            NextTokenLoss.PerPosition(logits, tokens).mean().backward();

            foreach (var (name, parameter) in model.NamedParameters)
            {
                Assert.True(parameter.grad is not null, $"{name} got no gradient: a kernel cut the graph");
                Assert.True(parameter.grad!.abs().sum().ToDouble() > 0, $"{name}'s gradient is all zeros");
            }
        }
        finally
        {
            RequireGradients(model, false);
        }
    }

    [Fact]
    public void The_gradient_of_a_small_batch_equals_that_of_a_batch_too_big_for_the_kernels()
    {
        // The same two sequences three times: 96 rows, beyond the kernels' 64, and the same mean loss.
        using var model = HookedGpt2.FromConfig(KernelSized, seed: 1);
        using var small = RandomTokens(2, 16, 3000, seed: 3);
        using var big = torch.cat([small, small, small], 0);
        var smallGradients = Gradients(model, small);
        var bigGradients = Gradients(model, big);
        foreach (var (name, gradient) in smallGradients)
            TensorAssert.Close(gradient, bigGradients[name], 1e-5 + 1e-3 * bigGradients[name].abs().max().ToDouble(), name);
    }

    private static Dictionary<string, Tensor> Gradients(HookedGpt2 model, Tensor tokens)
    {
        RequireGradients(model, true);
        try
        {
            using (torch.NewDisposeScope()) NextTokenLoss.PerPosition(model.ForwardRecordingGradients(tokens), tokens).mean().backward();
            var gradients = model.NamedParameters.ToDictionary(p => p.Name, p => p.Parameter.grad!.clone());
            foreach (var (_, p) in model.NamedParameters) p.grad = null;
            return gradients;
        }
        finally
        {
            RequireGradients(model, false);
        }
    }

    [Fact]
    public void Inference_keeps_its_kernels_and_its_numbers_while_weights_require_gradients()
    {
        using var model = HookedGpt2.FromConfig(KernelSized, seed: 1);
        using var tokens = RandomTokens(1, 12, 3000, seed: 4);
        using var before = model.Forward(tokens);

        RequireGradients(model, true);   // as during a training step
        try
        {
            using var during = model.Forward(tokens);   // inference runs under no_grad: the kernels still apply
            Assert.True(TensorAssert.Identical(before, during), "inference logits changed while the weights required gradients");
            Assert.False(during.requires_grad);
            using var scope = torch.NewDisposeScope();
            var recorded = model.ForwardRecordingGradients(tokens);   // libtorch's path: the same function
            TensorAssert.Close(recorded.detach(), before, 1e-4, "recorded logits against inference logits");
        }
        finally
        {
            RequireGradients(model, false);
        }

        using (new Trainer(model)) { }   // a trainer that takes no step changes nothing
        using var after = model.Forward(tokens);
        Assert.True(TensorAssert.Identical(before, after));
    }

    [Fact]
    public void Every_weight_moves_in_a_step_and_requires_no_gradient_afterwards()
    {
        using var model = HookedGpt2.FromConfig(KernelSized, seed: 1);
        var before = model.Weights.ToDictionary(w => w.Key, w => w.Value.clone());
        using var tokens = RandomTokens(2, 16, 3000, seed: 5);
        // No weight decay: a weight moves only if its gradient is not zero.
        using var trainer = new Trainer(model, new TrainingOptions { WeightDecay = 0, ProgressEvery = 0 });

        trainer.Step(tokens);

        foreach (var (name, weight) in model.Weights)
        {
            Assert.False(TensorAssert.Identical(weight, before[name]), $"{name} did not move: it got no gradient");
            Assert.False(weight.requires_grad, $"{name} still requires a gradient after the step");
        }
        using var noGrad = torch.no_grad();
        model.Weights["ln_f.bias"].add_(0.0);   // a learner's in-place edit still works between steps
    }

    [Fact]
    public void Training_lowers_the_loss_of_what_it_trains_on()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        using var tokens = RandomTokens(4, 16, 24, seed: 6);
        using var trainer = new Trainer(model, new TrainingOptions { LearningRate = 1e-2, ProgressEvery = 0 });
        for (int i = 0; i < 30; i++) trainer.Step(tokens);
        Assert.True(trainer.Losses[^1] < trainer.Losses[0] - 1, $"loss {trainer.Losses[0]:0.000} → {trainer.Losses[^1]:0.000}");
        Assert.Equal(30, trainer.StepCount);
    }

    [Fact]
    public void The_same_seeds_give_the_same_curve_bit_for_bit_and_another_data_seed_another()
    {
        (double[] Losses, Tensor Weight) Run(int dataSeed)
        {
            using var model = HookedGpt2.FromConfig(Small, seed: 0);
            using var data = new RepeatedTokens(vocabulary: 24, repeatLength: (4, 8), seed: dataSeed);
            using var trainer = new Trainer(model, new TrainingOptions { LearningRate = 3e-3, ProgressEvery = 0 });
            for (int i = 0; i < 25; i++)
            {
                using var batch = data.Next(8);
                trainer.Step(batch);
            }
            return (trainer.Losses.ToArray(), model.Weights["h.1.attn.c_attn.weight"].clone());
        }

        var first = Run(dataSeed: 1);
        var again = Run(dataSeed: 1);
        var other = Run(dataSeed: 2);

        Assert.Equal(first.Losses, again.Losses);   // exact: double equality, step by step
        Assert.True(TensorAssert.Identical(first.Weight, again.Weight));
        Assert.NotEqual(first.Losses, other.Losses);
    }

    [Fact]
    public void A_trainer_made_inside_a_dispose_scope_keeps_working_after_it()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        using var tokens = RandomTokens(2, 8, 24, seed: 9);
        Trainer trainer;
        using (torch.NewDisposeScope()) trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0 });
        using (trainer)
        {
            trainer.Step(tokens);
            trainer.Step(tokens);
            Assert.Equal(2, trainer.StepCount);
        }
    }

    [Fact]
    public void Progress_is_a_line_every_n_steps_and_nothing_when_quiet()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        using var tokens = RandomTokens(2, 8, 24, seed: 7);
        var progress = new StringWriter();
        using (var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 2, ProgressWriter = progress }))
            for (int i = 0; i < 5; i++) trainer.Step(tokens);
        var lines = progress.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("step 2: mean loss ", lines[0]);
        Assert.StartsWith("step 4: mean loss ", lines[1]);
        Assert.Contains("over the last 2 steps", lines[1]);

        var quiet = new StringWriter();
        using (var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0, ProgressWriter = quiet }))
            for (int i = 0; i < 5; i++) trainer.Step(tokens);
        Assert.Equal("", quiet.ToString());
    }

    [Theory]
    [InlineData(0.0, 0.01, 100, "LearningRate")]
    [InlineData(1e-3, -1.0, 100, "WeightDecay")]
    [InlineData(1e-3, 0.01, -1, "ProgressEvery")]
    public void Wrong_settings_are_an_error_that_names_them(double learningRate, double weightDecay, int progressEvery, string name)
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(model, new TrainingOptions { LearningRate = learningRate, WeightDecay = weightDecay, ProgressEvery = progressEvery }));
        Assert.Contains($"TrainingOptions.{name}", error.Message);
    }

    [Fact]
    public void A_step_on_one_thread_gives_the_same_loss_and_restores_libtorchs_thread_count()
    {
        using var tokens = RandomTokens(4, 12, 24, seed: 9);
        double Train(int? threads)
        {
            using var model = HookedGpt2.FromConfig(Small, seed: 0);
            using var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0, Threads = threads });
            trainer.Step(tokens);
            return trainer.Step(tokens);
        }
        int before = torch.get_num_threads();
        double defaultThreads = Train(null), oneThread = Train(1);
        Assert.Equal(before, torch.get_num_threads());
        Assert.Equal(defaultThreads, oneThread, 5);
        var error = Assert.Throws<ArgumentException>(() => new TrainingOptions { Threads = 0 }.Validate());
        Assert.Contains("TrainingOptions.Threads", error.Message);
    }

    [Fact]
    public void One_sequence_without_a_batch_axis_is_an_error_that_says_what_to_do()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        using var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0 });
        using var tokens = torch.tensor(new long[] { 1, 2, 3 });
        var error = Assert.Throws<ArgumentException>(() => trainer.Step(tokens));
        Assert.Contains("unsqueeze(0)", error.Message);
    }

    [Fact]
    public void A_loss_that_is_not_a_number_stops_training_with_an_error_that_says_what_to_do()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        using var tokens = RandomTokens(2, 8, 24, seed: 8);
        using var trainer = new Trainer(model, new TrainingOptions { ProgressEvery = 0 });
        using (torch.no_grad()) model.Weights["h.0.mlp.c_fc.weight"][0, 0] = float.PositiveInfinity;   // what a diverged step leaves behind

        var error = Assert.Throws<InvalidOperationException>(() => trainer.Step(tokens));

        Assert.Contains("The loss at step 1 is NaN", error.Message);
        Assert.Contains("Lower TrainingOptions.LearningRate", error.Message);
        Assert.Equal(0, trainer.StepCount);
    }

    [Fact]
    public void A_learning_rate_above_1_is_an_error()
    {
        using var model = HookedGpt2.FromConfig(Small, seed: 0);
        var error = Assert.Throws<ArgumentException>(() => new Trainer(model, new TrainingOptions { LearningRate = 3 }));
        Assert.Contains("TrainingOptions.LearningRate must be a positive number up to 1", error.Message);
    }
}
