using LessonKit;
using LessonKit.Bench;
using TorchSharp;

// dotnet run -c Release --project bench/LessonKit.Bench [-- --quick] [--only forward,hooks,generation,loading]
// Prints each measurement as a ratio against a baseline measured in this same process, and Markdown tables: each
// model benchmark with LessonKit's hand-written kernels on, then off (FastKernels.Enabled), and the time off over on.
// The loading benchmark's child processes:
if (args is ["--time-load", var directory])
{
    Benchmarks.PrintLoadSecondsAndPeakMemory(directory);
    return;
}
if (args is ["--time-read", var file])
{
    Benchmarks.PrintReadSeconds(file);
    return;
}

bool quick = args.Contains("--quick");
int only = Array.IndexOf(args, "--only");
var selected = only >= 0 && only + 1 < args.Length ? args[only + 1].Split(',') : ["forward", "hooks", "generation", "loading"];
int runs = quick ? 3 : 7;
Console.WriteLine($"LessonKit benchmarks: {Environment.ProcessorCount} cores, torch threads {torch.get_num_threads()}, {(quick ? "quick" : "full")} run");

using var model = HookedGpt2.FromConfig(new Gpt2Config(), seed: 0); // GPT-2 small shape, random weights
var bench = new Benchmarks(model, runs);
Console.WriteLine($"model: {model}");

// Loading is measured in child processes: this program, started again ("dotnet LessonKit.Bench.dll" or the apphost).
string self = typeof(Benchmarks).Assembly.Location;
if (selected.Contains("loading")) bench.Loading(Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? (Environment.ProcessPath!, [self]) : (Environment.ProcessPath!, []));
// The model's own benchmarks twice: with the hand-written kernels (the figures the targets hold), then without, so the
// cost of reading plain TorchSharp ops is a number too.
foreach (bool kernels in new[] { true, false })
{
    FastKernels.Enabled = Report.Kernels = kernels;
    Console.WriteLine($"kernels {(kernels ? "on" : "off")}:");
    if (selected.Contains("forward")) bench.Forward();
    if (selected.Contains("hooks")) bench.Hooks();
    if (selected.Contains("generation")) bench.Generation();
}
FastKernels.Enabled = true;
Report.Table();
