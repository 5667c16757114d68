namespace Shira.Format.Container;

/// <summary>Options for <see cref="ShiraWriter"/>.</summary>
public sealed record ShiraWriterOptions
{
    /// <summary>Try LZ4 on each index section and keep it only when it saves at least 1/16 of the section and at
    /// least 64 bytes. Values stay uncompressed unless
    /// <see cref="CompressValues"/> is set, so they can be mapped zero-copy.</summary>
    public bool AllowLz4 { get; init; } = true;
    /// <summary>Also try LZ4 on value sections (off by default: compressed values cannot be used in place).</summary>
    public bool CompressValues { get; init; }
    /// <summary>Store identical index sets (same numel and positions) once and share them between tensors.</summary>
    public bool DeduplicateIndexSets { get; init; } = true;
}
