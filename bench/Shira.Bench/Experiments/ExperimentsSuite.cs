using System.Globalization;
using System.Reflection;
using Shira.Training.Jobs;

namespace Shira.Bench.Experiments;

/// <summary>
/// <c>experiments</c>: the SHiRA paper's claims in miniature (see docs/notes/experiments.md). Pretrains a tiny LLaMA,
/// trains each SHiRA mask and LoRA on each task at equal parameters, each run in its own child process so its
/// peak RSS is its own, then fuses each method's adapters and reports the concept loss. Not part of CI.
/// </summary>
public static class ExperimentsSuite
{
    /// <summary>Runs the suite; <c>--child JOB OUTCOME</c> is the per-run child mode.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 3 && args[0] == "--child")
        {
            ExperimentSuite.RunChild(args[1], args[2]);
            return 0;
        }
        var options = new ExperimentOptions { WorkDir = Path.Combine(Path.GetTempPath(), "shira-experiments") };
        bool inProcess = false;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--work": options = options with { WorkDir = Next() }; break;
                case "--steps": options = options with { Steps = Int(Next()) }; break;
                case "--pretrain-steps": options = options with { PretrainSteps = Int(Next()) }; break;
                case "--rank": options = options with { Rank = Int(Next()) }; break;
                case "--tasks": options = options with { Tasks = Next().Split(',') }; break;
                case "--methods": options = options with { Methods = Next().Split(',') }; break;
                case "--threads": options = options with { Threads = Int(Next()) }; break;
                case "--seed": options = options with { Seed = ulong.Parse(Next(), CultureInfo.InvariantCulture) }; break;
                case "--lrs": options = options with { LearningRates = Next().Split(',').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToArray() }; break;
                case "--val": options = options with { ValidationExamples = Int(Next()) }; break;
                case "--eval": options = options with { EvalExamples = Int(Next()) }; break;
                case "--memory-hidden": options = options with { MemoryProbeHidden = Int(Next()) }; break;
                case "--memory-steps": options = options with { MemoryProbeSteps = Int(Next()) }; break;
                case "--in-process": inProcess = true; break;
                default:
                    Console.Error.WriteLine($"unknown option {args[i]}");
                    Console.Error.WriteLine("usage: experiments [--work DIR] [--steps N] [--pretrain-steps N] [--rank R] [--tasks reverse,caesar] " +
                        "[--methods structured,random,weight,grad,snip,lora] [--threads T] [--seed S] [--lrs 0.003,0.01,0.03,0.1] [--val N] [--eval N] [--memory-hidden H (0 = off, the default)] [--memory-steps N] [--in-process]");
                    return 2;
            }
        }

        Func<ExperimentJob, TrainOutcome> train;
        if (inProcess)
        {
            train = job => TrainRunner.Run(job.ToRequest());
        }
        else
        {
            // Re-run this executable in child mode: through the dotnet host when started as `dotnet Shira.Bench.dll`.
            string host = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
            var prefix = new List<string>();
            if (Path.GetFileNameWithoutExtension(host) == "dotnet") prefix.Add(Assembly.GetEntryAssembly()!.Location);
            prefix.Add("experiments");
            train = ExperimentSuite.ChildProcessTrainer(host, prefix);
        }
        var result = ExperimentSuite.Run(options, train, line => Console.Error.WriteLine(line));
        Console.WriteLine(ExperimentSuite.ToMarkdown(result));
        Console.Error.WriteLine($"results: {Path.Combine(options.WorkDir, "results.md")} and results.json");
        return 0;
    }

    private static int Int(string s) => int.Parse(s, CultureInfo.InvariantCulture);
}
