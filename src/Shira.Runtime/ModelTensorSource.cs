using System.IO.Hashing;
using Shira.Format;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

/// <summary>An open model; content hashes are taken of the base below every applied adapter (their originals are
/// put back in a scratch copy when they touch the tensor), so a stacked adapter still verifies.</summary>
internal sealed unsafe class ModelTensorSource(BaseModel model) : ITensorSource
{
    public string Name => model.Path;

    public bool TryGet(string name, out DType dtype, out IReadOnlyList<long> shape)
    {
        if (model.TryGetTensor(name, out var t)) { dtype = t.DType; shape = t.Shape; return true; }
        dtype = default; shape = [];
        return false;
    }

    public ulong ContentHash(string name)
    {
        var t = model.GetTensor(name);
        var touched = new List<AppliedTensor>();
        foreach (var a in model.Applied)
            foreach (var at in a.Tensors)
                if (ReferenceEquals(at.Target, t)) touched.Add(at);
        if (touched.Count == 0)
        {
            var h = new XxHash3();
            for (long done = 0; done < t.ByteLength;)
            {
                int n = (int)Math.Min(1 << 30, t.ByteLength - done);
                h.Append(new ReadOnlySpan<byte>(t.Data + done, n));
                done += n;
            }
            return h.GetCurrentHashAsUInt64();
        }
        if (t.ByteLength > Array.MaxLength)
            throw ShiraErrors.LimitExceeded("tensor too large to verify under applied adapters", model.Path, name);
        var copy = GC.AllocateUninitializedArray<byte>((int)t.ByteLength);
        t.Bytes.CopyTo(copy);
        int es = t.DType.ByteSize();
        fixed (byte* p = copy)
            for (int i = touched.Count - 1; i >= 0; i--)
                TensorOps.Scatter(p, es, touched[i].Indices, 0, touched[i].Count, touched[i].Originals);
        return XxHash3.HashToUInt64(copy);
    }
}
