namespace Shira.Format.Safetensors;

/// <summary>Writes a tensor's bytes to the output; must write exactly the declared byte length.</summary>
public delegate void TensorDataWriter(Stream destination);

/// <summary>A tensor to write: its header entry and a callback that streams its bytes.</summary>
/// <param name="Name">Tensor name.</param>
/// <param name="DType">Element type.</param>
/// <param name="Shape">Shape.</param>
/// <param name="WriteData">Streams exactly numel × dtype size bytes.</param>
public sealed record SafetensorsTensorSource(string Name, DType DType, IReadOnlyList<long> Shape, TensorDataWriter WriteData)
{
    /// <summary>A tensor whose bytes are already in memory.</summary>
    public static SafetensorsTensorSource FromBytes(string name, DType dtype, IReadOnlyList<long> shape, ReadOnlyMemory<byte> bytes)
        => new(name, dtype, shape, s => s.Write(bytes.Span));
}

/// <summary>
/// Writes safetensors files the official Python library loads: compact JSON header padded with spaces to a
/// multiple of 8, data in the given order, <c>__metadata__</c> first. Streaming (no seeking).
/// </summary>
public static partial class SafetensorsWriter
{
    /// <summary>Writes to a stream. Names must be unique; byte counts are checked.</summary>
    public static void Write(Stream output, IReadOnlyList<SafetensorsTensorSource> tensors,
        IReadOnlyDictionary<string, string>? metadata = null) => throw new NotImplementedException();

    /// <summary>Writes a file atomically (sibling temp file, fsync, rename; deleted on failure).</summary>
    public static void WriteFile(string path, IReadOnlyList<SafetensorsTensorSource> tensors,
        IReadOnlyDictionary<string, string>? metadata = null) => throw new NotImplementedException();
}
