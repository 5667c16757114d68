using System.Diagnostics;
using System.Globalization;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Numerics;
using Shira.Format.Safetensors;
using Shira.Runtime;

namespace Shira.Bench.Runtime;

/// <summary>
/// <c>runtime</c> suite (issue 4 "Performance"): one LLaMA-7B decoder block (q, k, v, o 4096x4096; gate, up
/// 11008x4096; down 4096x11008) in f32 and bf16, SHiRA adapters with r·(in+out) nonzeros per matrix at r = 32
/// (~1.2 %), f32 values, default (smallest) index encoding, and the same adapters again with RawU32 indices
/// ("runtime-optimised": ~4x larger files, near-free decode) with their file sizes. Times: apply straight from the
/// memory-mapped .shira (index decode, range checks, originals kept), revert, switch A→B; against a gcc -O3
/// -march=native OpenMP scatter loop over pre-decoded u32 indices and f32 values, and LoRA fusion at r = 32 in
/// TorchSharp (plain W += s·(B·A) and addmm_). The base is loaded in memory (BaseOpenMode.Memory), as an engine
/// holds its weights. Every side is warmed up first and reported the same way: the best of R repetitions by default
/// (on a shared machine other work only ever adds time), or the median with <c>--stat median</c>.
/// Arguments: <c>[--blocks N] [--reps R] [--dtypes f32,bf16] [--no-torch] [--stat min|median] [--dop N]</c>
/// (<c>--dop</c>: the runtime's degree of parallelism, default all cores; the C loop always uses all cores).
/// </summary>
internal static class RuntimeSuite
{
    private const int Rank = 32;
    private static readonly (string Name, int Out, int In)[] Modules =
    [
        ("self_attn.q_proj", 4096, 4096), ("self_attn.k_proj", 4096, 4096), ("self_attn.v_proj", 4096, 4096), ("self_attn.o_proj", 4096, 4096),
        ("mlp.gate_proj", 11008, 4096), ("mlp.up_proj", 11008, 4096), ("mlp.down_proj", 4096, 11008),
    ];

    private sealed record Row(string DType, double Decode, double Apply, double Revert, double Switch, double C, double? LoraPlain, double? LoraAddmm, string? TorchNote, long Nnz,
        Timings Raw, long FileBytes, long RawFileBytes);

    /// <summary>The same rows for the runtime-optimised pair of files (same positions and values, RawU32 indices).</summary>
    private sealed record Timings(double Decode, double Apply, double Revert, double Switch);

    public static int Run(string[] args)
    {
        int blocks = 1, reps = 5;
        _useMedian = false;
        bool torch = true;
        var dtypes = new List<DType> { DType.F32, DType.BF16 };
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--blocks" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int b) && b > 0) blocks = b;
            else if (args[i] == "--reps" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int r) && r > 0) reps = r;
            else if (args[i] == "--no-torch") torch = false;
            else if (args[i] == "--dop" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int d) && d > 0) _dop = d;
            else if (args[i] == "--stat" && i + 1 < args.Length && args[i + 1] is "min" or "median") _useMedian = args[++i] == "median";
            else if (args[i] == "--dtypes" && i + 1 < args.Length)
                dtypes = args[++i].Split(',').Select(s => s.Trim().ToLowerInvariant() == "bf16" ? DType.BF16 : DType.F32).ToList();
            else { Console.Error.WriteLine($"runtime: unknown argument '{args[i]}' (expected --blocks N, --reps R, --dtypes f32,bf16, --no-torch, --stat min|median, --dop N)"); return 2; }
        }
        var modules = Enumerable.Range(0, blocks).SelectMany(l => Modules.Select(m => ($"model.layers.{l}.{m.Name}.weight", m.Out, m.In))).ToArray();
        Console.WriteLine($"runtime suite: .NET {Environment.Version}, {Environment.ProcessorCount} cores, {blocks} block(s), {(_useMedian ? "median" : "best")} of {reps}");
        Console.WriteLine("load average before: " + LoadAverage());
        using var native = NativeScatter.TryCreate(out string nativeNote);
        Console.WriteLine("native loop: " + nativeNote);
        var rows = new List<Row>();
        foreach (var dtype in dtypes) rows.Add(RunDType(dtype, modules, reps, native, torch));
        Console.WriteLine("load average after: " + LoadAverage());
        Console.WriteLine();
        Console.WriteLine($"| {blocks} LLaMA-7B block(s), r = {Rank} | " + string.Join(" | ", rows.Select(r => r.DType + " ms")) + " |");
        Console.WriteLine("|---|" + string.Concat(rows.Select(_ => "---:|")));
        Line("nonzeros (all matrices)", rows, r => r.Nnz.ToString("N0", CultureInfo.InvariantCulture));
        Line("SHiRA apply from mmapped .shira", rows, r => Ms(r.Apply));
        Line("  of which: index decode alone (ReadIndices → u32, parallel)", rows, r => Ms(r.Decode));
        Line("SHiRA revert", rows, r => Ms(r.Revert));
        Line("SHiRA switch A→B", rows, r => Ms(r.Switch));
        Line("revert + apply", rows, r => Ms(r.Revert + r.Apply));
        Line("C scatter loop (gcc -O3 -march=native, OpenMP)", rows, r => Ms(r.C));
        Line("LoRA fusion, TorchSharp W.add_(B.matmul(A), s)", rows, r => r.LoraPlain is double d ? Ms(d) : "n/a");
        Line("LoRA fusion, TorchSharp W.addmm_(B, A, 1, s)", rows, r => r.LoraAddmm is double d ? Ms(d) : "n/a");
        Line("**apply / C loop** (target ≤ 1.2)", rows, r => Ratio(r.Apply / r.C));
        Line("**best LoRA fusion / apply** (target ≥ 5 f32, ≥ 2.5 bf16)", rows,
            r => r.LoraPlain is double p && r.LoraAddmm is double a ? Ratio(Math.Min(p, a) / r.Apply) : "n/a");
        Line("**switch / (revert + apply)** (target < 1)", rows, r => Ratio(r.Switch / (r.Revert + r.Apply)));
        Line("adapter file, default encoding (delta bit-packed), MB", rows, r => Mb(r.FileBytes));
        Line("adapter file, raw-u32 indices (runtime-optimised), MB", rows, r => Mb(r.RawFileBytes) + $" ({Ratio((double)r.RawFileBytes / r.FileBytes)})");
        Line("SHiRA apply (raw-u32 indices)", rows, r => Ms(r.Raw.Apply));
        Line("  of which: index decode alone (raw-u32: copy + validation)", rows, r => Ms(r.Raw.Decode));
        Line("SHiRA revert (raw-u32 file)", rows, r => Ms(r.Raw.Revert));
        Line("SHiRA switch A→B (raw-u32 files)", rows, r => Ms(r.Raw.Switch));
        Line("**apply (raw-u32) / C loop** (target ≤ 1.2)", rows, r => Ratio(r.Raw.Apply / r.C));
        Line("**best LoRA fusion / apply (raw-u32)** (target ≥ 5 f32, ≥ 2.5 bf16)", rows,
            r => r.LoraPlain is double p && r.LoraAddmm is double a ? Ratio(Math.Min(p, a) / r.Raw.Apply) : "n/a");
        Line("**switch / (revert + apply), raw-u32** (target < 1)", rows, r => Ratio(r.Raw.Switch / (r.Raw.Revert + r.Raw.Apply)));
        foreach (var r in rows) if (r.TorchNote is not null) Console.WriteLine($"\nTorchSharp ({r.DType}): {r.TorchNote}");
        return 0;
    }

    private static Row RunDType(DType dtype, (string Name, int Out, int In)[] modules, int reps, NativeScatter? native, bool torch)
    {
        string dir = Path.Combine(Path.GetTempPath(), "shira-bench-runtime-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        try
        {
            string basePath = Path.Combine(dir, "base.safetensors");
            WriteBase(basePath, modules, dtype);
            var (aIdx, aVal) = WriteAdapter(Path.Combine(dir, "a.shira"), modules, dtype, seed: 1);
            WriteAdapter(Path.Combine(dir, "b.shira"), modules, dtype, seed: 2);
            // Same positions and values, stored as plain little-endian u32 indices (4 bytes each): larger, cheaper to decode.
            WriteAdapter(Path.Combine(dir, "a-raw.shira"), modules, dtype, seed: 1, IndexEncoding.RawU32);
            WriteAdapter(Path.Combine(dir, "b-raw.shira"), modules, dtype, seed: 2, IndexEncoding.RawU32);
            long fileBytes = new FileInfo(Path.Combine(dir, "a.shira")).Length;
            long rawFileBytes = new FileInfo(Path.Combine(dir, "a-raw.shira")).Length;
            long nnz = aIdx.Sum(x => (long)x.Length);
            var apply = new List<double>();
            var revert = new List<double>();
            var sw = new List<double>();
            var rawApply = new List<double>();
            var rawRevert = new List<double>();
            var rawSw = new List<double>();
            using (var model = BaseModel.Open(basePath, BaseOpenMode.Memory, new BaseModelOptions { MaxDegreeOfParallelism = _dop }))
            using (var a = ShiraReader.Open(Path.Combine(dir, "a.shira")))
            using (var b = ShiraReader.Open(Path.Combine(dir, "b.shira")))
            using (var ar = ShiraReader.Open(Path.Combine(dir, "a-raw.shira")))
            using (var br = ShiraReader.Open(Path.Combine(dir, "b-raw.shira")))
            {
                // Warm-up until the hot loops run fully optimised code (tiered JIT), then measure.
                var warm = Stopwatch.StartNew();
                while (warm.Elapsed.TotalSeconds < 2) { model.Apply(a); model.Switch(b); model.Revert(); model.Apply(ar); model.Switch(br); model.Revert(); }
                // Decode alone, into buffers allocated once (as apply's pooled buffers are), so page faults of fresh
                // arrays are not counted.
                var decode = new List<double>();
                var bufs = a.Tensors.Select(t => new uint[t.Nnz]).ToArray();
                for (int r = 0; r < reps + 1; r++)
                {
                    double t = Time(() => Parallel.For(0, bufs.Length, i => a.ReadIndices(a.Tensors[i], bufs[i])));
                    if (r > 0) decode.Add(t);
                }
                var rawDecode = new List<double>();
                for (int r = 0; r < reps + 1; r++)
                {
                    double t = Time(() => Parallel.For(0, bufs.Length, i => ar.ReadIndices(ar.Tensors[i], bufs[i])));
                    if (r > 0) rawDecode.Add(t);
                }
                for (int r = 0; r < reps; r++)
                {
                    apply.Add(Time(() => model.Apply(a)));
                    revert.Add(Time(() => model.Revert()));
                    model.Apply(a);
                    sw.Add(Time(() => model.Switch(b)));
                    model.Revert();
                    // Interleaved with the default file so both see the same machine load.
                    rawApply.Add(Time(() => model.Apply(ar)));
                    rawRevert.Add(Time(() => model.Revert()));
                    model.Apply(ar);
                    rawSw.Add(Time(() => model.Switch(br)));
                    model.Revert();
                }
                var cTimes = new List<double>();
                if (native is not null)
                {
                    var targets = modules.Select(m => model.GetTensor(m.Name).Address).ToArray();
                    for (int r = 0; r < reps + 1; r++)
                    {
                        double t = Time(() =>
                        {
                            for (int m = 0; m < targets.Length; m++)
                                if (dtype == DType.F32) native.AddF32(targets[m], aIdx[m], aVal[m], 1f);
                                else native.AddBF16(targets[m], aIdx[m], aVal[m], 1f);
                        });
                        if (r > 0) cTimes.Add(t);
                    }
                }
                double? plain = null, addmm = null;
                string? note = torch ? null : "skipped (--no-torch)";
                if (torch)
                {
                    try
                    {
                        (plain, addmm) = LoraFusion.Measure(modules, Rank, dtype == DType.BF16, reps);
                    }
#pragma warning disable CA1031 // TorchSharp's native load can fail in many ways; the rest of the table still stands
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        note = "failed to run: " + (e.InnerException ?? e).Message.Split('\n')[0];
                    }
                }
                return new Row(dtype == DType.F32 ? "f32" : "bf16", Stat(decode), Stat(apply), Stat(revert), Stat(sw),
                    cTimes.Count > 0 ? Stat(cTimes) : double.NaN, plain, addmm, note, nnz,
                    new Timings(Stat(rawDecode), Stat(rawApply), Stat(rawRevert), Stat(rawSw)), fileBytes, rawFileBytes);
            }
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static void WriteBase(string path, (string Name, int Out, int In)[] modules, DType dtype)
    {
        var sources = modules.Select((m, k) => new SafetensorsTensorSource(m.Name, dtype, [m.Out, m.In], s =>
        {
            var rng = new Random(100 + k);
            var row = new float[m.In];
            var bytes = new byte[m.In * dtype.ByteSize()];
            for (int r = 0; r < m.Out; r++)
            {
                for (int c = 0; c < row.Length; c++) row[c] = (float)(rng.NextDouble() - 0.5) * 0.04f;
                FloatSpans.FromSingle(row, dtype == DType.F32 ? ValueDType.F32 : ValueDType.BF16, bytes);
                s.Write(bytes);
            }
        })).ToList();
        SafetensorsWriter.WriteFile(path, sources);
    }

    /// <summary>Random sorted positions with r·(in+out) nonzeros per matrix (gaps uniform around numel/nnz).</summary>
    private static (uint[][] Idx, float[][] Val) WriteAdapter(string path, (string Name, int Out, int In)[] modules, DType dtype, int seed, IndexEncoding encoding = IndexEncoding.Auto)
    {
        var rng = new Random(seed);
        var idx = new uint[modules.Length][];
        var val = new float[modules.Length][];
        var longs = new long[modules.Length][];
        for (int m = 0; m < modules.Length; m++)
        {
            long numel = (long)modules[m].Out * modules[m].In;
            int nnz = Rank * (modules[m].Out + modules[m].In);
            int maxGap = (int)(2 * 0.98 * numel / nnz) - 1;
            var l = new long[nnz];
            long pos = -1;
            for (int k = 0; k < nnz; k++) l[k] = pos += rng.Next(1, maxGap + 1);
            longs[m] = l;
            idx[m] = l.Select(x => (uint)x).ToArray();
            val[m] = Enumerable.Range(0, nnz).Select(_ => (float)(rng.NextDouble() - 0.5) * 0.01f).ToArray();
        }
        var order = Enumerable.Range(0, modules.Length).OrderBy(m => modules[m].Name, StringComparer.Ordinal).ToArray();
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "bench-" + seed }, w =>
        {
            foreach (int m in order)
                w.AddTensor(new TensorSpec { Name = modules[m].Name, Shape = [modules[m].Out, modules[m].In], BaseDType = dtype, IndexEncoding = encoding }, longs[m], val[m]);
        });
        return (idx, val);
    }

    private static double Time(Action action)
    {
        var sw = Stopwatch.StartNew();
        action();
        return sw.Elapsed.TotalMilliseconds;
    }

    private static bool _useMedian;
    private static int _dop = Environment.ProcessorCount;

    /// <summary>The statistic every row uses: best of the repetitions, or their median (<c>--stat median</c>).</summary>
    internal static double Stat(List<double> xs) => _useMedian ? Median(xs) : xs.Count == 0 ? double.NaN : xs.Min();

    internal static double Median(List<double> xs)
    {
        var s = xs.Order().ToArray();
        return s.Length == 0 ? double.NaN : s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string Ms(double v) => double.IsNaN(v) ? "n/a" : v.ToString("F1", CultureInfo.InvariantCulture);
    private static string Mb(long bytes) => (bytes / 1e6).ToString("F2", CultureInfo.InvariantCulture);
    private static string Ratio(double v) => double.IsNaN(v) || double.IsInfinity(v) ? "n/a" : v.ToString("F2", CultureInfo.InvariantCulture) + "x";

    private static void Line(string label, List<Row> rows, Func<Row, string> cell) =>
        Console.WriteLine($"| {label} | " + string.Join(" | ", rows.Select(cell)) + " |");

    private static string LoadAverage()
    {
        try { return File.ReadAllText("/proc/loadavg").Trim(); } catch (IOException) { return "n/a"; }
    }
}
