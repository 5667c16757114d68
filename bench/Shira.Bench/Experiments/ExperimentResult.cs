using Shira.Training.Inference;
using Shira.Training.Jobs;

namespace Shira.Bench.Experiments;

/// <summary>One (task, method) cell of the experiment.</summary>
/// <param name="Task">Task name.</param>
/// <param name="Method">Method (<c>lora</c> or a SHiRA mask).</param>
/// <param name="Training">What the training run reported (loss, time per step, memory).</param>
/// <param name="Single">Held-out score of base + this adapter alone.</param>
/// <param name="Fused">Held-out score of base + all of this method's task adapters fused.</param>
/// <param name="SharedEnergyShare">SHiRA: share of this adapter's Σv² on positions another task's adapter also
/// changes (from the runtime's fuse report); null for LoRA, whose deltas are dense.</param>
/// <param name="LearningRate">The learning rate chosen on the validation split.</param>
/// <param name="Sweep">Every learning rate tried: its validation score.</param>
public sealed record ExperimentCell(string Task, string Method, TrainOutcome Training, EvalResult Single, EvalResult Fused,
    double? SharedEnergyShare, double LearningRate, IReadOnlyList<SweepPoint> Sweep)
{
    /// <summary>Exact-match accuracy lost by fusing (single − fused), in fraction points.</summary>
    public double ConceptLoss => Single.ExactMatch - Fused.ExactMatch;
}

/// <summary>The whole experiment.</summary>
/// <param name="Options">Settings.</param>
/// <param name="PretrainSeconds">Time spent pretraining the base (0 when reused).</param>
/// <param name="BaseScores">Held-out score of the base per task.</param>
/// <param name="Cells">Every (task, method) result.</param>
/// <param name="MemoryProbe">Memory-probe runs (method, what training reported), empty when off.</param>
/// <param name="MemoryProbeConfig">The memory probe's model, null when off.</param>
/// <param name="TotalSeconds">Wall time.</param>
public sealed record ExperimentResult(ExperimentOptions Options, double PretrainSeconds,
    IReadOnlyDictionary<string, EvalResult> BaseScores, IReadOnlyList<ExperimentCell> Cells,
    IReadOnlyList<MemoryProbeRun> MemoryProbe, Shira.Training.Models.LlamaConfig? MemoryProbeConfig, double TotalSeconds);

/// <summary>One memory-probe run.</summary>
/// <param name="Method">Method.</param>
/// <param name="Training">What training reported.</param>
public sealed record MemoryProbeRun(string Method, TrainOutcome Training);

/// <summary>One learning rate of a (task, method) sweep.</summary>
/// <param name="LearningRate">Learning rate.</param>
/// <param name="Validation">Score on the validation split.</param>
/// <param name="FinalLoss">Training loss of the last step.</param>
public sealed record SweepPoint(double LearningRate, EvalResult Validation, double FinalLoss);
