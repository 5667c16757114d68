using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime.Kernels;

namespace Shira.Runtime.Engine;

/// <summary>An adapter entry ready to be written: its target, its decoded and range-checked indices, and the
/// effective scale (entry scale × user scale, one f32 product).</summary>
internal sealed class PreparedEntry
{
    public required BaseTensor Target { get; init; }
    public required ShiraTensorInfo Info { get; init; }
    public required IndexSet Indices { get; init; }
    public required float Scale { get; init; }
    public bool Replace => Info.Semantics == Semantics.Replace;
    public ValueDType ValueDType => Info.ValueDType;

    /// <summary>Decodes every entry's indices (in parallel) and checks them against the base tensors. Nothing is
    /// written; a bad adapter throws here.</summary>
    public static PreparedEntry[] PrepareAll(ShiraReader reader, Func<string, BaseTensor> resolve, float userScale, int dop, bool pooled = false)
    {
        var infos = reader.Tensors;
        var result = new PreparedEntry[infos.Count];
        var opts = new ParallelOptions { MaxDegreeOfParallelism = Math.Max(1, dop) };
        // Largest first, handed out one at a time: a few big tensors would otherwise leave one core decoding alone
        // at the end while the other waits at the barrier before the first write.
        var order = Enumerable.Range(0, infos.Count).OrderByDescending(i => infos[i].Nnz).ToArray();
        RethrowFirst(() => Parallel.ForEach(Partitioner.Create(order, EnumerablePartitionerOptions.NoBuffering), opts, i =>
        {
            var info = infos[i];
            var target = resolve(info.Name);
            result[i] = Prepare(reader, info, target, userScale, pooled);
        }));
        return result;
    }

    // pooled: decode into buffers rented from the shared pools (the caller must Release them); otherwise owned
    // arrays, which an applied adapter keeps for revert.
    public static PreparedEntry Prepare(ShiraReader reader, ShiraTensorInfo info, BaseTensor target, float userScale, bool pooled = false)
    {
        string file = reader.FilePath;
        var (nnz, scale) = CheckTarget(reader, info, target, userScale);
        IndexSet set;
        if (target.Numel <= 1L << 32)
        {
            var idx = pooled ? ArrayPool<uint>.Shared.Rent(nnz) : GC.AllocateUninitializedArray<uint>(nnz);
            reader.ReadIndices(info, idx.AsSpan(0, nnz));
            // The decoder has checked strict order and range against the manifest's element count, which equals the
            // base's (BaseCompatibility); the last index is re-checked against the base tensor itself.
            if (nnz > 0 && idx[nnz - 1] >= target.Numel) ThrowRange(file, info.Name, idx[nnz - 1], target.Numel);
            set = new IndexSet(idx, nnz);
        }
        else
        {
            var idx = pooled ? ArrayPool<long>.Shared.Rent(nnz) : GC.AllocateUninitializedArray<long>(nnz);
            reader.ReadIndices(info, idx.AsSpan(0, nnz));
            if (nnz > 0 && (idx[0] < 0 || idx[nnz - 1] >= target.Numel)) ThrowRange(file, info.Name, idx[nnz - 1], target.Numel);
            set = new IndexSet(idx, nnz);
        }
        return new PreparedEntry { Target = target, Info = info, Indices = set, Scale = scale };
    }

    /// <summary>Checks what the engine needs beyond <see cref="BaseCompatibility"/> (which every caller runs first and
    /// which owns the target's existence, shape and dtype rules): nnz, value length and the effective scale. Returns
    /// the nnz and effective scale. Nothing is decoded or written.</summary>
    public static (int Nnz, float Scale) CheckTarget(ShiraReader reader, ShiraTensorInfo info, BaseTensor target, float userScale)
    {
        string file = reader.FilePath;
        // Not a second compatibility check: a guard so that an internal caller that skipped BaseCompatibility cannot
        // make the raw writes below reach memory the tensor does not own.
        if (info.Numel != target.Numel)
            throw new InvalidOperationException($"'{info.Name}' was not checked against the base before it was prepared");
        if (info.Nnz < 0 || info.Nnz > info.Numel)
            throw ShiraErrors.NnzExceedsNumel($"nnz {info.Nnz} exceeds the element count {info.Numel}", file, info.Name);
        if (info.Nnz > Array.MaxLength / 4)
            throw ShiraErrors.LimitExceeded($"nnz {info.Nnz} is more than the runtime handles per tensor", file, info.Name);
        int nnz = (int)info.Nnz;
        float scale = info.Semantics == Semantics.Replace ? 1f : info.Scale * userScale;
        if (!float.IsFinite(scale))
            throw new ArgumentOutOfRangeException(nameof(userScale), $"the effective scale {info.Scale} × {userScale} of tensor '{info.Name}' in {file} is not finite");
        if (reader.GetValueBytes(info).Length < (long)nnz * info.ValueDType.ByteSize())
            throw ShiraErrors.BadValues("the value section is shorter than nnz values", file, info.Name);
        return (nnz, scale);
    }

    /// <summary>Returns pooled index buffers (only for entries prepared with <c>pooled: true</c>).</summary>
    public void Release()
    {
        if (Indices.U32 is not null) ArrayPool<uint>.Shared.Return(Indices.U32);
        else if (Indices.I64 is not null) ArrayPool<long>.Shared.Return(Indices.I64);
    }

    private static void ThrowRange(string file, string tensor, long index, long numel) =>
        throw ShiraErrors.IndexOutOfRange($"index {index} is outside the base tensor ({numel} elements)", file, tensor);

    /// <summary>Parallel loops wrap exceptions; callers expect the <see cref="ShiraException"/> itself.</summary>
    public static void RethrowFirst(Action action)
    {
        try { action(); }
        catch (AggregateException e)
        {
            var inner = e.Flatten().InnerExceptions;
            foreach (var x in inner) if (x is ShiraException) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(x);
            System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(inner[0]);
        }
    }
}
