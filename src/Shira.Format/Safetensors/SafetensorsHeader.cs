using System.Collections.ObjectModel;

namespace Shira.Format.Safetensors;

/// <summary>
/// A validated safetensors header: every rule of the reference Rust reader holds (size cap, UTF-8 JSON object,
/// known dtypes, offsets sorted, contiguous, in bounds and covering the data area exactly, checked shape
/// arithmetic, byte length = numel × dtype size), plus unique names.
/// </summary>
public sealed partial class SafetensorsHeader
{
    /// <summary>Bytes of the little-endian u64 length prefix.</summary>
    public const int LengthPrefixBytes = 8;

    private static readonly IReadOnlyDictionary<string, string> NoMetadata =
        new ReadOnlyDictionary<string, string>(new Dictionary<string, string>(StringComparer.Ordinal));

    private readonly SafetensorsTensorInfo[] _tensors;
    private readonly Dictionary<string, SafetensorsTensorInfo> _byName;

    private SafetensorsHeader(long headerLength, long dataLength, IReadOnlyDictionary<string, string>? metadata,
        SafetensorsTensorInfo[] tensors, Dictionary<string, SafetensorsTensorInfo> byName)
    {
        HeaderLength = headerLength;
        DataLength = dataLength;
        Metadata = metadata ?? NoMetadata;
        _tensors = tensors;
        _byName = byName;
        Tensors = Array.AsReadOnly(tensors);
    }

    /// <summary>Absolute file offset where the data area starts (8 + header length).</summary>
    public long DataStart => LengthPrefixBytes + HeaderLength;

    /// <summary>N: the declared length of the JSON header in bytes (padding included).</summary>
    public long HeaderLength { get; }

    /// <summary>Length of the data area: the file length minus 8 + N, exactly covered by the tensors.</summary>
    public long DataLength { get; }

    /// <summary>The <c>__metadata__</c> map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors in data order (ascending offsets).</summary>
    public IReadOnlyList<SafetensorsTensorInfo> Tensors { get; }

    /// <summary>Finds a tensor by name.</summary>
    public bool TryGetTensor(string name, out SafetensorsTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_byName.TryGetValue(name, out var found))
        {
            tensor = found;
            return true;
        }
        tensor = null!;
        return false;
    }

    /// <summary>True when <paramref name="tensor"/> is (equal to) an entry of this header.</summary>
    internal bool Contains(SafetensorsTensorInfo tensor) =>
        _byName.TryGetValue(tensor.Name, out var own) && (ReferenceEquals(own, tensor) || own.Equals(tensor));
}
