namespace Shira.Runtime;

/// <summary>One adapter applied by <see cref="AdapterMerge.ApplyToCopy"/>.</summary>
/// <param name="Path">Adapter file.</param>
/// <param name="Scale">User scale.</param>
/// <param name="Tensors">Tensors it adapted.</param>
/// <param name="Positions">Positions it changed.</param>
public sealed record MergedAdapter(string Path, float Scale, int Tensors, long Positions);
