using System.Globalization;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Runtime;

/// <summary>
/// Fuses several adapters into one <c>.shira</c>: per tensor the union of their supports, each value the f32 sum
/// Σ weight_k · scale_k · v_k (entry scale included, so the fused entries have scale 1). Reports how the inputs
/// interact: shared positions and the cosine of their deltas per pair, and each input's energy share on positions
/// another input also changes. Inputs must agree on every shared target's shape and base dtype and use add
/// semantics (<see cref="Shira.Format.ShiraErrorCode.FuseConflict"/> otherwise).
/// </summary>
public static class AdapterFusion
{
    private sealed class Input(ShiraReader reader, float weight)
    {
        public ShiraReader Reader { get; } = reader;
        public float Weight { get; } = weight;
        public long Positions;
        public double Energy;
        public double SharedEnergy;
    }

    /// <summary>Fuses and writes <paramref name="outputPath"/> atomically.</summary>
    public static FuseReport Fuse(IReadOnlyList<(string Path, float Weight)> adapters, string outputPath,
        FuseOptions? options = null, IProgress<RuntimeProgress>? progress = null)
    {
        options ??= new FuseOptions();
        ArgumentNullException.ThrowIfNull(adapters);
        ArgumentNullException.ThrowIfNull(outputPath);
        if (adapters.Count == 0) throw new ArgumentException("give at least one adapter to fuse", nameof(adapters));
        foreach (var (p, w) in adapters)
            if (!float.IsFinite(w)) throw new ArgumentOutOfRangeException(nameof(adapters), $"weight {w} for '{p}' is not finite");
        var inputs = new List<Input>(adapters.Count);
        try
        {
            foreach (var (p, w) in adapters) inputs.Add(new Input(ShiraReader.Open(p), w));
            int n = inputs.Count;
            var pairs = new (long Shared, double Dot, double NormA, double NormB)[n, n];
            var names = new SortedSet<string>(StringComparer.Ordinal);
            foreach (var i in inputs) foreach (var t in i.Reader.Tensors) names.Add(t.Name);
            var metadata = BuildMetadata(inputs, adapters, outputPath, options);
            long positions = 0, done = 0;
            int written = 0;
            ShiraWriter.WriteFile(outputPath, metadata, writer =>
            {
                foreach (var name in names)
                {
                    long p = FuseTensor(name, inputs, adapters, pairs, options, writer);
                    positions += p;
                    if (p > 0) written++;
                    progress?.Report(new RuntimeProgress("fuse", ++done, names.Count, name));
                }
            }, options.Writer);
            var report = new List<FusePair>();
            for (int a = 0; a < n; a++)
                for (int b = a + 1; b < n; b++)
                {
                    var (shared, dot, na, nb) = pairs[a, b];
                    double? cos = shared > 0 && na > 0 && nb > 0 ? dot / (Math.Sqrt(na) * Math.Sqrt(nb)) : null;
                    report.Add(new FusePair(a, b, shared, cos));
                }
            var ins = inputs.Select((x, k) => new FuseInput(adapters[k].Path, x.Weight, x.Positions, x.Energy,
                x.Energy > 0 ? x.SharedEnergy / x.Energy : 0)).ToArray();
            return new FuseReport(outputPath, ins, report, written, positions);
        }
        finally
        {
            foreach (var i in inputs) i.Reader.Dispose();
        }
    }

    private static long FuseTensor(string name, List<Input> inputs, IReadOnlyList<(string Path, float Weight)> adapters,
        (long Shared, double Dot, double NormA, double NormB)[,] pairs, FuseOptions options, ShiraWriter writer)
    {
        var members = new List<(int K, ShiraTensorInfo Info, long[] Idx, float[] Delta)>();
        ShiraTensorInfo? first = null;
        var baseDType = DType.F32;
        for (int k = 0; k < inputs.Count; k++)
        {
            if (!inputs[k].Reader.TryGetTensor(name, out var info)) continue;
            if (info.Semantics != Semantics.Add)
                throw ShiraErrors.FuseConflict("replace entries cannot be fused (only deltas add up)", adapters[k].Path, name);
            // Deltas add up whatever base dtype each input was made against (an Add entry is not bound to one), so
            // only the shape must agree; the fused entry records the common base dtype, or F32 when they differ.
            if (first is null) { first = info; baseDType = info.BaseDType; }
            else if (!BaseCompatibility.ShapeEquals(first.Shape, info.Shape))
                throw ShiraErrors.FuseConflict($"'{name}' is [{string.Join(", ", info.Shape)}] here but [{string.Join(", ", first.Shape)}] in an earlier input",
                    adapters[k].Path, name);
            else if (info.BaseDType != baseDType) baseDType = DType.F32;
            if (info.Nnz > Array.MaxLength / 8)
                throw ShiraErrors.LimitExceeded($"nnz {info.Nnz} is too large to fuse", adapters[k].Path, name);
            var idx = new long[info.Nnz];
            var vals = new float[info.Nnz];
            inputs[k].Reader.ReadIndices(info, idx);
            inputs[k].Reader.ReadValues(info, vals);
            // The input's own delta: entry scale × value, in f32.
            for (int j = 0; j < vals.Length; j++) vals[j] = info.Scale * vals[j];
            members.Add((k, info, idx, vals));
        }
        // Union of supports.
        long[] union = [];
        foreach (var m in members) union = MergeUnique(union, m.Idx);
        var sum = new float[union.Length];
        var coverage = new int[union.Length];
        var slots = new int[members.Count][];
        for (int m = 0; m < members.Count; m++)
        {
            var (k, _, idx, d) = members[m];
            var slot = slots[m] = new int[idx.Length];
            float w = inputs[k].Weight;
            int u = 0;
            for (int j = 0; j < idx.Length; j++)
            {
                while (union[u] != idx[j]) u++;
                slot[j] = u;
                sum[u] += w * d[j];
                coverage[u]++;
            }
            inputs[k].Positions += idx.Length;
        }
        for (int m = 0; m < members.Count; m++)
        {
            var (k, _, _, d) = members[m];
            double e = 0, shared = 0;
            for (int j = 0; j < d.Length; j++)
            {
                double x = (double)d[j] * d[j];
                e += x;
                if (coverage[slots[m][j]] > 1) shared += x;
            }
            inputs[k].Energy += e;
            inputs[k].SharedEnergy += shared;
        }
        for (int x = 0; x < members.Count; x++)
            for (int y = x + 1; y < members.Count; y++)
            {
                var (ka, _, ia, da) = members[x];
                var (kb, _, ib, db) = members[y];
                var acc = pairs[ka, kb];
                int i = 0, j = 0;
                while (i < ia.Length && j < ib.Length)
                {
                    if (ia[i] < ib[j]) i++;
                    else if (ia[i] > ib[j]) j++;
                    else
                    {
                        acc.Shared++;
                        acc.Dot += (double)da[i] * db[j];
                        acc.NormA += (double)da[i] * da[i];
                        acc.NormB += (double)db[j] * db[j];
                        i++; j++;
                    }
                }
                pairs[ka, kb] = acc;
            }
        // Positions where the sum is exactly zero once stored (cancelled, or underflowing the value type) change
        // nothing: they are not stored, and a tensor left with none is omitted.
        int kept = 0;
        for (int u = 0; u < union.Length; u++)
        {
            if (StoredValue(sum[u], options.ValueDType) == 0f) continue;
            union[kept] = union[u];
            sum[kept] = sum[u];
            kept++;
        }
        if (kept == 0) return 0;
        if (kept < union.Length)
        {
            Array.Resize(ref union, kept);
            Array.Resize(ref sum, kept);
        }
        var spec = new TensorSpec
        {
            Name = name,
            Shape = first!.Shape,
            BaseDType = baseDType,
            Semantics = Semantics.Add,
            Scale = 1f,
            ValueDType = options.ValueDType,
            Mask = new MaskInfo { Strategy = MaskStrategy.Custom, Description = "fuse" },
        };
        writer.AddTensor(spec, union, sum);
        return union.Length;
    }

    /// <summary>A value as the writer stores it in <paramref name="type"/> (round to nearest even), widened back.</summary>
    private static float StoredValue(float v, ValueDType type) => type switch
    {
        ValueDType.F16 => Format.Numerics.FloatBits.F16ToSingle(Format.Numerics.FloatBits.SingleToF16(v)),
        ValueDType.BF16 => Format.Numerics.FloatBits.BF16ToSingle(Format.Numerics.FloatBits.SingleToBF16(v)),
        _ => v,
    };

    private static long[] MergeUnique(long[] a, long[] b)
    {
        if (a.Length == 0) return b;
        var r = new long[a.Length + b.Length];
        int i = 0, j = 0, n = 0;
        while (i < a.Length && j < b.Length)
        {
            if (a[i] < b[j]) r[n++] = a[i++];
            else if (a[i] > b[j]) r[n++] = b[j++];
            else { r[n++] = a[i++]; j++; }
        }
        while (i < a.Length) r[n++] = a[i++];
        while (j < b.Length) r[n++] = b[j++];
        Array.Resize(ref r, n);
        return r;
    }

    private static AdapterMetadata BuildMetadata(List<Input> inputs, IReadOnlyList<(string Path, float Weight)> adapters,
        string outputPath, FuseOptions options)
    {
        var fingerprints = new SortedDictionary<string, BaseTensorFingerprint>(StringComparer.Ordinal);
        string baseModel = "";
        for (int k = 0; k < inputs.Count; k++)
        {
            var md = inputs[k].Reader.Metadata;
            if (baseModel.Length == 0) baseModel = md.BaseModel;
            foreach (var fp in md.BaseFingerprint)
            {
                if (fingerprints.TryGetValue(fp.Name, out var other) && !other.Equals(fp))
                    throw ShiraErrors.FuseConflict($"the inputs were made for different bases (fingerprints of '{fp.Name}' differ)", adapters[k].Path, fp.Name);
                fingerprints[fp.Name] = fp;
            }
        }
        var inv = CultureInfo.InvariantCulture;
        return new AdapterMetadata
        {
            Name = options.Name ?? Path.GetFileNameWithoutExtension(outputPath),
            Description = "fusion of " + string.Join(", ", inputs.Select(i => i.Reader.Metadata.Name)),
            BaseModel = baseModel,
            BaseFingerprint = [.. fingerprints.Values],
            Provenance = new Provenance
            {
                Tool = "shira",
                ToolVersion = typeof(AdapterFusion).Assembly.GetName().Version?.ToString() ?? "",
                Source = string.Join(";", adapters.Select(a => Path.GetFileName(a.Path))),
                SourceFormat = "fuse",
            },
            Parameters = new Dictionary<string, string>
            {
                ["fuse.inputs"] = inputs.Count.ToString(inv),
                ["fuse.weights"] = string.Join(",", adapters.Select(a => a.Weight.ToString("R", inv))),
            },
        };
    }
}
