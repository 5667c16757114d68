using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using Shira.Format;
using Shira.Training;
using Shira.Training.Jobs;
using Shira.Training.Masks;
using Shira.Training.Models;
using static TorchSharp.torch;

namespace Shira.Bench.Training;

/// <summary>
/// <c>training</c> suite (issue 12 §1): step time and peak RSS of LoRA, every SHiRA mask on the merged (one-matmul,
/// sparse-gradient) path, and the old dense-hook path, side by side in one run. Model: LLaMA-shaped, random init,
/// hidden 1024, intermediate 2816, 16 heads, 4 blocks, vocabulary 32000 (<c>--vocab</c>); batch 4 × 256 random
/// tokens; all seven projections adapted at the LoRA r=8 budget; AdamW; 2 threads. Each configuration runs in its own
/// child process, so its peak RSS (VmHWM, reset when the training loop starts) is its own. Not part of CI.
/// Arguments: <c>[--steps N] [--vocab V] [--threads T] [--configs a,b,…]</c>.
/// </summary>
internal static class TrainingSuite
{
    private const int Hidden = 1024, Intermediate = 2816, Heads = 16, Blocks = 4, Batch = 4, Sequence = 256, Rank = 8;

    /// <summary>The configurations: name → (label, what it trains).</summary>
    private static readonly (string Name, string Label)[] Configs =
    [
        ("lora", "LoRA r=8"),
        ("lora-dropout", "LoRA r=8, dropout 0.05 (PEFT's usual recipe)"),
        ("shira-random", "SHiRA-random, merged (new)"),
        ("shira-structured", "SHiRA-structured, merged"),
        ("shira-weight", "SHiRA-weight, merged"),
        ("shira-grad", "SHiRA-grad, merged"),
        ("shira-snip", "SHiRA-snip, merged"),
        ("shira-random-dense", "SHiRA-random, dense hook (old)"),
        ("lora-keepheap", "LoRA r=8, freed memory left in the C heap"),
        ("shira-random-keepheap", "SHiRA-random, merged, freed memory left in the C heap"),
    ];

    private const string KeepHeap = "-keepheap";

    private sealed record Outcome(string Config, long Trainable, double MeanStepSeconds, double[] StepSeconds,
        long StartRss, long PeakRss, bool PeakIsTrainingOnly, long AdapterStateBytes, double FirstLoss, double LastLoss);

    public static int Run(string[] args)
    {
        int steps = 4, vocab = 32000, threads = 2;
        string[] configs = Configs.Select(c => c.Name).ToArray();
        string? child = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            switch (args[i])
            {
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--vocab": vocab = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--threads": threads = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--configs": configs = Next().Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries); break;
                case "--child": child = Next(); break;
                default:
                    Console.Error.WriteLine($"training: unknown argument '{args[i]}'");
                    Console.Error.WriteLine("usage: training [--steps N (≥ 2; the first is not timed)] [--vocab V] [--threads T] [--configs " +
                        string.Join(",", Configs.Select(c => c.Name)) + "]");
                    return 2;
            }
        }
        if (steps < 2) { Console.Error.WriteLine("training: --steps must be at least 2"); return 2; }
        foreach (var c in configs)
            if (!Configs.Any(k => k.Name == c)) { Console.Error.WriteLine($"training: unknown configuration '{c}'"); return 2; }
        if (child is not null)
        {
            Console.WriteLine(JsonSerializer.Serialize(RunOne(child, steps, vocab, threads)));
            return 0;
        }

        Console.WriteLine($"training suite: {Machine()}; {Environment.ProcessorCount} logical CPUs, .NET {Environment.Version}");
        Console.WriteLine($"model: LLaMA-shaped, hidden {Hidden}, intermediate {Intermediate}, {Heads} heads, {Blocks} blocks, vocabulary {vocab}; " +
            $"batch {Batch} × {Sequence} tokens; q,k,v,o,gate,up,down at the LoRA r={Rank} budget; AdamW at the library default rate per method; {threads} threads; " +
            $"{steps} steps per configuration (the first not timed); one child process per configuration");
        var results = new List<(string Label, Outcome Outcome, string LoadBefore, string LoadAfter)>();
        foreach (var name in configs)
        {
            string label = Configs.First(c => c.Name == name).Label;
            string before = Load();
            Console.Error.WriteLine($"[{DateTime.UtcNow:HH:mm:ss}] {name} (load {before})");
            var outcome = RunChild(name, steps, vocab, threads);
            string after = Load();
            results.Add((label, outcome, before, after));
            Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {outcome.MeanStepSeconds * 1000:F0} ms/step, peak {outcome.PeakRss / 1048576.0:F0} MiB, loss {outcome.FirstLoss:F3} → {outcome.LastLoss:F3}"));
        }
        Console.WriteLine();
        Console.WriteLine(ToMarkdown(results));
        return 0;
    }

    private static string ToMarkdown(List<(string Label, Outcome Outcome, string LoadBefore, string LoadAfter)> results)
    {
        var inv = CultureInfo.InvariantCulture;
        var sb = new System.Text.StringBuilder();
        var lora = results.FirstOrDefault(r => r.Outcome.Config == "lora").Outcome;
        sb.AppendLine("| Configuration | Trainable | ms/step | Step vs LoRA | Peak RSS MiB | Peak vs LoRA | Peak − loop start MiB | Adapter state MiB | Load (1 min) before → after |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|---|");
        foreach (var (label, o, before, after) in results)
        {
            string stepRatio = lora is null ? "" : (o.MeanStepSeconds / lora.MeanStepSeconds).ToString("F2", inv) + "×";
            string peakRatio = lora is null ? "" : ((double)o.PeakRss / lora.PeakRss).ToString("F2", inv) + "×";
            sb.AppendLine(inv,
                $"| {label} | {o.Trainable:N0} | {o.MeanStepSeconds * 1000:F0} | {stepRatio} | {o.PeakRss / 1048576.0:F0} | {peakRatio} | {(o.PeakRss - o.StartRss) / 1048576.0:F0} | {o.AdapterStateBytes / 1048576.0:F1} | {before} → {after} |");
        }
        if (results.Any(r => !r.Outcome.PeakIsTrainingOnly))
            sb.AppendLine().AppendLine("(the peak could not be reset at the start of the loop: it includes model building and mask selection)");
        return sb.ToString();
    }

    private static Outcome RunChild(string config, int steps, int vocab, int threads)
    {
        string host = Environment.ProcessPath ?? throw new InvalidOperationException("unknown process path");
        var start = new ProcessStartInfo(host) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (Path.GetFileNameWithoutExtension(host) == "dotnet") start.ArgumentList.Add(Assembly.GetEntryAssembly()!.Location);
        foreach (var a in new[] { "training", "--child", config, "--steps", steps.ToString(CultureInfo.InvariantCulture),
                     "--vocab", vocab.ToString(CultureInfo.InvariantCulture), "--threads", threads.ToString(CultureInfo.InvariantCulture) })
            start.ArgumentList.Add(a);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + host);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"training child {config} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
        return JsonSerializer.Deserialize<Outcome>(stdout.Result.Trim().Split('\n')[^1])
            ?? throw new InvalidOperationException("no outcome from child " + config);
    }

    private static Outcome RunOne(string name, int steps, int vocab, int threads)
    {
        // "-keepheap": the same training with TrainerOptions.ReleaseFreedMemory off, to show what heap retention adds.
        bool keepHeap = name.EndsWith(KeepHeap, StringComparison.Ordinal);
        string config = keepHeap ? name[..^KeepHeap.Length] : name;
        Trainer.SetDeterministic(1, threads);
        var modelConfig = new LlamaConfig
        {
            VocabSize = vocab, HiddenSize = Hidden, IntermediateSize = Intermediate, NumHiddenLayers = Blocks,
            NumAttentionHeads = Heads, NumKeyValueHeads = Heads, RmsNormEps = 1e-6,
        };
        using var model = new LlamaForCausalLM(modelConfig, seed: 1);
        var gen = new Generator(7);
        // Random tokens: the step's cost does not depend on what they are.
        var batches = Enumerable.Range(0, steps + 1).Select(_ =>
        {
            var ids = randint(0, vocab, [Batch, Sequence + 1], dtype: ScalarType.Int64, generator: gen);
            return (Inputs: ids.narrow(1, 0, Sequence).contiguous().DetachFromDisposeScope(),
                    Targets: ids.narrow(1, 1, Sequence).contiguous().DetachFromDisposeScope());
        }).ToArray();
        Tensor Loss(int b) => model.Loss(batches[b].Inputs, batches[b].Targets);

        using ITrainableAdapter adapter = config switch
        {
            "lora" => LoraAdapter.Attach(model, new LoraConfig { TargetModules = TrainRequest.DefaultTargets, Rank = Rank, Alpha = 2 * Rank, Seed = 1 }),
            "lora-dropout" => LoraAdapter.Attach(model, new LoraConfig { TargetModules = TrainRequest.DefaultTargets, Rank = Rank, Alpha = 2 * Rank, Seed = 1, Dropout = 0.05 }),
            _ => ShiraAdapter.Attach(model, new ShiraConfig
            {
                TargetModules = TrainRequest.DefaultTargets,
                Strategy = config switch
                {
                    "shira-structured" => MaskStrategy.Structured,
                    "shira-weight" => MaskStrategy.WeightMagnitude,
                    "shira-grad" => MaskStrategy.Gradient,
                    "shira-snip" => MaskStrategy.Snip,
                    _ => MaskStrategy.Random,
                },
                Budget = AdapterBudget.FromRank(Rank),
                Seed = 1,
                CalibrationBatches = 1,
                ForwardMode = config == "shira-random-dense" ? ShiraForwardMode.DenseDelta : ShiraForwardMode.Merged,
            }, _ => Loss(steps)),
        };
        model.train();
        var result = Trainer.Train(adapter, s => new StepLoss(Loss(s), Batch * Sequence),
            new TrainerOptions
            {
                Steps = steps, Threads = threads, Seed = 1, ReleaseFreedMemory = !keepHeap,
                LearningRate = TrainRequest.DefaultLearningRate(config.StartsWith("lora", StringComparison.Ordinal) ? "lora" : "shira"),
            });
        return new Outcome(name, adapter.TrainableParameterCount, result.MeanStepSeconds,
            result.Steps.Select(s => s.Seconds).ToArray(), result.StartRssBytes, result.PeakRssBytes, result.PeakIsTrainingOnly,
            result.AdapterStateBytes, result.Steps[0].Loss, result.FinalLoss);
    }

    private static string Load()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "?";
        }
    }

    private static string Machine()
    {
        try
        {
            var model = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            long memKb = long.Parse(File.ReadLines("/proc/meminfo").First().Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
            return $"{model?.Split(':', 2)[1].Trim() ?? "unknown CPU"}, {memKb / 1048576.0:F0} GiB";
        }
        catch (IOException)
        {
            return "unknown machine";
        }
    }
}
