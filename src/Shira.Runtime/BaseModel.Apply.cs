using System.Buffers;
using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime.Engine;
using Shira.Runtime.Journal;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

public sealed partial class BaseModel
{
    private ParallelOptions Parallelism => new() { MaxDegreeOfParallelism = Math.Max(1, _options.MaxDegreeOfParallelism) };

    /// <summary>Applies <paramref name="adapter"/> with <paramref name="scale"/> and pushes it on the stack. Every
    /// target is checked first (<see cref="BaseCompatibility"/>) and every index decoded and range-checked before
    /// the first write; the originals of the touched positions are kept for <see cref="Revert"/>. For an
    /// <see cref="Semantics.Add"/> entry each position becomes round(f32(W) + f32(s·v)) in the base dtype, where
    /// s = entry scale × <paramref name="scale"/>; a <see cref="Semantics.Replace"/> entry writes round(v) and
    /// ignores the scale. In-place: journaled, durable when this returns.</summary>
    public unsafe AppliedAdapter Apply(ShiraReader adapter, float scale = 1f)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(adapter);
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"scale {scale} is not finite");
        BaseCompatibility.CheckCore(adapter, new ModelTensorSource(this), _options.VerifyFingerprint);
        var entries = PreparedEntry.PrepareAll(adapter, GetTensor, scale, _options.MaxDegreeOfParallelism, pooled: true);
        // Indices and originals live until the adapter is reverted; pooled, so apply/revert cycles do not churn the GC.
        var originals = new byte[entries.Length][];
        for (int e = 0; e < entries.Length; e++)
            originals[e] = ArrayPool<byte>.Shared.Rent(entries[e].Indices.Count * entries[e].Target.DType.ByteSize());
        var items = WorkItem.Split(entries.Select(e => e.Indices.Count).ToArray());

        long seq = 0;
        ulong hash = 0;
        if (Mode == BaseOpenMode.InPlace)
        {
            // Originals first, made durable, and only then the first write to the base.
            RunItems(items, it =>
            {
                var e = entries[it.Entry];
                int es = e.Target.DType.ByteSize();
                TensorOps.Gather(e.Target.Data, es, e.Indices, it.Start, it.Count, originals[it.Entry].AsSpan(it.Start * es, it.Count * es));
            });
            seq = _journal.NextSequence();
            hash = HashAdapterFile(adapter);
            _journal.WriteRecord(BuildRecord(seq, 0, adapter.FilePath, adapter.Metadata.Name, hash, scale,
                entries.Select((e, i) => (e.Target, e.Indices, originals[i]))));
            CrashPoints.Hit("before-patch");
            RunItems(items, it =>
            {
                var e = entries[it.Entry];
                int es = e.Target.DType.ByteSize();
                TensorOps.ApplyFromOriginals(e.Target.Data, e.Target.DType, e.Indices, it.Start, it.Count, adapter.GetValueBytes(e.Info),
                    e.ValueDType, e.Scale, e.Replace, originals[it.Entry].AsSpan(it.Start * es, it.Count * es));
            }, crashPoint: "patch-half");
            FlushShards();
            CrashPoints.Hit("before-commit");
            _journal.MarkCommitted(seq);
            CrashPoints.Hit("committed");
        }
        else
        {
            RunItems(items, it =>
            {
                var e = entries[it.Entry];
                int es = e.Target.DType.ByteSize();
                TensorOps.Apply(e.Target.Data, e.Target.DType, e.Indices, it.Start, it.Count, adapter.GetValueBytes(e.Info),
                    e.ValueDType, e.Scale, e.Replace, originals[it.Entry].AsSpan(it.Start * es, it.Count * es));
            });
        }
        var tensors = new AppliedTensor[entries.Length];
        for (int e = 0; e < entries.Length; e++) tensors[e] = new AppliedTensor(entries[e].Target, entries[e].Indices, originals[e], pooled: true);
        var applied = new AppliedAdapter(adapter.FilePath, adapter.Metadata.Name, scale, tensors, seq, hash);
        _applied.Add(applied);
        return applied;
    }

    /// <summary>Pops the top adapter and restores its originals: the base is bit-identical to the state before it
    /// was applied. Throws <see cref="ShiraErrorCode.NotApplied"/> when the stack is empty.</summary>
    public unsafe AppliedAdapter Revert()
    {
        ThrowIfDisposed();
        if (_applied.Count == 0)
            throw ShiraErrors.NotApplied("no adapter is applied to this base", Path);
        var top = _applied[^1];
        if (Mode == BaseOpenMode.InPlace)
        {
            _journal.MarkReverting(top.Sequence);
            CrashPoints.Hit("reverting");
        }
        ScatterOriginals(top.Tensors);
        if (Mode == BaseOpenMode.InPlace)
        {
            FlushShards();
            CrashPoints.Hit("reverted");
            _journal.Remove(top.Sequence);
            _journal.DeleteIfEmpty();
        }
        _applied.RemoveAt(_applied.Count - 1);
        foreach (var t in top.Tensors) t.Release();
        return top;
    }

    private unsafe void ScatterOriginals(IReadOnlyList<AppliedTensor> tensors)
    {
        var items = WorkItem.Split(tensors.Select(t => t.Count).ToArray());
        RunItems(items, it =>
        {
            var t = tensors[it.Entry];
            int es = t.Target.DType.ByteSize();
            TensorOps.Scatter(t.Target.Data, es, t.Indices, it.Start, it.Count, t.Originals.AsSpan(it.Start * es, it.Count * es));
        });
    }

    /// <summary>What one slice of a switch does.</summary>
    private enum SwitchKind
    {
        /// <summary>Revert A's range [A0, A0+NA) of a tensor only the old adapter touches.</summary>
        RevertOnly,
        /// <summary>Apply B's range [B0, B0+NB) of a tensor only the new adapter touches.</summary>
        ApplyOnly,
        /// <summary>A window of a tensor both touch: A's [A0, A0+NA) and B's [B0, B0+NB) cover the same positions.</summary>
        Both,
    }

    /// <summary>A slice of a switch; <see cref="Index"/> is A's tensor for <see cref="SwitchKind.RevertOnly"/>, else B's entry.</summary>
    private readonly record struct SwitchItem(SwitchKind Kind, int Index, int A0, int NA, int B0, int NB);

    /// <summary>B positions per window of a shared tensor: small enough that the lines a window touches stay in L2
    /// between restoring A's originals and applying B.</summary>
    private const int SwitchWindow = 4096;

    /// <summary>Replaces the top adapter by <paramref name="to"/> in one pass over the union of both supports:
    /// positions only the old adapter touched get their originals back, positions of <paramref name="to"/> get
    /// original + delta (from the original, not the modified value). The result equals <see cref="Revert"/> then
    /// <see cref="Apply"/> bit for bit.</summary>
    public unsafe AppliedAdapter Switch(ShiraReader to, float scale = 1f)
    {
        ThrowIfDisposed();
        ArgumentNullException.ThrowIfNull(to);
        if (!float.IsFinite(scale)) throw new ArgumentOutOfRangeException(nameof(scale), $"scale {scale} is not finite");
        if (_applied.Count == 0)
            throw ShiraErrors.NotApplied("no adapter is applied to this base, so there is nothing to switch from", Path);
        var from = _applied[^1];
        BaseCompatibility.CheckCore(to, new ModelTensorSource(this), _options.VerifyFingerprint);
        var entries = PreparedEntry.PrepareAll(to, GetTensor, scale, _options.MaxDegreeOfParallelism, pooled: true);

        var aIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < from.Tensors.Count; i++) aIndex[from.Tensors[i].Target.Name] = i;
        var pairedA = new int[entries.Length]; // index into from.Tensors, or -1
        var aTaken = new bool[from.Tensors.Count];
        var originalsB = new byte[entries.Length][];
        var items = new List<SwitchItem>();
        for (int e = 0; e < entries.Length; e++)
        {
            originalsB[e] = ArrayPool<byte>.Shared.Rent(entries[e].Indices.Count * entries[e].Target.DType.ByteSize());
            pairedA[e] = aIndex.TryGetValue(entries[e].Target.Name, out int ai) ? ai : -1;
            if (pairedA[e] < 0)
            {
                for (int s = 0; s < entries[e].Indices.Count; s += WorkItem.Chunk)
                    items.Add(new SwitchItem(SwitchKind.ApplyOnly, e, 0, 0, s, Math.Min(WorkItem.Chunk, entries[e].Indices.Count - s)));
                continue;
            }
            aTaken[ai] = true;
            var ia = from.Tensors[ai].Indices;
            var ib = entries[e].Indices;
            int nbTotal = ib.Count;
            if (nbTotal == 0) { items.Add(new SwitchItem(SwitchKind.Both, e, 0, ia.Count, 0, 0)); continue; }
            // Windows partition the positions: window j holds B[b0..b1) and every A position in [B[b0], B[b1]).
            for (int b0 = 0; b0 < nbTotal; b0 += SwitchWindow)
            {
                int b1 = Math.Min(nbTotal, b0 + SwitchWindow);
                int a0 = b0 == 0 ? 0 : ia.LowerBound(ib[b0]);
                int a1 = b1 == nbTotal ? ia.Count : ia.LowerBound(ib[b1]);
                items.Add(new SwitchItem(SwitchKind.Both, e, a0, a1 - a0, b0, b1 - b0));
            }
        }
        for (int ai = 0; ai < from.Tensors.Count; ai++)
            if (!aTaken[ai])
                for (int s = 0; s < from.Tensors[ai].Count; s += WorkItem.Chunk)
                    items.Add(new SwitchItem(SwitchKind.RevertOnly, ai, s, Math.Min(WorkItem.Chunk, from.Tensors[ai].Count - s), 0, 0));
        var work = items.ToArray();
        bool inPlace = Mode == BaseOpenMode.InPlace;

        long seq = 0;
        ulong hash = 0;
        if (inPlace)
        {
            // B's originals (the values below A) are computed and journaled before anything is written.
            RunParallel(work.Length, i =>
            {
                var it = work[i];
                if (it.Kind == SwitchKind.RevertOnly) return;
                var e = entries[it.Index];
                int es = e.Target.DType.ByteSize();
                if (it.Kind == SwitchKind.ApplyOnly)
                    TensorOps.Gather(e.Target.Data, es, e.Indices, it.B0, it.NB, originalsB[it.Index].AsSpan(it.B0 * es, it.NB * es));
                else
                {
                    var a = from.Tensors[pairedA[it.Index]];
                    TensorOps.GatherBelow(e.Target.Data, es, a.Indices, it.A0, it.NA, a.Originals, e.Indices, it.B0, it.NB, originalsB[it.Index]);
                }
            });
            seq = _journal.NextSequence();
            hash = HashAdapterFile(to);
            WriteSwitchUndo(seq, from, entries, to, hash, scale);
            _journal.WriteRecord(BuildRecord(seq, from.Sequence, to.FilePath, to.Metadata.Name, hash, scale,
                entries.Select((e, i) => (e.Target, e.Indices, originalsB[i]))));
            CrashPoints.Hit("before-patch");
        }
        // One pass over the union: per window, A's originals go back, then B is applied to the same (cache-hot) lines.
        // Windows are disjoint position ranges, so the result is revert-then-apply, bit for bit.
        RunParallel(work.Length, i =>
        {
            var it = work[i];
            if (it.Kind != SwitchKind.ApplyOnly)
            {
                var a = from.Tensors[it.Kind == SwitchKind.RevertOnly ? it.Index : pairedA[it.Index]];
                int es = a.Target.DType.ByteSize();
                TensorOps.Scatter(a.Target.Data, es, a.Indices, it.A0, it.NA, a.Originals.AsSpan(it.A0 * es, it.NA * es));
                if (it.Kind == SwitchKind.RevertOnly) return;
            }
            var e = entries[it.Index];
            int esb = e.Target.DType.ByteSize();
            var ob = originalsB[it.Index].AsSpan(it.B0 * esb, it.NB * esb);
            if (inPlace)
                TensorOps.ApplyFromOriginals(e.Target.Data, e.Target.DType, e.Indices, it.B0, it.NB, to.GetValueBytes(e.Info),
                    e.ValueDType, e.Scale, e.Replace, ob);
            else
                TensorOps.Apply(e.Target.Data, e.Target.DType, e.Indices, it.B0, it.NB, to.GetValueBytes(e.Info),
                    e.ValueDType, e.Scale, e.Replace, ob);
        }, inPlace ? "patch-half" : null);
        if (inPlace)
        {
            FlushShards();
            CrashPoints.Hit("before-commit");
            _journal.MarkCommitted(seq);
            CrashPoints.Hit("committed");
            _journal.DeleteUndo(seq);
            _journal.Remove(from.Sequence);
        }
        var tensors = new AppliedTensor[entries.Length];
        for (int e = 0; e < entries.Length; e++) tensors[e] = new AppliedTensor(entries[e].Target, entries[e].Indices, originalsB[e], pooled: true);
        var applied = new AppliedAdapter(to.FilePath, to.Metadata.Name, scale, tensors, seq, hash);
        _applied[^1] = applied;
        foreach (var t in from.Tensors) t.Release();
        return applied;
    }

    /// <summary>Journals the bytes before a switch at every position of A and of B (the switch's undo file), so that
    /// an interrupted switch rolls back to "A applied" exactly. Written before the switch's record.</summary>
    private unsafe void WriteSwitchUndo(long seq, AppliedAdapter from, PreparedEntry[] entries, ShiraReader to, ulong hash, float scale)
    {
        var parts = new List<(BaseTensor Target, IndexSet Indices)>(from.Tensors.Count + entries.Length);
        foreach (var a in from.Tensors) parts.Add((a.Target, a.Indices));
        foreach (var e in entries) parts.Add((e.Target, e.Indices));
        var current = new byte[parts.Count][];
        try
        {
            for (int p = 0; p < parts.Count; p++)
                current[p] = ArrayPool<byte>.Shared.Rent(parts[p].Indices.Count * parts[p].Target.DType.ByteSize());
            RunItems(WorkItem.Split(parts.Select(p => p.Indices.Count).ToArray()), it =>
            {
                var (target, idx) = parts[it.Entry];
                int es = target.DType.ByteSize();
                TensorOps.Gather(target.Data, es, idx, it.Start, it.Count, current[it.Entry].AsSpan(it.Start * es, it.Count * es));
            });
            _journal.WriteUndo(BuildRecord(seq, from.Sequence, to.FilePath, to.Metadata.Name, hash, scale,
                parts.Select((p, i) => (p.Target, p.Indices, current[i]))));
        }
        finally
        {
            foreach (var c in current)
                if (c is not null) ArrayPool<byte>.Shared.Return(c);
        }
    }

    private void RunItems(WorkItem[] items, Action<WorkItem> body, string? crashPoint = null) =>
        RunParallel(items.Length, i => body(items[i]), crashPoint);

    private void RunParallel(int count, Action<int> body, string? crashPoint = null)
    {
        if (count == 0) return;
        int done = 0;
        PreparedEntry.RethrowFirst(() => Parallel.For(0, count, Parallelism, i =>
        {
            body(i);
            if (crashPoint is not null && CrashPoints.Armed && Interlocked.Increment(ref done) == (count + 1) / 2) CrashPoints.Hit(crashPoint);
        }));
    }

    private void FlushShards()
    {
        foreach (var s in _shards) s.Flush();
    }

    private JournalRecord BuildRecord(long seq, long supersedes, string source, string name, ulong hash, float scale,
        IEnumerable<(BaseTensor Target, IndexSet Indices, byte[] Originals)> tensors)
    {
        var shards = _shards.Select(s => new ShardIdentity(System.IO.Path.GetFileName(s.FilePath), s.Length, s.HeaderHash)).ToArray();
        var list = tensors.Select(t => new JournalTensor(t.Target.Shard, t.Target.Name, t.Target.DType, t.Target.FileOffset,
            t.Target.Numel, t.Indices, t.Originals)).ToArray();
        string full = source;
        try { if (File.Exists(source)) full = System.IO.Path.GetFullPath(source); } catch (ArgumentException) { }
        return new JournalRecord(seq, supersedes, full, name, hash, scale, shards, list);
    }

    /// <summary>The adapter's content hash, from its map (the same bytes <see cref="HashFile"/> reads from disk).</summary>
    internal static ulong HashAdapterFile(ShiraReader adapter) => adapter.HashContent();

    internal static ulong HashFile(string path)
    {
        if (!File.Exists(path)) return 0;
        try
        {
            using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
            var h = new XxHash3();
            h.Append(fs);
            return h.GetCurrentHashAsUInt64();
        }
        catch (IOException e) { throw ShiraErrors.IoError(path, e.Message, e); }
    }
}
