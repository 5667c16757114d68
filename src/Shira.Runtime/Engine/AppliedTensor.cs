using Shira.Runtime.Kernels;

namespace Shira.Runtime;

/// <summary>The positions one applied adapter changed in one tensor and their original raw elements.</summary>
internal sealed class AppliedTensor(BaseTensor target, IndexSet indices, byte[] originals)
{
    public BaseTensor Target { get; } = target;
    public IndexSet Indices { get; } = indices;
    public byte[] Originals { get; } = originals;
    public int Count => Indices.Count;
}
