using System.Runtime.InteropServices;
using Shira.Format;

namespace Shira.Runtime;

/// <summary>
/// One tensor of an open <see cref="BaseModel"/>: its header facts and its bytes in the mapping (or in memory),
/// usable directly by an inference engine. The memory stays valid until the model is disposed.
/// </summary>
public sealed unsafe class BaseTensor
{
    private readonly byte* _data;

    internal BaseTensor(string name, DType dtype, IReadOnlyList<long> shape, long numel, byte* data, long byteLength,
        int shard, long fileOffset)
    {
        Name = name;
        DType = dtype;
        Shape = shape;
        Numel = numel;
        _data = data;
        ByteLength = byteLength;
        Shard = shard;
        FileOffset = fileOffset;
    }

    /// <summary>Tensor name.</summary>
    public string Name { get; }
    /// <summary>Element type.</summary>
    public DType DType { get; }
    /// <summary>Shape.</summary>
    public IReadOnlyList<long> Shape { get; }
    /// <summary>Element count.</summary>
    public long Numel { get; }
    /// <summary>Length of the tensor's bytes.</summary>
    public long ByteLength { get; }
    /// <summary>Address of the first byte (for engines that take pointers).</summary>
    public nint Address => (nint)_data;

    /// <summary>The raw little-endian bytes; throws <see cref="InvalidOperationException"/> for tensors of 2 GiB or
    /// more (use <see cref="AsSpan{T}"/> or <see cref="Address"/>).</summary>
    public Span<byte> Bytes => ByteLength <= int.MaxValue
        ? new Span<byte>(_data, (int)ByteLength)
        : throw new InvalidOperationException($"tensor '{Name}' is {ByteLength} bytes; use AsSpan<T>() or Address");

    /// <summary>The elements as <typeparamref name="T"/> (e.g. <see cref="float"/> for F32, <see cref="ushort"/>
    /// for BF16/F16 bits); the element size must equal the dtype's.</summary>
    public Span<T> AsSpan<T>() where T : unmanaged
    {
        if (sizeof(T) != DType.ByteSize())
            throw new InvalidOperationException($"tensor '{Name}' is {DType}; {typeof(T).Name} has another size");
        return Numel <= int.MaxValue
            ? new Span<T>(_data, (int)Numel)
            : throw new InvalidOperationException($"tensor '{Name}' has {Numel} elements; use Address");
    }

    internal byte* Data => _data;
    /// <summary>Index of the shard file holding the tensor (0 for a single file).</summary>
    internal int Shard { get; }
    /// <summary>Absolute offset of the tensor's first byte in its shard file.</summary>
    internal long FileOffset { get; }

    internal ReadOnlySpan<byte> Slice(long start, int length) => new(_data + start, length);
}
