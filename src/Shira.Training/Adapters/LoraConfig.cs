namespace Shira.Training;

/// <summary>Settings of <see cref="LoraAdapter.Attach"/>, mirroring PEFT's <c>LoraConfig</c> (no DoRA, no rsLoRA,
/// no bias training).</summary>
public sealed record LoraConfig
{
    /// <summary>Module names to adapt (PEFT <c>target_modules</c> suffix rule, see <see cref="TargetSelector"/>).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];

    /// <summary>Alternatively a regex that must match the whole module name.</summary>
    public string? TargetRegex { get; init; }

    /// <summary>Rank r (default 8). <see cref="Masks.AdapterBudget.LoraRankFor"/> gives the rank matching a SHiRA budget.</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha; the update is scaled by alpha / r (default 16).</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout on the adapter input during training (default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>Seed of A's initialisation (PEFT's kaiming-uniform with a = √5, i.e. U(−1/√in, 1/√in)); B starts at 0.</summary>
    public ulong Seed { get; init; }

    /// <summary>alpha / r.</summary>
    public double Scaling => Alpha / Rank;
}
