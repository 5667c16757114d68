namespace Shira.Format.Container;

/// <summary>Limits and checks applied by <see cref="ShiraReader"/>.</summary>
public sealed record ShiraReaderOptions
{
    /// <summary>Largest manifest accepted, in bytes (default 64 MiB).</summary>
    public int MaxManifestBytes { get; init; } = 64 << 20;
    /// <summary>Protobuf recursion limit for the manifest (default 16).</summary>
    public int MaxRecursionDepth { get; init; } = 16;
    /// <summary>Largest number of tensor entries (default 1,000,000).</summary>
    public int MaxTensors { get; init; } = 1_000_000;
    /// <summary>Verify a section's checksum the first time its bytes are read (default true).</summary>
    public bool VerifyChecksums { get; init; } = true;
}

/// <summary>One adapted tensor as described by a validated manifest.</summary>
public sealed record ShiraTensorInfo
{
    /// <summary>Target tensor name.</summary>
    public required string Name { get; init; }
    /// <summary>Target shape.</summary>
    public required IReadOnlyList<long> Shape { get; init; }
    /// <summary>Element count of the target.</summary>
    public required long Numel { get; init; }
    /// <summary>Expected base dtype.</summary>
    public required DType BaseDType { get; init; }
    /// <summary>Add or replace.</summary>
    public required Semantics Semantics { get; init; }
    /// <summary>Scale for <see cref="Semantics.Add"/>.</summary>
    public required float Scale { get; init; }
    /// <summary>Number of stored (index, value) pairs.</summary>
    public required long Nnz { get; init; }
    /// <summary>How values are stored.</summary>
    public required ValueType ValueType { get; init; }
    /// <summary>The index set's encoding.</summary>
    public required IndexEncoding IndexEncoding { get; init; }
    /// <summary>The index set's id; tensors with equal ids share one mask.</summary>
    public required int IndexSetId { get; init; }
    /// <summary>Mask metadata.</summary>
    public required MaskInfo Mask { get; init; }
    /// <summary>Bytes the index set occupies in the file (0 for structured masks); shared sets count fully for each tensor.</summary>
    public required long IndexStoredBytes { get; init; }
    /// <summary>Bytes the values occupy in the file.</summary>
    public required long ValueStoredBytes { get; init; }
    /// <summary>Codec of the value section.</summary>
    public required SectionCodec ValueCodec { get; init; }
    /// <summary>Codec of the index section.</summary>
    public required SectionCodec IndexCodec { get; init; }
}

/// <summary>One problem found by <see cref="ShiraReader.Validate"/>.</summary>
public sealed record ValidationIssue(ShiraErrorCode Code, string Message, string? Tensor, long? Offset);

/// <summary>The result of a full validation.</summary>
public sealed record ValidationReport(string File, IReadOnlyList<ValidationIssue> Issues)
{
    /// <summary>True when no issue was found.</summary>
    public bool IsValid => Issues.Count == 0;
}

/// <summary>
/// Reads a .shira container over a memory map (or a caller's buffer). <see cref="Open(string, ShiraReaderOptions?)"/>
/// checks the layout and the manifest before anything else is touched; tensor data is decoded on demand.
/// Thread-safe for concurrent reads of different or equal tensors.
/// </summary>
public sealed partial class ShiraReader : IDisposable
{
    /// <summary>Maps and opens a file. Throws <see cref="ShiraException"/> on any structural error.</summary>
    public static ShiraReader Open(string path, ShiraReaderOptions? options = null) => throw new NotImplementedException();

    /// <summary>Opens a container held in memory (tests, fuzzing, pipes read to the end).</summary>
    public static ShiraReader Open(ReadOnlyMemory<byte> bytes, string name = "<memory>", ShiraReaderOptions? options = null)
        => throw new NotImplementedException();

    /// <summary>Validates a file fully (layout, manifest, every checksum, every index) without throwing for
    /// format errors; I/O errors are reported as <see cref="ShiraErrorCode.IoError"/>.</summary>
    public static ValidationReport ValidateFile(string path, ShiraReaderOptions? options = null) => throw new NotImplementedException();

    /// <summary>The path or name the reader was opened with.</summary>
    public string FilePath => throw new NotImplementedException();
    /// <summary>Format major version.</summary>
    public int FormatMajor => throw new NotImplementedException();
    /// <summary>Format minor version.</summary>
    public int FormatMinor => throw new NotImplementedException();
    /// <summary>Total file length in bytes.</summary>
    public long FileLength => throw new NotImplementedException();
    /// <summary>Adapter metadata.</summary>
    public AdapterMetadata Metadata => throw new NotImplementedException();
    /// <summary>Tensor entries, sorted by name.</summary>
    public IReadOnlyList<ShiraTensorInfo> Tensors => throw new NotImplementedException();

    /// <summary>Finds a tensor entry by name.</summary>
    public bool TryGetTensor(string name, out ShiraTensorInfo tensor) => throw new NotImplementedException();

    /// <summary>Decodes the tensor's indices into <paramref name="destination"/> (length ≥ Nnz), checking range and order.</summary>
    public void ReadIndices(ShiraTensorInfo tensor, Span<long> destination) => throw new NotImplementedException();

    /// <summary>Decodes indices as u32 (the fast path for tensors with fewer than 2^32 elements).</summary>
    public void ReadIndices(ShiraTensorInfo tensor, Span<uint> destination) => throw new NotImplementedException();

    /// <summary>The stored values as raw little-endian bytes of <see cref="ShiraTensorInfo.ValueType"/>: a zero-copy
    /// view of the map when uncompressed; decoded into a cached buffer otherwise. Valid while the reader lives.</summary>
    public ReadOnlySpan<byte> GetValueBytes(ShiraTensorInfo tensor) => throw new NotImplementedException();

    /// <summary>Reads the values widened to f32 into <paramref name="destination"/> (length ≥ Nnz).</summary>
    public void ReadValues(ShiraTensorInfo tensor, Span<float> destination) => throw new NotImplementedException();

    /// <summary>Checks every rule of the specification, including all checksums and indices.</summary>
    public ValidationReport Validate() => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
