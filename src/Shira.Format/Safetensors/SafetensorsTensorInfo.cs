namespace Shira.Format.Safetensors;

/// <summary>One tensor of a safetensors header.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Shape (may be empty for a scalar).</param>
/// <param name="Begin">data_offsets[0]: start relative to the data area.</param>
/// <param name="End">data_offsets[1]: end (exclusive) relative to the data area.</param>
public sealed record SafetensorsTensorInfo(string Name, DType DType, IReadOnlyList<long> Shape, long Begin, long End)
{
    /// <summary>Byte length.</summary>
    public long ByteLength => End - Begin;

    /// <summary>Element count (checked when the header was validated).</summary>
    public long Numel { get { long n = 1; foreach (var d in Shape) n *= d; return n; } }

    /// <summary>Value equality including the shape.</summary>
    public bool Equals(SafetensorsTensorInfo? other) =>
        other is not null && Name == other.Name && DType == other.DType && Begin == other.Begin && End == other.End &&
        Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, DType, Begin, End);
}
