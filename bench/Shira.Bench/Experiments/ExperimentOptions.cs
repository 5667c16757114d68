namespace Shira.Bench.Experiments;

/// <summary>Settings of <see cref="ExperimentSuite.Run"/>. The defaults fit the whole experiment in about ten
/// minutes on two cores.</summary>
public sealed record ExperimentOptions
{
    /// <summary>Folder for the base, the adapters, the fused adapters and the report.</summary>
    public required string WorkDir { get; init; }
    /// <summary>Pretraining steps of the tiny base on the mixture (skipped when WorkDir already holds base.safetensors).</summary>
    public int PretrainSteps { get; init; } = 1200;
    /// <summary>Tasks to tune for (each gets its own adapter; all of a method's adapters are then fused).</summary>
    public IReadOnlyList<string> Tasks { get; init; } = ["reverse", "caesar"];
    /// <summary>Methods: SHiRA masks (<c>structured</c>, <c>random</c>, <c>weight</c>, <c>grad</c>, <c>snip</c>) and <c>lora</c>.</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["structured", "random", "weight", "grad", "snip", "lora"];
    /// <summary>Budget per layer: LoRA rank r; SHiRA trains r·(in+out) entries, the same count.</summary>
    public int Rank { get; init; } = 2;
    /// <summary>Adapter training steps.</summary>
    public int Steps { get; init; } = 300;
    /// <summary>SHiRA learning rate (the best of 1e-2, 3e-2, 1e-1 for SHiRA-random on reverse, 400 steps).</summary>
    public double ShiraLearningRate { get; init; } = 3e-2;
    /// <summary>LoRA learning rate (the best of 3e-3, 1e-2, 3e-2 for LoRA on reverse, 400 steps).</summary>
    public double LoraLearningRate { get; init; } = 1e-2;
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
    /// next to the runtime (0 turns it off).</summary>
    public int MemoryProbeHidden { get; init; } = 512;
    /// <summary>Steps of each memory-probe run.</summary>
    public int MemoryProbeSteps { get; init; } = 5;
    /// <summary>Budget rank of the memory probe.</summary>
    public int MemoryProbeRank { get; init; } = 8;
    /// <summary>Intra-op threads per run.</summary>
    public int Threads { get; init; } = 1;
}
