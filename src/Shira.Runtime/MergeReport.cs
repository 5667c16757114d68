namespace Shira.Runtime;

/// <summary>Progress of a long runtime operation.</summary>
/// <param name="Stage">What is being done (e.g. <c>merge</c>, <c>fuse</c>).</param>
/// <param name="Done">Units done.</param>
/// <param name="Total">Units in total.</param>
/// <param name="Item">The tensor being processed, if any.</param>
public readonly record struct RuntimeProgress(string Stage, long Done, long Total, string? Item);

/// <summary>One adapter applied by <see cref="AdapterMerge.ApplyToCopy"/>.</summary>
/// <param name="Path">Adapter file.</param>
/// <param name="Scale">User scale.</param>
/// <param name="Tensors">Tensors it adapted.</param>
/// <param name="Positions">Positions it changed.</param>
/// <param name="RoundedInto">The base dtypes its values were rounded into, distinct and ascending.</param>
public sealed record MergedAdapter(string Path, float Scale, int Tensors, long Positions, IReadOnlyList<Shira.Format.DType> RoundedInto);

/// <summary>The result of <see cref="AdapterMerge.ApplyToCopy"/>.</summary>
/// <param name="BasePath">Base checkpoint.</param>
/// <param name="OutputPath">The merged safetensors file.</param>
/// <param name="Adapters">Adapters in application order.</param>
/// <param name="TensorsWritten">Tensors in the output.</param>
/// <param name="TensorsAdapted">Tensors changed by at least one adapter.</param>
/// <param name="BytesWritten">Output file length.</param>
/// <param name="Elapsed">Wall time.</param>
public sealed record MergeReport(string BasePath, string OutputPath, IReadOnlyList<MergedAdapter> Adapters,
    int TensorsWritten, int TensorsAdapted, long BytesWritten, TimeSpan Elapsed);
