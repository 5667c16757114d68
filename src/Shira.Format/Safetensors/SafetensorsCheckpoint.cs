namespace Shira.Format.Safetensors;

/// <summary>
/// A model checkpoint: one safetensors file, or a folder of shards with <c>model.safetensors.index.json</c>
/// (any <c>*.safetensors.index.json</c>), or a folder holding a single <c>*.safetensors</c>. Tensor names are
/// unique across shards.
/// </summary>
public sealed partial class SafetensorsCheckpoint : IDisposable
{
    /// <summary>Opens a file, an index JSON, or a folder.</summary>
    public static SafetensorsCheckpoint Open(string path, SafetensorsOptions? options = null) => throw new NotImplementedException();

    /// <summary>The path given to <see cref="Open"/>.</summary>
    public string Path => throw new NotImplementedException();
    /// <summary>The shard files, in index order (one for a single file).</summary>
    public IReadOnlyList<SafetensorsFile> Files => throw new NotImplementedException();
    /// <summary>All tensor names, ordinal-sorted.</summary>
    public IReadOnlyList<string> TensorNames => throw new NotImplementedException();
    /// <summary>Finds a tensor and the shard holding it.</summary>
    public bool TryGetTensor(string name, out SafetensorsFile file, out SafetensorsTensorInfo tensor) => throw new NotImplementedException();
    /// <summary>The tensor's bytes (throws when missing).</summary>
    public ReadOnlySpan<byte> GetBytes(string name) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
