using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using Shira.Format;
using Shira.Training.Data;
using Shira.Training.Inference;
using Shira.Training.Models;
using Shira.Training.Tokenization;

namespace Shira.Training.Jobs;

/// <summary>
/// The work behind <c>shira train</c>: build or load a LLaMA base, generate or read the data, attach SHiRA or LoRA,
/// train, score, and write the adapter. Its signature holds no TorchSharp type and it is never inlined, so a caller
/// loads libtorch only when it really trains.
/// </summary>
public static class TrainRunner
{
    // Generated task examples are a few dozen tokens: larger batches than ModelEvaluator's default pay off.
    private const int EvalBatchSize = 64;

    /// <summary>Runs one training job; deterministic for <see cref="TrainRequest.Seed"/> and
    /// <see cref="TrainRequest.Threads"/>. Throws <see cref="ArgumentException"/> for an inconsistent
    /// request, <see cref="ShiraException"/> for bad data, checkpoints or configs.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static TrainOutcome Run(TrainRequest request, Action<TrainProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        Check(request);
        var clock = Stopwatch.StartNew();
        Trainer.SetDeterministic(unchecked((long)request.Seed), request.Threads);

        double pretrainSeconds = 0;
        string basePath;
        LlamaForCausalLM model;
        bool baseFromCache = false;
        if (request.InitTiny)
        {
            basePath = request.SaveBasePath!;
            var pretrainOptions = new PretrainOptions { Steps = request.PretrainSteps, Seed = request.Seed, Threads = request.Threads };
            // The pretrained tiny base depends only on these parameters and the code: cache it (TinyBaseCache).
            var key = TinyBaseCache.Key(TrainRequest.TinyConfig,
            [
                new("mixture", TrainRequest.SequenceTaskMixture), new("examples", "20000"),
                new("steps", pretrainOptions.Steps.ToString(CultureInfo.InvariantCulture)),
                new("batch", pretrainOptions.BatchSize.ToString(CultureInfo.InvariantCulture)),
                new("lr", pretrainOptions.LearningRate.ToString("R", CultureInfo.InvariantCulture)),
                new("seed", request.Seed.ToString(CultureInfo.InvariantCulture)),
                new("threads", request.Threads.ToString(CultureInfo.InvariantCulture)),
            ]);
            string? cacheDir = request.UseTinyBaseCache ? request.TinyBaseCacheDirectory ?? TinyBaseCache.DefaultDirectory : null;
            model = TinyBaseCache.GetOrCreate(cacheDir, key, TrainRequest.TinyConfig, () =>
            {
                var fresh = new LlamaForCausalLM(TrainRequest.TinyConfig, request.Seed);
                var mixture = TokenDataset.Mixture(SequenceTask.PretrainingMixture, 20_000, request.Seed);
                var pretrainClock = Stopwatch.StartNew();
                Pretrainer.Pretrain(fresh, mixture, pretrainOptions,
                    (s, loss, _) => progress?.Invoke(new TrainProgress("pretrain", s, request.PretrainSteps, loss, 0)));
                pretrainSeconds = pretrainClock.Elapsed.TotalSeconds;
                return fresh;
            }, out baseFromCache);
            Trainer.SetDeterministic(unchecked((long)request.Seed), request.Threads); // same state with or without the cache
            LlamaCheckpoint.Save(model, basePath);
        }
        else
        {
            basePath = request.BasePath!;
            model = LlamaCheckpoint.Load(basePath);
        }

        using (model)
        {
            var tokenizer = request.TokenizerPath is not null ? TokenizerLoader.Load(request.TokenizerPath)
                : request.InitTiny ? ByteLevelTokenizer.Instance
                : TokenizerLoader.ForCheckpoint(basePath) ?? ByteLevelTokenizer.Instance;
            TokenDataset train;
            TokenDataset? eval = null;
            DataLoadReport? dataReport = null;
            string dataName;
            if (request.TaskName is not null)
            {
                var task = SequenceTask.Find(request.TaskName)!;
                train = TokenDataset.ForTask(task, request.TrainExamples, request.Seed, "train", tokenizer);
                if (request.EvalExamples > 0) eval = TokenDataset.ForTask(task, request.EvalExamples, request.Seed, "eval", tokenizer);
                dataName = "task:" + task.Name;
            }
            else
            {
                var file = DataFile.Read(request.DataPath!);
                (train, dataReport) = TokenDataset.FromData(file, tokenizer, request.MaxTokens, request.OverLong, model.Config.VocabSize);
                dataName = Path.GetFileName(request.DataPath!);
            }
            if (tokenizer is ByteLevelTokenizer) CheckVocabulary(model.Config, basePath);

            EvalResult? baseScore = eval is null ? null : ModelEvaluator.Evaluate(model, eval, EvalBatchSize);
            using var adapter = AdapterFactory.Attach(model, request, train);
            var sampler = new BatchSampler(train, request.BatchSize, request.Seed);
            var result = Trainer.Train(adapter, _ =>
                {
                    var batch = sampler.Next();
                    return new StepLoss(model.Loss(batch), batch.InputTokens);
                },
                new TrainerOptions
                {
                    Steps = request.Steps, LearningRate = request.LearningRate, Seed = unchecked((long)request.Seed),
                    Threads = request.Threads,
                },
                r => progress?.Invoke(new TrainProgress("train", r.Step, request.Steps, r.Loss, r.TokensPerSecond)));
            EvalResult? adaptedScore = eval is null ? null : ModelEvaluator.Evaluate(model, eval, EvalBatchSize);

            var parameters = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (k, v) in result.Parameters) parameters[k] = v;
            parameters["data"] = dataName;
            parameters["batch_size"] = request.BatchSize.ToString(CultureInfo.InvariantCulture);
            if (request.TaskName is not null)
                parameters["train_examples"] = request.TrainExamples.ToString(CultureInfo.InvariantCulture);
            adapter.Save(request.OutputPath, new AdapterExportInfo
            {
                Name = request.TaskName ?? Path.GetFileNameWithoutExtension(request.DataPath!),
                Description = $"{adapter.Method} adapter trained by shira train on {dataName}",
                BaseModel = Path.GetFileName(basePath),
                Parameters = parameters,
            });

            return new TrainOutcome
            {
                Method = adapter.Method,
                OutputPath = request.OutputPath,
                BasePath = basePath,
                Data = dataName,
                TrainableParameters = adapter.TrainableParameterCount,
                AdaptedLayers = adapter.TargetModules.Count,
                Steps = result.Steps.Count,
                InitialLoss = result.Steps[0].Loss,
                FinalLoss = result.FinalLoss,
                MeanStepSeconds = result.MeanStepSeconds,
                TokensPerSecond = result.TokensPerSecond,
                PeakRssBytes = result.PeakRssBytes,
                StartRssBytes = result.StartRssBytes,
                PeakIsTrainingOnly = result.PeakIsTrainingOnly,
                AdapterStateBytes = result.AdapterStateBytes,
                BaseScore = baseScore,
                AdaptedScore = adaptedScore,
                PretrainSeconds = pretrainSeconds,
                BaseFromCache = baseFromCache,
                DataReport = dataReport,
                Tokenizer = tokenizer.Kind,
                TotalSeconds = clock.Elapsed.TotalSeconds,
            };
        }
    }

    private static void Check(TrainRequest r)
    {
        // The request is the caller's (the CLI maps an argument exception to exit 2).
        static void Usage(string message) => throw new ArgumentException(message, nameof(r));
        if (r.InitTiny == (r.BasePath is not null)) Usage("give exactly one of a base checkpoint (--base) or --init tiny");
        if (r.InitTiny && string.IsNullOrEmpty(r.SaveBasePath)) Usage("--init tiny needs --save-base PATH: the adapter is only usable with its base");
        if ((r.TaskName is null) == (r.DataPath is null)) Usage("give exactly one of --task NAME or --data FILE");
        if (r.TaskName is not null && SequenceTask.Find(r.TaskName) is null)
            Usage($"unknown task '{r.TaskName}' (known: {string.Join(", ", SequenceTask.All.Select(t => t.Name))})");
        if (r.Method is not ("shira" or "lora")) Usage($"unknown method '{r.Method}' (shira or lora)");
        if (r.Steps <= 0) Usage($"steps must be positive, got {r.Steps}");
        if (r.BatchSize <= 0) Usage($"batch size must be positive, got {r.BatchSize}");
        if (r.InitTiny && r.PretrainSteps <= 0) Usage($"pretraining steps must be positive, got {r.PretrainSteps}");
        if (r.TrainExamples <= 0) Usage($"training examples must be positive, got {r.TrainExamples}");
        if (r.EvalExamples < 0) Usage($"evaluation examples must not be negative, got {r.EvalExamples}");
        if (r.Threads <= 0) Usage($"threads must be positive, got {r.Threads}");
        if (r.MaxTokens < 2) Usage($"the token limit must be at least 2, got {r.MaxTokens}");
        if (string.IsNullOrEmpty(r.OutputPath)) Usage("an output path (-o) is required");
    }

    private static void CheckVocabulary(LlamaConfig config, string basePath)
    {
        if (config.VocabSize < ByteTokenizer.VocabSize)
        {
            throw ShiraErrors.TokenizerVocabularyMismatch($"the base's vocabulary has {config.VocabSize} entries; byte-level data needs at least {ByteTokenizer.VocabSize}", basePath);
        }
    }
}
