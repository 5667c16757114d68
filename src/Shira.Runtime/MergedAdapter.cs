namespace Shira.Runtime;

/// <summary>One adapter applied by <see cref="AdapterMerge.ApplyToCopy"/>.</summary>
/// <param name="Path">Adapter file.</param>
/// <param name="Scale">User scale.</param>
/// <param name="Tensors">Tensors it adapted.</param>
/// <param name="Positions">Positions it changed.</param>
/// <param name="RoundedInto">The base dtypes its values were rounded into, distinct and ascending.</param>
public sealed record MergedAdapter(string Path, float Scale, int Tensors, long Positions, IReadOnlyList<Shira.Format.DType> RoundedInto);
