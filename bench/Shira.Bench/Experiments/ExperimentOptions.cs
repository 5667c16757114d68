namespace Shira.Bench.Experiments;

/// <summary>Settings of <see cref="ExperimentSuite.Run"/>. The defaults (6 methods × 2 tasks × 4 learning rates = 48
/// runs of 300 steps) take about 20-30 minutes on two shared cores.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Folder for the base, the adapters, the fused adapters and the report.</summary>
    public required string WorkDir { get; init; }
    /// <summary>Pretraining steps of the tiny base on the mixture (skipped when WorkDir already holds base.safetensors).</summary>
    public int PretrainSteps { get; init; } = 1200;
    /// <summary>Tasks to tune for (each gets its own adapter; all of a method's adapters are then fused). The
    /// default pair are two skills the tiny base can learn that do not compete for the same inputs: every prompt
    /// starts with its task's own prefix (<c>reverse w</c> / <c>caesar w</c>), so one input never asks for both
    /// answers, as separate skills are in the paper. (The pair reverse/sort was tried: no method learned
    /// <c>sort</c>, because the base never saw a digit, so its fusion could not be judged.)</summary>
    public IReadOnlyList<string> Tasks { get; init; } = ["reverse", "caesar"];
    /// <summary>Methods: SHiRA masks (<c>structured</c>, <c>random</c>, <c>weight</c>, <c>grad</c>, <c>snip</c>) and <c>lora</c>.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["structured", "random", "weight", "grad", "snip", "lora"];
    /// <summary>Budget per layer: LoRA rank r; SHiRA trains r·(in+out) entries, the same count.</summary>
    public int Rank { get; init; } = 2;
    /// <summary>Adapter training steps.</summary>
    public int Steps { get; init; } = 300;
    /// <summary>Learning rates tried for every (method, task), the same grid and step budget for all; the one with the
    /// best exact match on <see cref="ValidationExamples"/> (ties: lower validation loss) is reported, scored on the
    /// separate held-out set, and fused.</summary>
    public IReadOnlyList<double> LearningRates { get; init; } = [3e-3, 1e-2, 3e-2, 1e-1];
    /// <summary>Validation examples per task (a split of their own, used only to pick the learning rate).</summary>
    public int ValidationExamples { get; init; } = 128;
    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Training examples per task.</summary>
    public int TrainExamples { get; init; } = 4000;
    /// <summary>Held-out examples per task.</summary>
    public int EvalExamples { get; init; } = 256;
    /// <summary>Base seed; task i uses Seed + i for its data, random mask and LoRA init.</summary>
    public ulong Seed { get; init; }
    /// <summary>Width of the memory probe: a randomly initialised 4-block LLaMA of this width on which each method
    /// trains <see cref="MemoryProbeSteps"/> steps, to compare peak memory where the weights are not negligible
    /// next to the runtime (0, the default, turns it off: the <c>training</c> suite measures memory and speed at
    /// LLaMA scale).</summary>
    public int MemoryProbeHidden { get; init; }
    /// <summary>Steps of each memory-probe run.</summary>
    public int MemoryProbeSteps { get; init; } = 5;
    /// <summary>Budget rank of the memory probe.</summary>
    public int MemoryProbeRank { get; init; } = 8;
    /// <summary>Intra-op threads per run.</summary>
    public int Threads { get; init; } = 1;
}
