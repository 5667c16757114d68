using System.Diagnostics;
using System.Globalization;
using Shira.Format;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training;

/// <summary>
/// The training loop shared by SHiRA and LoRA: AdamW over <see cref="ITrainableAdapter.TrainableParameters"/>
/// only (optimizer state O(trainable)), every step inside <c>torch.NewDisposeScope()</c>, deterministic for a
/// seed with fixed threads, reporting loss, time per step, tokens per second and peak memory.
/// </summary>
public static class Trainer
{
    /// <summary>Seeds torch's generator and fixes the intra-op thread count (TorchSharp 0.107 does not implement
    /// <c>use_deterministic_algorithms</c>; the CPU kernels used here are deterministic for a fixed thread count).
    /// Call before building the model when its initialisation must repeat too.</summary>
    public static void SetDeterministic(long seed, int threads)
    {
        if (threads <= 0) throw new ArgumentOutOfRangeException(nameof(threads), $"threads must be positive, got {threads}");
        torch.set_num_threads(threads);
        torch.manual_seed(seed);
    }

    /// <summary>
    /// Runs <see cref="TrainerOptions.Steps"/> steps. <paramref name="step"/> is called with step numbers 0, 1, …:
    /// it runs the model on that step's batch (use <c>call</c> on modules so adapter hooks run) and returns the
    /// loss. The caller owns the model's train/eval mode and the data order.
    /// </summary>
    public static TrainingResult Train(ITrainableAdapter adapter, Func<int, StepLoss> step, TrainerOptions options,
        Action<TrainingStepReport>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        ArgumentNullException.ThrowIfNull(step);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Steps <= 0) throw new ArgumentOutOfRangeException(nameof(options), $"steps must be positive, got {options.Steps}");
        if (!(options.LearningRate > 0)) throw new ArgumentOutOfRangeException(nameof(options), $"learning rate must be positive, got {options.LearningRate}");

        SetDeterministic(options.Seed, options.Threads);
        var parameters = adapter.TrainableParameters;
        using var optimizer = optim.AdamW(parameters, options.LearningRate, options.Beta1, options.Beta2,
            options.Epsilon, options.WeightDecay);

        // What set-up freed (calibration gradients, pretraining) goes back to the system first, so the peak
        // measured from here is the loop's working set and not allocator retention.
        if (options.ReleaseFreedMemory) ProcessMemory.TryReleaseSetUpMemory();
        long startRss = ProcessMemory.CurrentRssBytes();
        bool reset = ProcessMemory.TryResetPeak();
        var reports = new List<TrainingStepReport>(options.Steps);
        var clock = new Stopwatch();
        for (int s = 0; s < options.Steps; s++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            clock.Restart();
            double lossValue;
            long tokens;
            using (var scope = NewDisposeScope())
            {
                optimizer.zero_grad();
                var (loss, n) = step(s);
                tokens = n;
                lossValue = loss.detach().to(ScalarType.Float64).item<double>();
                if (!double.IsFinite(lossValue))
                    throw ShiraErrors.TrainingDiverged($"loss became {lossValue} at step {s + 1}; lower the learning rate");
                loss.backward();
                if (options.MaxGradNorm > 0) nn.utils.clip_grad_norm_(parameters, options.MaxGradNorm);
                optimizer.step();
            }
            // The step's tensors are freed now; glibc would keep most of them in its heap, and over steps the
            // resident set grows well past the working set (+80 % after 8 steps of a 4-block LLaMA-1024, more for
            // one method than another depending on allocation order). Returning them costs 14–16 % of a step there
            // (pages are faulted in again) and is timed with it.
            if (options.ReleaseFreedMemory) ProcessMemory.TryReleaseFreedMemory();
            clock.Stop();
            double seconds = clock.Elapsed.TotalSeconds;
            var report = new TrainingStepReport(s + 1, lossValue, tokens, seconds, seconds > 0 ? tokens / seconds : 0,
                ProcessMemory.PeakRssBytes());
            reports.Add(report);
            progress?.Invoke(report);
        }
        // Drop gradients so that only the values stay alive after training.
        optimizer.zero_grad();

        var timed = reports.Count > 1 ? reports.Skip(1).ToList() : reports;
        double totalSeconds = timed.Sum(r => r.Seconds);
        long totalTokens = timed.Sum(r => r.Tokens);
        long stateBytes = 0;
        foreach (var p in parameters) stateBytes += 4 * p.numel() * p.element_size();

        var recorded = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = adapter.Method,
            ["optimizer"] = "AdamW",
            ["lr"] = Format(options.LearningRate),
            ["steps"] = options.Steps.ToString(CultureInfo.InvariantCulture),
            ["seed"] = options.Seed.ToString(CultureInfo.InvariantCulture),
            ["threads"] = options.Threads.ToString(CultureInfo.InvariantCulture),
            ["weight_decay"] = Format(options.WeightDecay),
            ["betas"] = Format(options.Beta1) + "," + Format(options.Beta2),
            ["eps"] = Format(options.Epsilon),
            ["max_grad_norm"] = Format(options.MaxGradNorm),
            ["final_loss"] = Format(reports[^1].Loss),
            ["trainable_parameters"] = adapter.TrainableParameterCount.ToString(CultureInfo.InvariantCulture),
        };
        return new TrainingResult
        {
            Steps = reports,
            MeanStepSeconds = totalSeconds / timed.Count,
            TokensPerSecond = totalSeconds > 0 ? totalTokens / totalSeconds : 0,
            StartRssBytes = startRss,
            PeakRssBytes = ProcessMemory.PeakRssBytes(),
            PeakIsTrainingOnly = reset,
            AdapterStateBytes = stateBytes,
            Parameters = recorded,
        };
    }

    private static string Format(double v) => v.ToString("R", CultureInfo.InvariantCulture);
}
