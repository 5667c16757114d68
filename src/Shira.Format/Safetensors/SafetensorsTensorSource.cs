namespace Shira.Format.Safetensors;

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

    /// <summary>A tensor of f32 values stored as <paramref name="type"/> (F16/BF16 rounded to nearest even, like
    /// PyTorch's <c>.to(dtype)</c>); converted in chunks while writing.</summary>
    public static SafetensorsTensorSource FromSingles(string name, ValueDType type, IReadOnlyList<long> shape, ReadOnlyMemory<float> values)
        => new(name, type.ToDType(), shape, s =>
        {
            const int Chunk = 1 << 16;
            int size = type.ByteSize();
            var buffer = new byte[Math.Min(Chunk, values.Length) * size];
            for (int done = 0; done < values.Length; done += Chunk)
            {
                int count = Math.Min(Chunk, values.Length - done);
                Numerics.FloatSpans.FromSingle(values.Span.Slice(done, count), type, buffer);
                s.Write(buffer, 0, count * size);
            }
        });
}
