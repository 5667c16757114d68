using Shira.Format;
using Shira.Training.Jobs;
using Shira.Training.Masks;

namespace Shira.Bench.Experiments;

/// <summary>One training run of the experiment, in a JSON-friendly form (it crosses to a child process).</summary>
public sealed record ExperimentJob
{
    /// <summary>Generated task name.</summary>
    public required string Task { get; init; }
    /// <summary><c>lora</c> or a SHiRA mask: <c>structured</c>, <c>random</c>, <c>weight</c>, <c>grad</c>, <c>snip</c>.</summary>
    public required string Method { get; init; }
    /// <summary>Budget: LoRA rank r, SHiRA r·(in+out) entries per layer.</summary>
    public required int Rank { get; init; }
    /// <summary>Optimizer steps.</summary>
    public required int Steps { get; init; }
    /// <summary>Learning rate.</summary>
    public required double LearningRate { get; init; }
    /// <summary>Examples per step.</summary>
    public required int BatchSize { get; init; }
    /// <summary>Seed (data, mask, LoRA init).</summary>
    public required ulong Seed { get; init; }
    /// <summary>Intra-op threads.</summary>
    public required int Threads { get; init; }
    /// <summary>Base checkpoint.</summary>
    public required string BasePath { get; init; }
    /// <summary>Adapter output (.shira or LoRA folder).</summary>
    public required string OutputPath { get; init; }
    /// <summary>Training examples.</summary>
    public required int TrainExamples { get; init; }
    /// <summary>Held-out examples.</summary>
    public required int EvalExamples { get; init; }

    /// <summary>The equivalent <c>shira train</c> request.</summary>
    public TrainRequest ToRequest()
    {
        var mask = MaskNames.Parse(Method);
        if (mask is null && Method != "lora") throw new InvalidOperationException($"unknown experiment method '{Method}'");
        return new TrainRequest
        {
            BasePath = BasePath,
            TaskName = Task,
            Method = mask is null ? "lora" : "shira",
            Strategy = mask ?? MaskStrategy.Random,
            Budget = AdapterBudget.FromRank(Rank),
            Steps = Steps,
            LearningRate = LearningRate,
            BatchSize = BatchSize,
            Seed = Seed,
            Threads = Threads,
            TrainExamples = TrainExamples,
            EvalExamples = EvalExamples,
            OutputPath = OutputPath,
        };
    }
}
