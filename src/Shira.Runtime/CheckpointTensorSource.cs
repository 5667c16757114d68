using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Runtime;

internal sealed class CheckpointTensorSource(SafetensorsCheckpoint checkpoint) : ITensorSource
{
    public string Name => checkpoint.Path;

    public bool TryGet(string name, out DType dtype, out IReadOnlyList<long> shape)
    {
        if (checkpoint.TryGetTensor(name, out _, out var info)) { dtype = info.DType; shape = info.Shape; return true; }
        dtype = default; shape = [];
        return false;
    }

    public ulong ContentHash(string name) => XxHash3.HashToUInt64(checkpoint.GetBytes(name));
}
