namespace Shira.Runtime;

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
