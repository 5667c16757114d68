namespace Shira.Format;

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
