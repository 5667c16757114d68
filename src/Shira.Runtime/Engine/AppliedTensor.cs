using System.Buffers;
using Shira.Format;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

/// <summary>The positions one applied adapter changed in one tensor and their original raw elements. Buffers may be
/// rented from the shared pools (then longer than needed: only the first <see cref="Count"/> entries count) and are
/// returned by <see cref="Release"/> once the adapter is reverted or switched away.</summary>
internal sealed class AppliedTensor(BaseTensor target, IndexSet indices, byte[] originals, bool pooled = false)
{
    public BaseTensor Target { get; } = target;
    public IndexSet Indices { get; } = indices;
    public byte[] Originals { get; } = originals;
    public int Count => Indices.Count;
    public int OriginalLength => Indices.Count * Target.DType.ByteSize();
    private bool _pooled = pooled;

    public void Release()
    {
        if (!_pooled) return;
        _pooled = false;
        ArrayPool<byte>.Shared.Return(Originals);
        if (Indices.U32 is not null) ArrayPool<uint>.Shared.Return(Indices.U32);
        else if (Indices.I64 is not null) ArrayPool<long>.Shared.Return(Indices.I64);
    }
}
