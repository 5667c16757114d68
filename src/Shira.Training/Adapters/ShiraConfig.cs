using Shira.Format;
using Shira.Training.Masks;

namespace Shira.Training;

/// <summary>Settings of <see cref="ShiraAdapter.Attach(TorchSharp.torch.nn.Module, ShiraConfig, Func{int, TorchSharp.torch.Tensor}?)"/>,
/// in the spirit of PEFT's <c>ShiraConfig</c>.</summary>
public sealed record ShiraConfig
{
    /// <summary>Module names to adapt, PEFT style: a module matches when its dotted name equals an entry or ends
    /// with <c>"." + entry</c> (e.g. <c>q_proj</c>).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>Alternatively (or additionally) a regex that must match the whole module name.</summary>
    public string? TargetRegex { get; init; }

    /// <summary>Mask strategy: <see cref="MaskStrategy.Structured"/>, <see cref="MaskStrategy.Random"/>,
    /// <see cref="MaskStrategy.WeightMagnitude"/>, <see cref="MaskStrategy.Gradient"/> or <see cref="MaskStrategy.Snip"/>.</summary>
    public MaskStrategy Strategy { get; init; } = MaskStrategy.Random;

    /// <summary>Entries per layer: a density, or LoRA's r·(in+out) (default rank 8).</summary>
    public AdapterBudget Budget { get; init; } = AdapterBudget.FromRank(8);

    /// <summary>Seed of the random mask. Each layer draws from seed + its position in <c>named_modules()</c>
    /// order, so layers get different masks and the same seed always gives the same masks.</summary>
    public ulong Seed { get; init; }

    /// <summary>Calibration batches for <see cref="MaskStrategy.Gradient"/> and <see cref="MaskStrategy.Snip"/> (default 4).</summary>
    public int CalibrationBatches { get; init; } = 4;

    /// <summary>Forward computation (default <see cref="ShiraForwardMode.Merged"/>).</summary>
    public ShiraForwardMode ForwardMode { get; init; } = ShiraForwardMode.Merged;

    /// <summary>The method name recorded in exports, e.g. <c>shira-rand</c>.</summary>
    public string MethodName => Strategy switch
    {
        MaskStrategy.Structured => "shira-struct",
        MaskStrategy.Random => "shira-rand",
        MaskStrategy.WeightMagnitude => "shira-wm",
        MaskStrategy.Gradient => "shira-grad",
        MaskStrategy.Snip => "shira-snip",
        _ => "shira-" + Strategy.ToString().ToLowerInvariant(),
    };
}
