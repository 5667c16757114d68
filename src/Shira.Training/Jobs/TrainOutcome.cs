namespace Shira.Training.Jobs;

/// <summary>The result of <see cref="TrainRunner.Run"/> (no TorchSharp types, for the CLI and child processes).</summary>
public sealed record TrainOutcome
{
    /// <summary>Method name as recorded in the adapter (<c>shira-rand</c>, <c>lora</c>, …).</summary>
    public required string Method { get; init; }
    /// <summary>Where the adapter was written.</summary>
    public required string OutputPath { get; init; }
    /// <summary>The base checkpoint used.</summary>
    public required string BasePath { get; init; }
    /// <summary>What was trained on.</summary>
    public required string Data { get; init; }
    /// <summary>Trainable scalars.</summary>
    public required long TrainableParameters { get; init; }
    /// <summary>Adapted layers.</summary>
    public required int AdaptedLayers { get; init; }
    /// <summary>Steps run.</summary>
    public required int Steps { get; init; }
    /// <summary>Loss of the first step.</summary>
    public required double InitialLoss { get; init; }
    /// <summary>Loss of the last step.</summary>
    public required double FinalLoss { get; init; }
    /// <summary>Mean seconds per step (first step left out).</summary>
    public required double MeanStepSeconds { get; init; }
    /// <summary>Training tokens per second.</summary>
    public required double TokensPerSecond { get; init; }
    /// <summary>Process peak RSS (VmHWM) at the end, bytes (0 where unavailable).</summary>
    public required long PeakRssBytes { get; init; }
    /// <summary>Process RSS when the training loop started (model, data and adapter built), bytes.</summary>
    public required long StartRssBytes { get; init; }
    /// <summary>True when the peak was reset at the start of the loop, so the peak covers training only.</summary>
    public required bool PeakIsTrainingOnly { get; init; }
    /// <summary>Adapter parameters + gradients + AdamW moments, bytes.</summary>
    public required long AdapterStateBytes { get; init; }
    /// <summary>Held-out score of the base before training (tasks only).</summary>
    public Inference.EvalResult? BaseScore { get; init; }
    /// <summary>Held-out score with the adapter (tasks only).</summary>
    public Inference.EvalResult? AdaptedScore { get; init; }
    /// <summary>Seconds spent pretraining a tiny base (0 when a base was given).</summary>
    public double PretrainSeconds { get; init; }
    /// <summary>The tiny base came from the cache (no pretraining ran).</summary>
    public bool BaseFromCache { get; init; }
    /// <summary>What was made of a <c>--data</c> file (null for generated tasks).</summary>
    public Data.DataLoadReport? DataReport { get; init; }
    /// <summary>The tokenizer used (<see cref="Tokenization.TextTokenizer.Kind"/>).</summary>
    public string Tokenizer { get; init; } = "byte-level";
    /// <summary>Total wall time, seconds.</summary>
    public required double TotalSeconds { get; init; }
}
