using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Shira.Runtime;
using Shira.Training.Data;
using Shira.Training.Inference;
using Shira.Training.Jobs;
using Shira.Training.Models;

namespace Shira.Bench.Experiments;

/// <summary>
/// The paper's claims in miniature: pretrain a tiny LLaMA on a task mixture, tune one adapter per task with each
/// SHiRA mask and with LoRA at equal trainable parameters, score each alone, then fuse each method's task adapters
/// (SHiRA through <see cref="AdapterFusion.Fuse"/>, LoRA by summing its deltas) and score again: the drop is the
/// concept loss. Training runs go through a caller-given function, so each can run in its own process and its
/// peak memory is its own.
/// </summary>
public static class ExperimentSuite
{
    // Task examples are a few dozen tokens: score them 64 at a time (ModelEvaluator's default suits long documents).
    private const int EvalBatchSize = 64;

    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        // A diverged sweep point scores an infinite loss.
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>Runs the experiment; <paramref name="train"/> runs one job (in-process:
    /// <c>job => TrainRunner.Run(job.ToRequest())</c>; see <see cref="ChildProcessTrainer"/>).</summary>
    public static ExperimentResult Run(ExperimentOptions options, Func<ExperimentJob, TrainOutcome> train, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(train);
        log ??= _ => { };
        var clock = Stopwatch.StartNew();
        Directory.CreateDirectory(options.WorkDir);
        string basePath = Path.Combine(options.WorkDir, "base.safetensors");
        double pretrainSeconds = 0;
        if (!File.Exists(basePath))
        {
            log($"pretraining the tiny base on {TrainRequest.SequenceTaskMixture} for {options.PretrainSteps} steps");
            var sw = Stopwatch.StartNew();
            using var fresh = new LlamaForCausalLM(TrainRequest.TinyConfig, options.Seed);
            var mixture = TokenDataset.Mixture(SequenceTask.PretrainingMixture, 20_000, options.Seed);
            Pretrainer.Pretrain(fresh, mixture, new PretrainOptions { Steps = options.PretrainSteps, Seed = options.Seed, Threads = options.Threads },
                (s, loss, t) => { if (s % 200 == 0) log(string.Create(CultureInfo.InvariantCulture, $"  pretrain step {s}: loss {loss:F4} ({t:F0} s)")); });
            LlamaCheckpoint.Save(fresh, basePath, writeConfigJson: true);
            pretrainSeconds = sw.Elapsed.TotalSeconds;
        }
        var config = ReadConfig(basePath);

        var evalSets = new Dictionary<string, TokenDataset>(StringComparer.Ordinal);
        var validationSets = new Dictionary<string, TokenDataset>(StringComparer.Ordinal);
        var baseScores = new Dictionary<string, EvalResult>(StringComparer.Ordinal);
        using (var baseModel = LlamaCheckpoint.Load(basePath, config))
        {
            for (int i = 0; i < options.Tasks.Count; i++)
            {
                var task = SequenceTask.Find(options.Tasks[i])
                    ?? throw new ArgumentException($"unknown task '{options.Tasks[i]}'", nameof(options));
                evalSets[task.Name] = TokenDataset.ForTask(task, options.EvalExamples, TaskSeed(options, i), "eval");
                validationSets[task.Name] = TokenDataset.ForTask(task, options.ValidationExamples, TaskSeed(options, i), "validation");
                baseScores[task.Name] = ModelEvaluator.Evaluate(baseModel, evalSets[task.Name], EvalBatchSize);
                log(string.Create(CultureInfo.InvariantCulture, $"base on {task.Name}: exact match {baseScores[task.Name].ExactMatch:P1}"));
            }
        }

        var cells = new List<ExperimentCell>();
        foreach (var method in options.Methods)
        {
            bool lora = method == "lora";
            var outputs = new List<string>();
            var trained = new List<(string Task, TrainOutcome Outcome, EvalResult Single, double Lr, IReadOnlyList<SweepPoint> Sweep)>();
            for (int i = 0; i < options.Tasks.Count; i++)
            {
                string task = options.Tasks[i];
                string output = Path.Combine(options.WorkDir, $"{task}.{method}" + (lora ? "" : ".shira"));
                var sweep = new List<SweepPoint>();
                (TrainOutcome Outcome, string Path, SweepPoint Point)? best = null;
                for (int l = 0; l < options.LearningRates.Count; l++)
                {
                    double lr = options.LearningRates[l];
                    string candidate = Path.Combine(options.WorkDir, $"{task}.{method}.lr{l}" + (lora ? "" : ".shira"));
                    var job = new ExperimentJob
                    {
                        Task = task, Method = method, Rank = options.Rank, Steps = options.Steps,
                        LearningRate = lr, BatchSize = options.BatchSize,
                        Seed = TaskSeed(options, i), Threads = options.Threads, BasePath = basePath, OutputPath = candidate,
                        TrainExamples = options.TrainExamples, EvalExamples = 0,
                    };
                    log(string.Create(CultureInfo.InvariantCulture, $"training {method} on {task}, lr {lr}"));
                    TrainOutcome outcome;
                    try
                    {
                        outcome = train(job);
                    }
                    catch (InvalidOperationException e) when (e.Message.Contains("SHIRA-E7001", StringComparison.Ordinal))
                    {
                        // A diverging learning rate is a result of the sweep, not a failure of the experiment.
                        log("  diverged");
                        sweep.Add(new SweepPoint(lr, new EvalResult(0, 0, double.PositiveInfinity, 0, 0), double.NaN));
                        continue;
                    }
                    var validation = Score(basePath, config, lora, [candidate], validationSets[task]);
                    var point = new SweepPoint(lr, validation, outcome.FinalLoss);
                    sweep.Add(point);
                    log(string.Create(CultureInfo.InvariantCulture,
                        $"  {outcome.TrainableParameters} parameters, loss {outcome.InitialLoss:F3} → {outcome.FinalLoss:F3}, {outcome.MeanStepSeconds * 1000:F1} ms/step, validation exact match {validation.ExactMatch:P1}"));
                    if (best is null || Better(point, best.Value.Point)) best = (outcome, candidate, point);
                }
                if (best is null) throw new InvalidOperationException($"{method} on {task} diverged at every learning rate");
                CopyAdapter(best.Value.Path, output, lora);
                var single = Score(basePath, config, lora, [output], evalSets[task]);
                log(string.Create(CultureInfo.InvariantCulture, $"  best lr {best.Value.Point.LearningRate}: held-out exact match {single.ExactMatch:P1}"));
                outputs.Add(output);
                trained.Add((task, best.Value.Outcome, single, best.Value.Point.LearningRate, sweep));
            }

            IReadOnlyList<double?> shared = Enumerable.Repeat<double?>(null, outputs.Count).ToArray();
            string fusedPath = Path.Combine(options.WorkDir, $"fused.{method}" + (lora ? "" : ".shira"));
            if (!lora && outputs.Count > 1)
            {
                var report = AdapterFusion.Fuse(outputs.Select(p => (p, 1f)).ToArray(), fusedPath);
                shared = report.Inputs.Select(x => (double?)x.SharedEnergyShare).ToArray();
            }
            for (int i = 0; i < trained.Count; i++)
            {
                var (task, outcome, single, lr, sweep) = trained[i];
                var fused = outputs.Count == 1 ? single
                    : lora ? Score(basePath, config, true, outputs, evalSets[task])
                    : Score(basePath, config, false, [fusedPath], evalSets[task]);
                log(string.Create(CultureInfo.InvariantCulture, $"  fused {method} on {task}: exact match {fused.ExactMatch:P1} (alone {single.ExactMatch:P1})"));
                cells.Add(new ExperimentCell(task, method, outcome, single, fused, shared[i], lr, sweep));
            }
        }
        var (probe, probeConfig) = RunMemoryProbe(options, train, log);
        var result = new ExperimentResult(options, pretrainSeconds, baseScores, cells, probe, probeConfig, clock.Elapsed.TotalSeconds);
        File.WriteAllText(Path.Combine(options.WorkDir, "results.md"), ToMarkdown(result));
        File.WriteAllText(Path.Combine(options.WorkDir, "results.json"), JsonSerializer.Serialize(result, Json));
        return result;
    }

    // Peak memory where the model is not negligible next to the .NET runtime and libtorch: a random 4-block model.
    private static (IReadOnlyList<MemoryProbeRun>, LlamaConfig?) RunMemoryProbe(ExperimentOptions options,
        Func<ExperimentJob, TrainOutcome> train, Action<string> log)
    {
        if (options.MemoryProbeHidden <= 0) return ([], null);
        int h = options.MemoryProbeHidden;
        var config = new LlamaConfig
        {
            VocabSize = ByteTokenizer.VocabSize, HiddenSize = h, IntermediateSize = (h * 11 / 4 + 15) / 16 * 16, NumHiddenLayers = 4,
            NumAttentionHeads = Math.Max(1, h / 64), NumKeyValueHeads = Math.Max(1, h / 64), RmsNormEps = 1e-6,
        };
        string probeBase = Path.Combine(options.WorkDir, "memory-base.safetensors");
        using (var model = new LlamaForCausalLM(config, options.Seed)) LlamaCheckpoint.Save(model, probeBase);
        var runs = new List<MemoryProbeRun>();
        foreach (var method in options.Methods)
        {
            bool lora = method == "lora";
            log($"memory probe: {method}");
            var outcome = train(new ExperimentJob
            {
                Task = options.Tasks[0], Method = method, Rank = options.MemoryProbeRank, Steps = options.MemoryProbeSteps,
                LearningRate = options.LearningRates[0], BatchSize = options.BatchSize,
                Seed = options.Seed, Threads = options.Threads, BasePath = probeBase,
                OutputPath = Path.Combine(options.WorkDir, $"memory.{method}" + (lora ? "" : ".shira")),
                TrainExamples = 512, EvalExamples = 0,
            });
            runs.Add(new MemoryProbeRun(method, outcome));
        }
        return (runs, config);
    }

    /// <summary>A trainer that runs each job in a fresh child process (so VmHWM is that run's own):
    /// <paramref name="fileName"/> with <paramref name="argumentsPrefix"/> followed by <c>--child JOB.json OUTCOME.json</c>;
    /// the child calls <see cref="RunChild"/>.</summary>
    public static Func<ExperimentJob, TrainOutcome> ChildProcessTrainer(string fileName, IReadOnlyList<string> argumentsPrefix)
    {
        ArgumentNullException.ThrowIfNull(fileName);
        ArgumentNullException.ThrowIfNull(argumentsPrefix);
        return job =>
        {
            string jobPath = job.OutputPath.TrimEnd('/') + ".job.json";
            string outcomePath = job.OutputPath.TrimEnd('/') + ".outcome.json";
            File.WriteAllText(jobPath, JsonSerializer.Serialize(job, Json));
            var start = new ProcessStartInfo(fileName) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
            foreach (var a in argumentsPrefix) start.ArgumentList.Add(a);
            start.ArgumentList.Add("--child");
            start.ArgumentList.Add(jobPath);
            start.ArgumentList.Add(outcomePath);
            using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start " + fileName);
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEndAsync();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new InvalidOperationException($"training child for {job.Method}/{job.Task} failed ({process.ExitCode}): {stderr.Result}{stdout.Result}");
            return JsonSerializer.Deserialize<TrainOutcome>(File.ReadAllText(outcomePath))
                ?? throw new InvalidOperationException("empty outcome from child");
        };
    }

    /// <summary>The child side of <see cref="ChildProcessTrainer"/>: runs the job in <paramref name="jobPath"/> and
    /// writes the outcome to <paramref name="outcomePath"/>.</summary>
    public static void RunChild(string jobPath, string outcomePath)
    {
        var job = JsonSerializer.Deserialize<ExperimentJob>(File.ReadAllText(jobPath))
            ?? throw new InvalidOperationException("empty job " + jobPath);
        var outcome = TrainRunner.Run(job.ToRequest());
        File.WriteAllText(outcomePath, JsonSerializer.Serialize(outcome, Json));
    }

    /// <summary>The results as markdown tables.</summary>
    public static string ToMarkdown(ExperimentResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var o = result.Options;
        var sb = new StringBuilder();
        var inv = CultureInfo.InvariantCulture;
        string pretrained = result.PretrainSeconds > 0 ? string.Create(inv, $"{result.PretrainSeconds:F0} s") : "reused";
        sb.AppendLine(inv, $"Tiny LLaMA ({TrainRequest.TinyConfig.NumHiddenLayers} layers, width {TrainRequest.TinyConfig.HiddenSize}, byte vocabulary), pretrained {o.PretrainSteps} steps on {TrainRequest.SequenceTaskMixture} ({pretrained}); adapters on q,k,v,o,gate,up,down at LoRA r={o.Rank} budget, {o.Steps} steps, batch {o.BatchSize}, learning rates {string.Join(", ", o.LearningRates.Select(l => l.ToString(inv)))} for every method (best on {o.ValidationExamples} validation examples), {o.Threads} thread(s), {o.EvalExamples} held-out examples per task. Total {result.TotalSeconds:F0} s.");
        sb.AppendLine();
        sb.AppendLine("| Task | Method | Best lr | Trainable | Train loss (first → last) | Eval loss | Fused eval loss | Exact match | Fused exact match | Concept loss | Shared Σv² | ms/step | Peak RSS MiB |");
        sb.AppendLine("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var c in result.Cells)
        {
            var t = c.Training;
            sb.AppendLine(inv,
                $"| {c.Task} | {Label(c.Method)} | {c.LearningRate} | {t.TrainableParameters} | {t.InitialLoss:F3} → {t.FinalLoss:F3} | {c.Single.Loss:F3} | {c.Fused.Loss:F3} | {c.Single.ExactMatch:P1} | {c.Fused.ExactMatch:P1} | {c.ConceptLoss * 100:F1} pp | {(c.SharedEnergyShare is { } s ? s.ToString("P1", inv) : "dense")} | {t.MeanStepSeconds * 1000:F1} | {t.PeakRssBytes / 1048576.0:F1} |");
        }
        sb.AppendLine();
        sb.AppendLine("Learning-rate sweep, validation exact match (validation loss):");
        sb.AppendLine();
        sb.AppendLine("| Task | Method | " + string.Join(" | ", o.LearningRates.Select(l => "lr " + l.ToString(inv))) + " |");
        sb.AppendLine("|---|---|" + string.Concat(o.LearningRates.Select(_ => "---:|")));
        foreach (var c in result.Cells)
        {
            sb.Append(inv, $"| {c.Task} | {Label(c.Method)} |");
            foreach (var p in c.Sweep)
                sb.Append(double.IsInfinity(p.Validation.Loss) ? " diverged |" : string.Create(inv, $" {p.Validation.ExactMatch:P1} ({p.Validation.Loss:F3}) |"));
            sb.AppendLine();
        }
        sb.AppendLine();
        sb.Append("Base model exact match: ");
        sb.AppendLine(string.Join(", ", result.BaseScores.Select(kv => string.Create(inv, $"{kv.Key} {kv.Value.ExactMatch:P1}"))));
        sb.AppendLine();
        sb.AppendLine("| Method | Mean exact match alone | Mean fused | Mean concept loss | Mean eval loss alone → fused | Mean ms/step | Mean peak RSS MiB |");
        sb.AppendLine("|---|---:|---:|---:|---|---:|---:|");
        foreach (var g in result.Cells.GroupBy(c => c.Method))
        {
            sb.AppendLine(inv,
                $"| {Label(g.Key)} | {g.Average(c => c.Single.ExactMatch):P1} | {g.Average(c => c.Fused.ExactMatch):P1} | {g.Average(c => c.ConceptLoss) * 100:F1} pp | {g.Average(c => c.Single.Loss):F3} → {g.Average(c => c.Fused.Loss):F3} | {g.Average(c => c.Training.MeanStepSeconds) * 1000:F1} | {g.Average(c => c.Training.PeakRssBytes) / 1048576.0:F1} |");
        }
        if (result.MemoryProbe.Count > 0 && result.MemoryProbeConfig is { } pc)
        {
            long weights = 0;
            using (var m = new LlamaForCausalLM(pc)) foreach (var (_, p) in m.named_parameters()) weights += p.numel() * 4;
            sb.AppendLine();
            sb.AppendLine(inv, $"Memory probe: random-init LLaMA, {pc.NumHiddenLayers} blocks, width {pc.HiddenSize}, MLP {pc.IntermediateSize}, f32 weights {weights / 1048576.0:F1} MiB; r={o.MemoryProbeRank} budget on all seven projections, {o.MemoryProbeSteps} steps, batch {o.BatchSize}. Each run is a fresh process; peak = VmHWM.");
            sb.AppendLine();
            sb.AppendLine("| Method | Trainable | Peak RSS MiB | RSS before loop MiB | Peak − before MiB | vs LoRA (peak) | Adapter state KiB | ms/step |");
            sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
            double loraPeak = result.MemoryProbe.FirstOrDefault(r => r.Method == "lora")?.Training.PeakRssBytes ?? 0;
            foreach (var r in result.MemoryProbe)
            {
                var t = r.Training;
                string vs = loraPeak > 0 ? ((t.PeakRssBytes - loraPeak) / loraPeak).ToString("+0.0%;-0.0%;0.0%", inv) : "";
                sb.AppendLine(inv,
                    $"| {Label(r.Method)} | {t.TrainableParameters} | {t.PeakRssBytes / 1048576.0:F1} | {t.StartRssBytes / 1048576.0:F1} | {(t.PeakRssBytes - t.StartRssBytes) / 1048576.0:F1} | {vs} | {t.AdapterStateBytes / 1024.0:F1} | {t.MeanStepSeconds * 1000:F1} |");
            }
        }
        return sb.ToString();
    }

    // Higher validation exact match wins; ties go to the lower validation loss.
    private static bool Better(SweepPoint a, SweepPoint b) =>
        a.Validation.ExactMatch > b.Validation.ExactMatch ||
        (a.Validation.ExactMatch == b.Validation.ExactMatch && a.Validation.Loss < b.Validation.Loss);

    private static void CopyAdapter(string from, string to, bool folder)
    {
        if (!folder)
        {
            File.Copy(from, to, overwrite: true);
            return;
        }
        Directory.CreateDirectory(to);
        foreach (var f in Directory.GetFiles(from)) File.Copy(f, Path.Combine(to, Path.GetFileName(f)), overwrite: true);
    }

    private static string Label(string method) => method == "lora" ? "LoRA" : "SHiRA-" + method;

    private static ulong TaskSeed(ExperimentOptions o, int task) => unchecked(o.Seed + (ulong)task);

    private static LlamaConfig ReadConfig(string basePath)
    {
        using var checkpoint = Shira.Format.Safetensors.SafetensorsCheckpoint.Open(basePath);
        return LlamaCheckpoint.ReadConfig(checkpoint, basePath);
    }

    // Scores base + adapters: SHiRA files through the runtime's apply (a merged copy), LoRA folders by W += s·B·A.
    private static EvalResult Score(string basePath, LlamaConfig config, bool lora, IReadOnlyList<string> adapters, TokenDataset eval)
    {
        if (lora)
        {
            using var model = LlamaCheckpoint.Load(basePath, config);
            LoraDeltas.MergeInto(model, adapters);
            return ModelEvaluator.Evaluate(model, eval, EvalBatchSize);
        }
        string merged = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(adapters[0]))!, ".merged.tmp.safetensors");
        try
        {
            AdapterMerge.ApplyToCopy(basePath, adapters.Select(a => (a, 1f)).ToArray(), merged);
            using var model = LlamaCheckpoint.Load(merged, config);
            return ModelEvaluator.Evaluate(model, eval, EvalBatchSize);
        }
        finally
        {
            File.Delete(merged);
        }
    }
}
