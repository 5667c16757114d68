namespace Shira.Format.Container;

/// <summary>Options for <see cref="ShiraWriter"/>.</summary>
public sealed record ShiraWriterOptions
{
    /// <summary>Try LZ4 on each section and keep it only when it is smaller. Values stay uncompressed unless
    /// <see cref="CompressValues"/> is set, so they can be mapped zero-copy.</summary>
    public bool AllowLz4 { get; init; } = true;
    /// <summary>Also try LZ4 on value sections (off by default: compressed values cannot be used in place).</summary>
    public bool CompressValues { get; init; }
    /// <summary>Store identical index sets (same numel and positions) once and share them between tensors.</summary>
    public bool DeduplicateIndexSets { get; init; } = true;
}

/// <summary>
/// Streaming .shira writer: sections are written as tensors are added, the manifest and trailer at
/// <see cref="Finish"/>, so the output may be a pipe (no seeking). Tensors must be added in ascending ordinal
/// order of name so that the same adapter always serializes to the same bytes.
/// </summary>
public sealed partial class ShiraWriter : IDisposable
{
    /// <summary>Starts a container on <paramref name="output"/> (not closed by the writer).</summary>
    public ShiraWriter(Stream output, AdapterMetadata metadata, ShiraWriterOptions? options = null)
        => throw new NotImplementedException();

    /// <summary>Adds a tensor. <paramref name="indices"/> are flat row-major positions, strictly increasing,
    /// each below the tensor's element count; <paramref name="values"/> has one value per index.</summary>
    public void AddTensor(TensorSpec spec, ReadOnlySpan<long> indices, ReadOnlySpan<float> values)
        => throw new NotImplementedException();

    /// <summary>Adds a tensor whose values are given as raw little-endian elements of <paramref name="inputType"/>;
    /// stored losslessly when <paramref name="inputType"/> equals <see cref="TensorSpec.ValueType"/>.</summary>
    public void AddTensor(TensorSpec spec, ReadOnlySpan<long> indices, ReadOnlySpan<byte> values, ValueType inputType)
        => throw new NotImplementedException();

    /// <summary>Writes the manifest and trailer. No tensor may be added afterwards.</summary>
    public void Finish() => throw new NotImplementedException();

    /// <summary>Writes a whole file atomically: a sibling temporary file renamed into place on success, deleted on
    /// failure, so a reader never sees a half-written file and an existing file is kept until the new one is complete.</summary>
    public static void WriteFile(string path, AdapterMetadata metadata, Action<ShiraWriter> addTensors,
        ShiraWriterOptions? options = null) => throw new NotImplementedException();

    /// <inheritdoc />
    public void Dispose() => throw new NotImplementedException();
}
