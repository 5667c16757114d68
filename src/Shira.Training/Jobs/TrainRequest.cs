using Shira.Format;
using Shira.Training.Masks;

namespace Shira.Training.Jobs;

/// <summary>
/// Everything <c>shira train</c> needs, free of TorchSharp types so the CLI can build it without loading libtorch.
/// Either <see cref="BasePath"/> (a LLaMA safetensors checkpoint) or <see cref="InitTiny"/> (create a tiny model
/// and pretrain it on the task mixture) gives the base; either <see cref="TaskName"/> or <see cref="DataPath"/> the data.
/// </summary>
public sealed record TrainRequest
{
    /// <summary>Base checkpoint (a safetensors file or folder with a LLaMA config).</summary>
    public string? BasePath { get; init; }
    /// <summary>Create a tiny LLaMA (<see cref="TinyConfig"/>), pretrain it on <see cref="SequenceTaskMixture"/> and
    /// save it to <see cref="SaveBasePath"/> first.</summary>
    public bool InitTiny { get; init; }
    /// <summary>Where <see cref="InitTiny"/> saves the pretrained base (required with it: an adapter is useless
    /// without its base).</summary>
    public string? SaveBasePath { get; init; }
    /// <summary>Pretraining steps for <see cref="InitTiny"/>.</summary>
    public int PretrainSteps { get; init; } = 1500;
    /// <summary>A generated task (see <see cref="Data.SequenceTask.All"/>).</summary>
    public string? TaskName { get; init; }
    /// <summary>A data file: JSONL (<c>{"text"}</c> or <c>{"prompt", "completion"}</c> per line) or plain text
    /// (<see cref="Data.DataFile"/>).</summary>
    public string? DataPath { get; init; }
    /// <summary>Tokenizer: a tokenizer.json, tokenizer.model or <c>bytes</c>; null takes the base's own files
    /// (byte-level for the tiny model and for bases without one).</summary>
    public string? TokenizerPath { get; init; }
    /// <summary>Token limit per <see cref="DataPath"/> example (BOS/EOS included).</summary>
    public int MaxTokens { get; init; } = 512;
    /// <summary>What to do with longer examples (always counted and reported).</summary>
    public Data.OverLongPolicy OverLong { get; init; } = Data.OverLongPolicy.Skip;
    /// <summary>Reuse a cached pretrained tiny base (<see cref="Models.TinyBaseCache"/>) instead of pretraining again.</summary>
    public bool UseTinyBaseCache { get; init; } = true;
    /// <summary>The cache folder; null for <see cref="Models.TinyBaseCache.DefaultDirectory"/>.</summary>
    public string? TinyBaseCacheDirectory { get; init; }
    /// <summary>Training examples generated for <see cref="TaskName"/>.</summary>
    public int TrainExamples { get; init; } = 4000;
    /// <summary>Held-out examples scored before and after training (tasks only; 0 turns scoring off).</summary>
    public int EvalExamples { get; init; } = 256;
    /// <summary><c>shira</c> or <c>lora</c>.</summary>
    public string Method { get; init; } = "shira";
    /// <summary>SHiRA mask strategy.</summary>
    public MaskStrategy Strategy { get; init; } = MaskStrategy.Random;
    /// <summary>Per-layer budget; LoRA uses its rank (or the rank matching a density).</summary>
    public AdapterBudget Budget { get; init; } = AdapterBudget.FromRank(2);
    /// <summary>Linear layers to adapt (PEFT suffix rule).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = DefaultTargets;
    /// <summary>Optimizer steps.</summary>
    public int Steps { get; init; } = 300;
    /// <summary>Examples per step.</summary>
    public int BatchSize { get; init; } = 32;
    /// <summary>Learning rate (AdamW); when not set, <see cref="DefaultLearningRate"/> of <see cref="Method"/>.</summary>
    public double LearningRate { get => _learningRate ?? DefaultLearningRate(Method); init => _learningRate = value; }
    private readonly double? _learningRate;
    /// <summary>LoRA alpha as a multiple of r (PEFT's common alpha = 2r).</summary>
    public double LoraAlphaOverRank { get; init; } = 2;
    /// <summary>Seed of the data order, the random mask, LoRA's init and the tiny base.</summary>
    public ulong Seed { get; init; }
    /// <summary>Intra-op threads (fixed so runs repeat bit for bit).</summary>
    public int Threads { get; init; } = 1;
    /// <summary>Gradient/SNIP calibration batches.</summary>
    public int CalibrationBatches { get; init; } = 4;
    /// <summary>Output: a .shira file (SHiRA) or a PEFT folder (LoRA).</summary>
    public required string OutputPath { get; init; }

    /// <summary>
    /// The learning rate a method trains with unless told otherwise: 3e-2 for SHiRA, 1e-2 for LoRA. A sparse adapter
    /// moves few weights, each further; the two rates are where a sweep on the generated tasks learned best
    /// (docs/notes/experiments.md). An unknown method gets SHiRA's rate (the request is refused later anyway).
    /// </summary>
    public static double DefaultLearningRate(string method) => method == "lora" ? 1e-2 : 3e-2;

    /// <summary>All seven LLaMA projections.</summary>
    public static IReadOnlyList<string> DefaultTargets { get; } =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The tiny model <see cref="InitTiny"/> creates: byte vocabulary, width 64, 2 blocks of 4 heads.</summary>
    public static Models.LlamaConfig TinyConfig { get; } = new()
    {
        VocabSize = Data.ByteTokenizer.VocabSize, HiddenSize = 64, IntermediateSize = 176, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 4, RopeTheta = 10000, RmsNormEps = 1e-6,
    };

    /// <summary>Name of the pretraining mixture (<see cref="Data.SequenceTask.PretrainingMixture"/>).</summary>
    public const string SequenceTaskMixture = "copy+upper+double";
}
