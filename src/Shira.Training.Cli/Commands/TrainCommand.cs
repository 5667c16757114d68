using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text.Json.Nodes;
using Shira.Cli.Infrastructure;
using Shira.Format;
using Shira.Training.Jobs;
using Shira.Training.Masks;

namespace Shira.Training.Cli.Commands;

/// <summary>
/// <c>shira train</c>: fine-tune a SHiRA (or LoRA) adapter on a LLaMA-style safetensors base and write it out.
/// Nothing here names a TorchSharp type: the work runs in <see cref="TrainRunner.Run"/> (never inlined), so libtorch
/// is loaded only when training really starts and every other command stays free of it.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The library's defaults, shown by <c>--help</c> and used for every option not given.</summary>
    private static readonly TrainRequest Defaults = new() { OutputPath = "" };

    public static Command Create()
    {
        var baseOption = new Option<string?>("--base") { Description = "Base checkpoint: LLaMA safetensors file or folder (config in its metadata or config.json)" };
        var init = new Option<string?>("--init") { Description = "Instead of --base: create the tiny byte-level LLaMA and pretrain it on the task mixture" };
        init.AcceptOnlyFromAmong("tiny");
        var saveBase = new Option<string?>("--save-base") { Description = "With --init tiny: where to save the pretrained base (safetensors)" };
        var pretrainSteps = new Option<int>("--pretrain-steps") { Description = "With --init tiny: pretraining steps", DefaultValueFactory = _ => Defaults.PretrainSteps };
        var task = new Option<string?>("--task") { Description = "A generated task: reverse, caesar, sort, add, copy, upper, double" };
        var data = new Option<string?>("--data") { Description = "Instead of --task: JSONL ({\"text\"} or {\"prompt\",\"completion\"} per line; loss on the completion) or plain text lines" };
        var tokenizer = new Option<string?>("--tokenizer") { Description = "tokenizer.json, tokenizer.model or 'bytes' (default: the base's own, else bytes)" };
        var maxTokens = new Option<int>("--max-tokens") { Description = "Token limit per --data example", DefaultValueFactory = _ => Defaults.MaxTokens };
        var overLong = new Option<string>("--over-long") { Description = "--data examples over the limit: skip (default), truncate or error; always counted", DefaultValueFactory = _ => "skip" };
        overLong.AcceptOnlyFromAmong("skip", "truncate", "error");
        var noCache = new Option<bool>("--no-cache") { Description = "With --init tiny: pretrain even when the cache ($XDG_CACHE_HOME/shira) holds this base" };
        var method = new Option<string>("--method") { Description = "shira or lora", DefaultValueFactory = _ => Defaults.Method };
        method.AcceptOnlyFromAmong("shira", "lora");
        var mask = new Option<string>("--mask") { Description = "SHiRA mask: random, structured, weight, grad, snip", DefaultValueFactory = _ => "random" };
        mask.AcceptOnlyFromAmong([.. MaskNames.All]);
        var budget = new Option<string?>("--budget") { Description = "Per-layer budget lora:R = R·(in+out) entries (SHiRA) or rank R (LoRA); default lora:2" };
        var density = new Option<double?>("--density") { Description = "Instead of --budget: fraction of each layer (LoRA: the rank with the same total)" };
        var targets = new Option<string>("--targets") { Description = "Comma-separated linear layers to adapt", DefaultValueFactory = _ => string.Join(",", Defaults.TargetModules) };
        var steps = new Option<int>("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => Defaults.Steps };
        var seed = new Option<ulong>("--seed") { Description = "Seed of data order, mask, LoRA init and the tiny base", DefaultValueFactory = _ => Defaults.Seed };
        var lr = new Option<double?>("--lr") { Description = string.Create(CultureInfo.InvariantCulture, $"Learning rate (default {TrainRequest.DefaultLearningRate("shira")} for SHiRA, {TrainRequest.DefaultLearningRate("lora")} for LoRA)") };
        var batch = new Option<int>("--batch") { Description = "Examples per step", DefaultValueFactory = _ => Defaults.BatchSize };
        var examples = new Option<int>("--examples") { Description = "Training examples generated for --task", DefaultValueFactory = _ => Defaults.TrainExamples };
        var eval = new Option<int>("--eval") { Description = "Held-out examples scored before and after (tasks; 0 = off)", DefaultValueFactory = _ => Defaults.EvalExamples };
        var threads = new Option<int>("--threads") { Description = "Torch intra-op threads (fixed for repeatable runs)", DefaultValueFactory = _ => Defaults.Threads };
        var output = new Option<string>("--output", "-o") { Description = "Output: .shira file (SHiRA) or folder (LoRA, PEFT layout)", Required = true };

        var command = new Command("train", "Train a SHiRA or LoRA adapter on a LLaMA-style base (TorchSharp)")
        {
            baseOption, init, saveBase, pretrainSteps, task, data, tokenizer, maxTokens, overLong, noCache, method, mask, budget, density, targets, steps, seed,
            lr, batch, examples, eval, threads, output,
        };
        command.SetAction(result => CommandRunner.Run(() =>
        {
            if (result.GetValue(budget) is not null && result.GetValue(density) is not null)
                throw new UsageException("give --budget or --density, not both");
            string methodName = result.GetValue(method)!;
            var request = new TrainRequest
            {
                BasePath = result.GetValue(baseOption),
                InitTiny = result.GetValue(init) is not null,
                SaveBasePath = result.GetValue(saveBase),
                PretrainSteps = result.GetValue(pretrainSteps),
                TaskName = result.GetValue(task),
                DataPath = result.GetValue(data),
                TokenizerPath = result.GetValue(tokenizer),
                MaxTokens = result.GetValue(maxTokens),
                OverLong = Enum.Parse<Shira.Training.Data.OverLongPolicy>(result.GetValue(overLong)!, ignoreCase: true),
                UseTinyBaseCache = !result.GetValue(noCache),
                Method = methodName,
                Strategy = ParseMask(result.GetValue(mask)!),
                Budget = ParseBudget(result.GetValue(budget), result.GetValue(density)),
                TargetModules = result.GetValue(targets)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries),
                Steps = result.GetValue(steps),
                Seed = result.GetValue(seed),
                BatchSize = result.GetValue(batch),
                TrainExamples = result.GetValue(examples),
                EvalExamples = result.GetValue(eval),
                Threads = result.GetValue(threads),
                OutputPath = result.GetValue(output)!,
            };
            if (result.GetValue(lr) is { } rate) request = request with { LearningRate = rate };
            if (request.TargetModules.Count == 0) throw new UsageException("--targets names no layer");
            var outcome = Execute(request);
            Build(outcome, request).Print();
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Runs the training with progress lines on standard error (about ten per phase).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static TrainOutcome Execute(TrainRequest request)
    {
        var error = CliConsole.Current.Error;
        return TrainRunner.Run(request, p =>
        {
            int every = Math.Max(1, p.Steps / 10);
            if (p.Step % every != 0 && p.Step != p.Steps && p.Step != 1) return;
            var line = string.Create(CultureInfo.InvariantCulture, $"{p.Phase} step {p.Step}/{p.Steps}  loss {p.Loss:F4}");
            if (p.TokensPerSecond > 0) line += string.Create(CultureInfo.InvariantCulture, $"  {p.TokensPerSecond:F0} tokens/s");
            error.WriteLine(line);
        });
    }

    /// <summary>The summary of a run (shared with tests).</summary>
    internal static Report Build(TrainOutcome o, TrainRequest request)
    {
        var report = new Report("train");
        report.Summary("method", o.Method)
            .Summary("base", o.BasePath)
            .Summary("data", o.Data)
            .Summary("tokenizer", o.Tokenizer)
            .Summary("adapted_layers", o.AdaptedLayers)
            .Summary("trainable_parameters", o.TrainableParameters)
            .Summary("steps", o.Steps)
            .Summary("seed", (long)request.Seed)
            .Summary("learning_rate", request.LearningRate)
            .Summary("loss_first_step", Math.Round(o.InitialLoss, 4))
            .Summary("loss_last_step", Math.Round(o.FinalLoss, 4))
            .Summary("ms_per_step", Math.Round(o.MeanStepSeconds * 1000, 2))
            .Summary("tokens_per_second", Math.Round(o.TokensPerSecond))
            .Summary("peak_rss_mib", Math.Round(o.PeakRssBytes / 1048576.0, 1))
            .Summary("adapter_state_bytes", o.AdapterStateBytes);
        if (o.BaseScore is { } b && o.AdaptedScore is { } a)
        {
            report.Json["eval"] = new JsonObject
            {
                ["examples"] = a.Examples,
                ["base_loss"] = JsonOutput.Number(b.Loss),
                ["base_accuracy"] = JsonOutput.Number(b.ExactMatch),
                ["loss"] = JsonOutput.Number(a.Loss),
                ["accuracy"] = JsonOutput.Number(a.ExactMatch),
            };
            report.Summary("eval_examples", a.Examples);
        }
        if (o.DataReport is { } d)
        {
            report.Summary("data_examples", d.Examples).Summary("data_scored_tokens", d.ScoredTokens);
            if (d.OverLong > 0)
                report.Summary($"over {d.MaxTokens} tokens ({(d.OverLongPolicy == Shira.Training.Data.OverLongPolicy.Truncate ? "truncated" : "skipped")})",
                    $"{d.OverLong} (lines {string.Join(", ", d.OverLongLines)}{(d.OverLong > d.OverLongLines.Count ? ", …" : "")})");
            report.Json["data_report"] = new JsonObject
            {
                ["format"] = d.Format.ToString(), ["records"] = d.Records, ["examples"] = d.Examples, ["prompt_completion"] = d.PromptCompletion,
                ["max_tokens"] = d.MaxTokens, ["over_long"] = d.OverLong, ["tokens"] = d.Tokens, ["scored_tokens"] = d.ScoredTokens,
            };
        }
        if (request.InitTiny) report.Summary("tiny_base", o.BaseFromCache ? "from cache" : "pretrained");
        if (o.PretrainSeconds > 0) report.Summary("pretraining_seconds", Math.Round(o.PretrainSeconds, 1));
        report.Summary("total_seconds", Math.Round(o.TotalSeconds, 1)).Summary("output", o.OutputPath);
        report.Json["peak_is_training_only"] = o.PeakIsTrainingOnly;
        report.Json["start_rss_bytes"] = o.StartRssBytes;
        report.Json["peak_rss_bytes"] = o.PeakRssBytes;
        report.Json["mean_step_seconds"] = JsonOutput.Number(o.MeanStepSeconds);
        return report;
    }

    private static MaskStrategy ParseMask(string name) =>
        MaskNames.Parse(name) ?? throw new UsageException($"unknown mask '{name}' ({string.Join(", ", MaskNames.All)})");

    private static AdapterBudget ParseBudget(string? budget, double? density)
    {
        if (density is { } d) return AdapterBudget.FromDensity(d);
        if (budget is null) return Defaults.Budget;
        if (budget.StartsWith("lora:", StringComparison.Ordinal) &&
            int.TryParse(budget.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int r) && r > 0)
            return AdapterBudget.FromRank(r);
        throw new UsageException($"--budget must look like lora:R with R a positive integer, got '{budget}'");
    }
}
