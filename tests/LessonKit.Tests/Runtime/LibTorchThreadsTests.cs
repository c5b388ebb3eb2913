using LessonKit.Lessons;
using LessonKit.Runtime;
using TorchSharp;

namespace LessonKit.Tests.Runtime;

public sealed class LibTorchThreadsTests
{
    [Fact]
    public void A_scope_sets_libtorchs_thread_count_and_restores_it()
    {
        int before = torch.get_num_threads();
        int other = before == 1 ? 2 : 1;
        using (new LibTorchThreads(other))
            Assert.Equal(other, torch.get_num_threads());
        Assert.Equal(before, torch.get_num_threads());

        using (new LibTorchThreads(null))
            Assert.Equal(before, torch.get_num_threads());
        Assert.Equal(before, torch.get_num_threads());
        Assert.Throws<ArgumentOutOfRangeException>(() => new LibTorchThreads(0));
    }

    [Fact]
    public void Inference_on_a_small_model_runs_on_one_thread_and_a_large_model_keeps_libtorchs_setting()
    {
        using var restore = new LibTorchThreads(2);   // a count above 1, so one thread is a visible change
        using (LibTorchThreads.ForInference(new Gpt2Config { DModel = LibTorchThreads.SmallModelWidth, NHeads = 4 }))
            Assert.Equal(1, torch.get_num_threads());
        Assert.Equal(2, torch.get_num_threads());
        using (LibTorchThreads.ForInference(new Gpt2Config()))   // GPT-2 small: d_model 768
            Assert.Equal(2, torch.get_num_threads());
        Assert.Equal(2, torch.get_num_threads());
    }

    [Fact]
    public void Measuring_a_small_model_restores_the_thread_count_and_gives_the_same_scores_as_on_two_threads()
    {
        using var model = HookedGpt2.FromConfig(new Gpt2Config { NLayers = 2, NHeads = 2, DModel = 16, NCtx = 32, DVocab = 30 }, seed: 2);
        var probe = new InductionProbe(vocabulary: 29, repeatLength: 6, sequences: 4, seed: 5, startToken: 29);
        using var restore = new LibTorchThreads(2);

        var measured = probe.Measure(model);

        Assert.Equal(2, torch.get_num_threads());
        var (_, cache) = model.RunWithCache(probe.Tokens);   // on two threads
        using (cache)
        using (var induction = PatternScores.Induction(cache, 6))
            Assert.True(measured.InductionScores.allclose(induction, rtol: 1e-5, atol: 1e-6));
    }
}
