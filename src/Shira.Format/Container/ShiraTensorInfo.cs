namespace Shira.Format.Container;

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
    public required ValueDType ValueDType { get; init; }
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
    public required SectionCodec ValueSectionCodec { get; init; }
    /// <summary>Codec of the index section.</summary>
    public required SectionCodec IndexSectionCodec { get; init; }
    /// <summary>File offset of the index section, or null for a structured mask (no section).</summary>
    public long? IndexSectionOffset { get; init; }
    /// <summary>File offset of the value section.</summary>
    public long ValueSectionOffset { get; init; }
    /// <summary>Position of the entry in <see cref="ShiraReader.Tensors"/>.</summary>
    internal int Ordinal { get; init; }
}
