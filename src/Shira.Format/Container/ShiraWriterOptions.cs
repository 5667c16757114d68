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
    /// <summary>The index encoding of tensors whose <see cref="TensorSpec.IndexEncoding"/> is
    /// <see cref="Format.IndexEncoding.Auto"/>. <see cref="Format.IndexEncoding.Auto"/> (default) picks the smallest byte encoding.
    /// <see cref="Format.IndexEncoding.RawU32"/> writes "runtime-optimised" files: indices are used almost as stored and LZ4 is
    /// not tried on them; for a 1 % mask the file is about 1.6× larger and apply is faster (see the README's runtime
    /// benchmark). Tensors of more than 2^32 elements then get <see cref="Format.IndexEncoding.RawU64"/>; structured masks stay
    /// structured. <see cref="Format.IndexEncoding.Structured"/> is not allowed here.</summary>
    public Format.IndexEncoding IndexEncoding { get; init; } = Format.IndexEncoding.Auto;
}
