using Shira.Format.Codecs;
using Shira.Format.Container;

namespace Shira.Format.Tests.Container;

/// <summary>Small adapters and helpers shared by the container tests.</summary>
internal static class Samples
{
    public static AdapterMetadata Metadata => new()
    {
        Name = "sample",
        Description = "a small adapter for tests",
        BaseModel = "tiny-llama",
        BaseFingerprint =
        [
            new BaseTensorFingerprint("layers.0.q_proj.weight", [8, 16], DType.F32, 0x1234_5678_9ABC_DEF0),
            new BaseTensorFingerprint("layers.0.k_proj.weight", [8, 16], DType.BF16, null),
        ],
        Provenance = new Provenance { Tool = "shira", ToolVersion = "0.1.0", Source = "unit-test", SourceFormat = "shira-train" },
        Parameters = new Dictionary<string, string> { ["r"] = "4", ["alpha"] = "8" },
        Extra = new Dictionary<string, string> { ["note"] = "hello" },
    };

    /// <summary>A sorted random subset of [0, numel) of the given size.</summary>
    public static long[] RandomIndices(Random rng, long numel, int count)
    {
        var set = new HashSet<long>();
        if (count > numel / 2)
        {
            var all = new List<long>();
            for (long i = 0; i < numel; i++) all.Add(i);
            for (int i = all.Count - 1; i > 0; i--) { int j = rng.Next(i + 1); (all[i], all[j]) = (all[j], all[i]); }
            var pick = all.Take(count).ToArray();
            Array.Sort(pick);
            return pick;
        }
        while (set.Count < count) set.Add(rng.NextInt64(numel));
        var a = set.ToArray();
        Array.Sort(a);
        return a;
    }

    public static float[] RandomValues(Random rng, int count, float scale = 0.05f)
    {
        var v = new float[count];
        for (int i = 0; i < v.Length; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    public static byte[] Write(AdapterMetadata metadata, Action<ShiraWriter> add, ShiraWriterOptions? options = null)
    {
        var ms = new MemoryStream();
        using (var w = new ShiraWriter(ms, metadata, options))
        {
            add(w);
            w.Finish();
        }
        return ms.ToArray();
    }

    /// <summary>A small adapter exercising several encodings, value types, a shared mask and a structured mask.</summary>
    public static byte[] SmallAdapter(ShiraWriterOptions? options = null)
    {
        var rng = new Random(42);
        return Write(Metadata, w =>
        {
            var shared = RandomIndices(rng, 128, 12);
            w.AddTensor(new TensorSpec { Name = "a.weight", Shape = [8, 16] }, shared, RandomValues(rng, 12));
            w.AddTensor(new TensorSpec { Name = "b.weight", Shape = [8, 16], ValueDType = ValueDType.BF16 }, shared, RandomValues(rng, 12));
            var (rows, cols) = StructuredMask.EveryNth(8, 16, 4);
            var mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = rows, Columns = cols, Diagonal = true };
            long n = StructuredMask.Count(8, 16, rows, cols, true);
            var s = new long[n];
            StructuredMask.Generate(8, 16, rows, cols, true, s);
            w.AddTensor(new TensorSpec { Name = "c.weight", Shape = [8, 16], Mask = mask, ValueDType = ValueDType.F16 }, s, RandomValues(rng, (int)n));
            w.AddTensor(new TensorSpec { Name = "d.bias", Shape = [16], Semantics = Semantics.Replace, IndexEncoding = IndexEncoding.DeltaVarint },
                RandomIndices(rng, 16, 5), RandomValues(rng, 5));
        }, options);
    }
}
