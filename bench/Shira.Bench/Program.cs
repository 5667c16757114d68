using Shira.Bench.Codecs;
using Shira.Bench.Container;
using Shira.Bench.Convert;
using Shira.Bench.Experiments;
using Shira.Bench.Faults;
using Shira.Bench.Runtime;
using Shira.Bench.Training;

namespace Shira.Bench;

/// <summary>
/// Benchmark entry point: <c>dotnet run -c Release --project bench/Shira.Bench -- &lt;suite&gt; [args]</c>.
/// Each suite prints a markdown table.
/// </summary>
public static class Program
{
    /// <summary>The registered suites: name → (one-line description, entry point taking the remaining arguments).</summary>
    private static readonly Dictionary<string, (string Description, Func<string[], int> Run)> Suites =
        new(StringComparer.OrdinalIgnoreCase)
        {
            ["codecs"] = ("index codecs: bits per nonzero vs the entropy bound and PEFT, encode/decode throughput", CodecsSuite.Run),
            ["container"] = (".shira container: write, open, full validation and reads vs memcpy (32 LLaMA-7B q_proj-sized tensors)", ContainerSuite.Run),
            ["convert"] = ("LoRA→SHiRA on LLaMA-7B modules (time, peak memory) and lossless PEFT SHiRA import size", ConvertSuite.Run),
            ["experiments"] = ("tiny LLaMA: SHiRA masks vs LoRA at equal parameters, memory, fusion concept loss (~10-15 min)", ExperimentsSuite.Run),
            ["manytensors"] = ("generate a 300k-tensor .shira and a 150k-module PEFT folder for bench/manytensors.sh", ManyTensorsSuite.Run),
            ["training"] = ("LLaMA-shaped 4-block model: step time and peak RSS of LoRA vs every SHiRA mask (merged path) vs the old dense hook", TrainingSuite.Run),
            ["runtime"] = ("apply/revert/switch on a LLaMA-7B block vs a C scatter loop and TorchSharp LoRA fusion", RuntimeSuite.Run),
        };

    /// <summary>Runs the suite named by the first argument; 2 for usage errors.</summary>
    public static int Main(string[] args)
    {
        if (args.Length == 0 || !Suites.TryGetValue(args[0], out var suite))
        {
            if (args.Length > 0) Console.Error.WriteLine($"unknown suite '{args[0]}'");
            Console.Error.WriteLine("usage: dotnet run -c Release --project bench/Shira.Bench -- <suite> [args]");
            foreach (var (name, (description, _)) in Suites.OrderBy(s => s.Key, StringComparer.Ordinal))
                Console.Error.WriteLine($"  {name,-12} {description}");
            return 2;
        }
        return suite.Run(args[1..]);
    }
}
