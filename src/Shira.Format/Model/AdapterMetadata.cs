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

/// <summary>Who made a file and from what.</summary>
public sealed record Provenance
{
    /// <summary>Tool name, e.g. <c>shira</c>.</summary>
    public string Tool { get; init; } = "";
    /// <summary>Tool version.</summary>
    public string ToolVersion { get; init; } = "";
    /// <summary>Source checkpoint (path, repository, or description).</summary>
    public string Source { get; init; } = "";
    /// <summary>Source format, e.g. <c>peft-lora</c>, <c>peft-shira</c>, <c>dense-diff</c>, <c>shira-train</c>, <c>fuse</c>.</summary>
    public string SourceFormat { get; init; } = "";
}

/// <summary>Adapter-level metadata stored in the manifest.</summary>
public sealed record AdapterMetadata
{
    /// <summary>Adapter name.</summary>
    public string Name { get; init; } = "";
    /// <summary>Human description.</summary>
    public string Description { get; init; } = "";
    /// <summary>Base model identity (e.g. a hub id or path), free text.</summary>
    public string BaseModel { get; init; } = "";
    /// <summary>The base tensors the adapter expects (may be empty).</summary>
    public IReadOnlyList<BaseTensorFingerprint> BaseFingerprint { get; init; } = [];
    /// <summary>Provenance.</summary>
    public Provenance Provenance { get; init; } = new();
    /// <summary>Training/conversion parameters (r, alpha, lr, steps, …) as strings; stored sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Parameters { get; init; } = new Dictionary<string, string>();
    /// <summary>Free-form key/values; stored sorted by key.</summary>
    public IReadOnlyDictionary<string, string> Extra { get; init; } = new Dictionary<string, string>();
}
