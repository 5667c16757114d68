using System.Diagnostics;
using System.Runtime.InteropServices;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Runtime.Engine;
using Shira.Runtime.Kernels;

namespace Shira.Runtime;

public static partial class AdapterMerge
{
    private static MergeReport ApplyToCopyCore(string basePath, IReadOnlyList<(string AdapterPath, float Scale)> adapters,
        string outputPath, IProgress<RuntimeProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(basePath);
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(outputPath);
        if (adapters.Count == 0) throw ShiraErrors.Create(ShiraErrorCode.Usage, "give at least one adapter to apply");
        foreach (var (p, s) in adapters)
            if (!float.IsFinite(s)) throw ShiraErrors.Create(ShiraErrorCode.Usage, $"scale {s} for '{p}' is not finite", p);
        var sw = Stopwatch.StartNew();
        using var checkpoint = SafetensorsCheckpoint.Open(basePath);
        var readers = new List<ShiraReader>(adapters.Count);
        try
        {
            foreach (var (p, _) in adapters)
            {
                var r = ShiraReader.Open(p);
                readers.Add(r);
                // Every adapter is checked against the base before the output is started.
                BaseCompatibility.Check(r, checkpoint);
            }
            var byTensor = new Dictionary<string, List<(int Adapter, ShiraTensorInfo Info)>>(StringComparer.Ordinal);
            for (int a = 0; a < readers.Count; a++)
                foreach (var t in readers[a].Tensors)
                {
                    if (!byTensor.TryGetValue(t.Name, out var list)) byTensor[t.Name] = list = [];
                    list.Add((a, t));
                }
            var counts = new (int Tensors, long Positions)[readers.Count];
            var sources = new List<SafetensorsTensorSource>();
            long total = checkpoint.Files.Sum(f => (long)f.Tensors.Count), done = 0;
            foreach (var file in checkpoint.Files)
                foreach (var t in file.Tensors)
                {
                    var f = file;
                    var info = t;
                    byTensor.TryGetValue(t.Name, out var entries);
                    sources.Add(new SafetensorsTensorSource(t.Name, t.DType, t.Shape, stream =>
                    {
                        if (entries is null) stream.Write(f.GetBytes(info));
                        else WriteAdapted(f, info, entries, readers, adapters, counts, stream);
                        progress?.Report(new RuntimeProgress("merge", Interlocked.Increment(ref done), total, info.Name));
                    }));
                }
            var metadata = checkpoint.Files.Count > 0 ? checkpoint.Files[0].Header.Metadata : null;
            SafetensorsWriter.WriteFile(outputPath, sources, metadata);
            var merged = new MergedAdapter[readers.Count];
            for (int a = 0; a < readers.Count; a++)
            {
                var dtypes = new List<DType>();
                foreach (var t in readers[a].Tensors)
                    if (checkpoint.TryGetTensor(t.Name, out _, out var bi)) dtypes.Add(bi.DType);
                merged[a] = new MergedAdapter(adapters[a].AdapterPath, adapters[a].Scale, counts[a].Tensors, counts[a].Positions,
                    BaseCompatibility.Distinct(dtypes));
            }
            return new MergeReport(basePath, outputPath, merged, sources.Count, byTensor.Count,
                new FileInfo(outputPath).Length, sw.Elapsed);
        }
        finally
        {
            foreach (var r in readers) r.Dispose();
        }
    }

    /// <summary>Copies one base tensor into a native buffer, applies every adapter entry for it in order (each rounds
    /// once into the base dtype), and streams the result.</summary>
    private static unsafe void WriteAdapted(SafetensorsFile file, SafetensorsTensorInfo info,
        List<(int Adapter, ShiraTensorInfo Info)> entries, List<ShiraReader> readers,
        IReadOnlyList<(string AdapterPath, float Scale)> adapters, (int Tensors, long Positions)[] counts, Stream stream)
    {
        var src = file.GetBytes(info);
        byte* buffer = (byte*)NativeMemory.AlignedAlloc((nuint)Math.Max(1, src.Length), 64);
        try
        {
            src.CopyTo(new Span<byte>(buffer, src.Length));
            var target = new BaseTensor(info.Name, info.DType, info.Shape, info.Numel, buffer, src.Length, 0, 0);
            foreach (var (a, entryInfo) in entries)
            {
                var reader = readers[a];
                var e = PreparedEntry.Prepare(reader, entryInfo, target, adapters[a].Scale, pooled: true);
                try
                {
                    var items = WorkItem.Split([e.Indices.Count]);
                    PreparedEntry.RethrowFirst(() => Parallel.For(0, items.Length, i =>
                    {
                        var it = items[i];
                        TensorOps.Apply(buffer, info.DType, e.Indices, it.Start, it.Count, reader.GetValueBytes(e.Info),
                            e.ValueDType, e.Scale, e.Replace, default);
                    }));
                }
                finally { e.Release(); }
                counts[a] = (counts[a].Tensors + 1, counts[a].Positions + e.Indices.Count);
            }
            stream.Write(new ReadOnlySpan<byte>(buffer, src.Length));
        }
        finally
        {
            NativeMemory.AlignedFree(buffer);
        }
    }
}
