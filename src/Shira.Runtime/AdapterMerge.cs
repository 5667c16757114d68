namespace Shira.Runtime;

/// <summary>
/// <c>shira apply BASE ADAPTER... -o OUT</c>: streams a base checkpoint (file or sharded folder) into one new
/// safetensors file with adapters applied in order, one tensor in memory at a time. Each position becomes
/// round_to_nearest_even(f32(W) + f32(s·v)) in the base dtype (exactly PEFT's merge on an f32, bf16 or fp16 base);
/// replace entries write round(v). The base is never modified; the output appears atomically.
/// </summary>
public static partial class AdapterMerge
{
    /// <summary>Checks every adapter against the base (nothing is written on a mismatch), then writes
    /// <paramref name="outputPath"/>.</summary>
    public static MergeReport ApplyToCopy(string basePath, IReadOnlyList<(string AdapterPath, float Scale)> adapters,
        string outputPath, IProgress<RuntimeProgress>? progress = null) => ApplyToCopyCore(basePath, adapters, outputPath, progress);
}
