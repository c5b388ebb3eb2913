using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace LessonKit.Bench;

/// <summary>
/// The performance targets of LessonKit on a GPT-2 small configuration (12 layers, 12 heads, d_model 768, vocabulary
/// 50257) with random weights. Every figure is a ratio against a baseline measured in the same process, so results
/// carry across machines: a plain matmul for compute, reading every weight once for memory bandwidth, reading the
/// file once for loading.
/// </summary>
internal sealed class Benchmarks(HookedGpt2 model, int runs)
{
    private Gpt2Config C => model.Config;

    /// <summary>Multiply-adds of one forward pass over <paramref name="t"/> tokens, times 2: the matmuls dominate everything else.</summary>
    public double ForwardFlops(int t)
    {
        double d = C.DModel, perLayer =
            2.0 * t * d * 3 * d +      // q, k, v
            2.0 * 2 * t * t * d +      // scores and pattern · v over all heads
            2.0 * t * d * d +          // output projection
            2.0 * 2 * t * d * C.DMlp;  // MLP in and out
        return C.NLayers * perLayer + 2.0 * t * d * C.DVocab; // + unembedding
    }

    public void Forward()
    {
        using var tokens = torch.randint(0, C.DVocab, [1, 128], dtype: ScalarType.Int64);
        using var a = torch.randn(128, 768);
        using var b = torch.randn(768, 3072);
        double matmulFlops = 2.0 * 128 * 768 * 3072;
        int repeats = (int)Math.Ceiling(ForwardFlops(128) / matmulFlops); // the matmul repeated to the forward's FLOPs
        var (ratio, forward, matmuls) = Measure.MedianRatio(
            () => { using var l = model.Forward(tokens); },
            () => { for (int i = 0; i < repeats; i++) { using var c = a.matmul(b); } }, runs);
        double achieved = ForwardFlops(128) / forward, peak = repeats * matmulFlops / matmuls;
        Report.Ratio("forward (batch 1, 128 tokens) FLOP/s over matmul FLOP/s", achieved / peak,
            $"{achieved / 1e9:0.0} vs {peak / 1e9:0.0} GFLOP/s, {forward * 1000:0} ms per forward", 0.75, higherIsBetter: true, seconds: forward);

        // A lesson's sentence: few enough rows for the few-row kernels, which stream the weights instead of a GEMM.
        using var sentence = torch.randint(0, C.DVocab, [1, 12], dtype: ScalarType.Int64);
        int sentenceRepeats = (int)Math.Ceiling(ForwardFlops(12) / matmulFlops);
        var (_, shortForward, shortMatmuls) = Measure.MedianRatio(
            () => { using var l = model.Forward(sentence); },
            () => { for (int i = 0; i < sentenceRepeats; i++) { using var c = a.matmul(b); } }, runs);
        double shortAchieved = ForwardFlops(12) / shortForward, shortPeak = sentenceRepeats * matmulFlops / shortMatmuls;
        Report.Info("forward (batch 1, 12 tokens) FLOP/s over matmul FLOP/s", shortAchieved / shortPeak,
            $"{shortAchieved / 1e9:0.0} vs {shortPeak / 1e9:0.0} GFLOP/s, {shortForward * 1000:0} ms per forward", shortForward);
    }

    public void Hooks()
    {
        using var tokens = torch.randint(0, C.DVocab, [1, 128], dtype: ScalarType.Int64);
        void Forward() { using var l = model.Forward(tokens); }
        void Compare(string name, Action measured, double target)
        {
            // Twice the rounds of the other benchmarks: these ratios sit close to 1 and their targets are tight.
            var (ratio, seconds, forward) = Measure.MedianRatio(measured, Forward, 2 * runs + 1);
            Report.Ratio(name, ratio, $"{seconds * 1000:0} vs {forward * 1000:0} ms", target, higherIsBetter: false, seconds);
        }
        Compare("RunWithCache (every hook) over Forward", () => { var (l, c) = model.RunWithCache(tokens); l.Dispose(); c.Dispose(); }, 1.25);
        Compare("RunWithCache (one hook) over Forward", () =>
        {
            var (l, c) = model.RunWithCache(tokens, name => name == "blocks.5.attn.hook_pattern"); l.Dispose(); c.Dispose();
        }, 1.05);
        Compare("RunWithHooks (one no-op hook) over Forward", () =>
        {
            using var l = model.RunWithHooks(tokens, ("blocks.5.hook_resid_post", (act, hook) => null));
        }, 1.05);
    }

    public void Generation()
    {
        int[] prompt = Enumerable.Range(0, 16).Select(i => 1000 + i).ToArray();
        const int tokens = 128; // after a 16-token prompt, as the target is stated
        var weights = model.Weights.Values.ToArray();
        var (ratio, generation, reads) = Measure.MedianRatio(
            () => Generate(prompt, tokens, useKvCache: true),
            () => { for (int i = 0; i < tokens; i++) ReadAllWeights(weights); }, runs: Math.Max(3, runs / 2), warmup: 1);
        Report.Ratio("generation with KV cache: time per token over time to read every weight once", ratio,
            $"{generation / tokens * 1000:0.0} vs {reads / tokens * 1000:0.0} ms; {tokens / generation:0.0} tokens/s", 1.5, false, generation / tokens);

        double cached = Measure.MedianSeconds(() => Generate(prompt, 256, useKvCache: true), runs: 1, warmup: 0);
        double recomputed = Measure.MedianSeconds(() => Generate(prompt, 256, useKvCache: false), runs: 1, warmup: 0);
        Report.Ratio("KV cache speed-up over recomputing, 256 new tokens", recomputed / cached,
            $"{cached:0.0} s vs {recomputed:0.0} s", 5, higherIsBetter: true, cached);
    }

    /// <summary>Reads every weight once (a sum over each parameter): the memory-bandwidth floor of one generation step.</summary>
    private static void ReadAllWeights(Tensor[] weights)
    {
        using var scope = torch.NewDisposeScope();
        foreach (var w in weights) w.sum();
    }

    private void Generate(int[] prompt, int newTokens, bool useKvCache)
    {
        foreach (var _ in model.GenerateSteps(prompt, newTokens, temperature: 0, useKvCache: useKvCache, stopAtEndOfText: false, topCandidates: 1)) { }
    }

    /// <summary>
    /// Loading a checkpoint of this model from disk, compared with reading the file once. Each measurement runs in a
    /// fresh child process, as a learner's first load does: in this process, a second load would skip the first-time
    /// work (JIT compilation, building the tokenizer) that is part of a real first load.
    /// </summary>
    public void Loading((string Command, string[] Arguments) benchExecutable)
    {
        string directory = Path.Combine(Path.GetTempPath(), $"lessonkit-bench-{Environment.ProcessId}");
        try
        {
            model.SaveCheckpoint(directory);
            string weights = Path.Combine(directory, "model.safetensors");
            long bytesOnDisk = new FileInfo(weights).Length;
            File.ReadAllBytes(weights); // the file in the page cache for both, as after a download
            var ratios = new List<double>();
            var loads = new List<double>();
            var reads = new List<double>();
            var peaks = new List<double>();
            for (int round = 0; round < 5; round++)
            {
                // The floor: the file's bytes read once into fresh memory, as File.ReadAllBytes does.
                double read = Child(benchExecutable, "--time-read", weights)[0];
                double[] load = Child(benchExecutable, "--time-load", directory); // seconds, peak growth in bytes
                ratios.Add(load[0] / read);
                loads.Add(load[0]);
                reads.Add(read);
                peaks.Add(load[1]);
            }
            static double Median(List<double> values) => values.Order().ElementAt(values.Count / 2);
            Report.Ratio("loading model.safetensors: time over reading the file once", Median(ratios),
                $"{Median(loads) * 1000:0} vs {Median(reads) * 1000:0} ms for {bytesOnDisk / 1e6:0} MB, each in a fresh process", 2.0, false);
            Report.Ratio("loading: peak memory over the weights' bytes", Median(peaks) / bytesOnDisk,
                $"{Median(peaks) / 1e6:0} MB peak growth for {bytesOnDisk / 1e6:0} MB of weights", 1.5, false);
        }
        finally
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs this benchmark program again with <paramref name="mode"/> and returns the numbers it prints.</summary>
    private static double[] Child((string Command, string[] Arguments) benchExecutable, string mode, string path)
    {
        var child = Process.Start(new ProcessStartInfo(benchExecutable.Command, [.. benchExecutable.Arguments, mode, path])
        { RedirectStandardOutput = true })!;
        string output = child.StandardOutput.ReadToEnd();
        child.WaitForExit();
        if (child.ExitCode != 0) throw new InvalidOperationException($"The benchmark's child process ({mode}) failed with exit code {child.ExitCode}.");
        return output.Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .Select(n => double.Parse(n, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
    }

    /// <summary>Child process: prints the seconds File.ReadAllBytes takes on <paramref name="file"/>.</summary>
    public static void PrintReadSeconds(string file)
    {
        var clock = Stopwatch.StartNew();
        byte[] bytes = File.ReadAllBytes(file);
        Console.WriteLine(clock.Elapsed.TotalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture));
        GC.KeepAlive(bytes);
    }

    /// <summary>Child process: prints the seconds a load of <paramref name="directory"/> takes and how far peak resident memory rose.</summary>
    public static void PrintLoadSecondsAndPeakMemory(string directory)
    {
        Runtime.TorchRuntime.EnsureReady();
        using (torch.ones(1)) { } // libtorch loaded and initialized before the clock starts
        long before = Measure.ResidentBytes();
        var clock = Stopwatch.StartNew();
        using var m = HookedGpt2.FromPretrained(directory);
        double seconds = clock.Elapsed.TotalSeconds;
        long growth = Measure.PeakResidentBytes() - before;
        Console.WriteLine(string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{seconds} {growth}"));
    }
}
