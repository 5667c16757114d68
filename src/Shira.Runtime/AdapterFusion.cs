namespace Shira.Runtime;

/// <summary>
/// Fuses several adapters into one <c>.shira</c>: per tensor the union of their supports, each value the f32 sum
/// Σ weight_k · scale_k · v_k (entry scale included, so the fused entries have scale 1). Reports how the inputs
/// interact: shared positions and the cosine of their deltas per pair, and each input's energy share on positions
/// another input also changes. Inputs must agree on every shared target's shape and base dtype and use add
/// semantics (<see cref="Shira.Format.ShiraErrorCode.FuseConflict"/> otherwise).
/// </summary>
public static partial class AdapterFusion
{
    /// <summary>Fuses and writes <paramref name="outputPath"/> atomically.</summary>
    public static FuseReport Fuse(IReadOnlyList<(string Path, float Weight)> adapters, string outputPath,
        FuseOptions? options = null, IProgress<RuntimeProgress>? progress = null)
        => FuseCore(adapters, outputPath, options ?? new FuseOptions(), progress);
}
