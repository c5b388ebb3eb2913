using LessonKit;
using LessonKit.Bench;
using TorchSharp;

// dotnet run -c Release --project bench/LessonKit.Bench [-- --quick] [--only forward,hooks,generation,loading]
// Prints each measurement as a ratio against a baseline measured in this same process, and a Markdown table.
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
if (selected.Contains("forward")) bench.Forward();
if (selected.Contains("hooks")) bench.Hooks();
if (selected.Contains("generation")) bench.Generation();
Report.Table();
