namespace Shira.Training;

/// <summary>The outcome of <see cref="Trainer.Train"/>.</summary>
public sealed record TrainingResult
{
    /// <summary>Every step, in order.</summary>
    public required IReadOnlyList<TrainingStepReport> Steps { get; init; }
    /// <summary>Loss of the last step.</summary>
    public double FinalLoss => Steps.Count == 0 ? double.NaN : Steps[^1].Loss;
    /// <summary>Mean seconds per step, leaving out the first (warm-up) step when there are more.</summary>
    public required double MeanStepSeconds { get; init; }
    /// <summary>Tokens per second over the same steps.</summary>
    public required double TokensPerSecond { get; init; }
    /// <summary>Process RSS when training started (after the model and adapter were built), bytes.</summary>
    public required long StartRssBytes { get; init; }
    /// <summary>Peak RSS during training (VmHWM; reset at the start when the kernel allows it), bytes.</summary>
    public required long PeakRssBytes { get; init; }
    /// <summary>True when the peak was reset at the start, so <see cref="PeakRssBytes"/> covers training only.</summary>
    public required bool PeakIsTrainingOnly { get; init; }
    /// <summary>Bytes of trainable state: parameters, gradients and AdamW's two moments.</summary>
    public required long AdapterStateBytes { get; init; }
    /// <summary>The training parameters (method, lr, steps, seed, …) to record in the exported adapter.</summary>
    public required IReadOnlyDictionary<string, string> Parameters { get; init; }
}
