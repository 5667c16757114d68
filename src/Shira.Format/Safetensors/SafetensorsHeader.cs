namespace Shira.Format.Safetensors;

/// <summary>Limits for safetensors parsing.</summary>
public sealed record SafetensorsOptions
{
    /// <summary>Largest header accepted (the reference implementation's cap: 100,000,000 bytes).</summary>
    public long MaxHeaderBytes { get; init; } = 100_000_000;
}

/// <summary>
/// A validated safetensors header: every rule of the reference Rust reader holds (size cap, UTF-8 JSON object,
/// known dtypes, offsets sorted, contiguous, in bounds and covering the data area exactly, checked shape
/// arithmetic, byte length = numel × dtype size), plus unique names.
/// </summary>
public sealed partial class SafetensorsHeader
{
    /// <summary>Parses and validates. <paramref name="prefix"/> must hold at least the first 8 + N bytes of the file
    /// (N the declared header length; pass more, or the whole file, when unknown); <paramref name="fileLength"/> is the
    /// whole file's length. Errors name <paramref name="file"/>, the tensor and the byte offset.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> prefix, long fileLength, string file, SafetensorsOptions? options = null)
        => throw new NotImplementedException();

    /// <summary>Reads just the 8-byte length prefix and validates it against the file length and the cap.</summary>
    public static long ReadHeaderLength(ReadOnlySpan<byte> first8, long fileLength, string file, SafetensorsOptions? options = null)
        => throw new NotImplementedException();

    /// <summary>Absolute file offset where the data area starts (8 + header length).</summary>
    public long DataStart => throw new NotImplementedException();
    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata => throw new NotImplementedException();
    /// <summary>Tensors in data order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors => throw new NotImplementedException();
    /// <summary>Finds a tensor by name.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo tensor) => throw new NotImplementedException();
}
