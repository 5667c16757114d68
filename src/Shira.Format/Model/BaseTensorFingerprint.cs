namespace Shira.Format;

/// <summary>One base tensor an adapter expects: its identity, and optionally a hash of its content.</summary>
/// <param name="Name">Tensor name in the base checkpoint.</param>
/// <param name="Shape">Shape.</param>
/// <param name="DType">Dtype in the base checkpoint.</param>
/// <param name="ContentHash">XXH3-64 of the tensor's raw little-endian bytes, or null when not recorded.</param>
public sealed record BaseTensorFingerprint(string Name, IReadOnlyList<long> Shape, DType DType, ulong? ContentHash)
{
    /// <summary>Value equality including the shape.</summary>
    public bool Equals(BaseTensorFingerprint? other) =>
        other is not null && Name == other.Name && DType == other.DType && ContentHash == other.ContentHash &&
        Shape.SequenceEqual(other.Shape);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Name, DType, ContentHash, Shape.Count);
}
