using System.Diagnostics;
using System.Globalization;
using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;

namespace Shira.Bench.Container;

/// <summary>
/// The .shira container on a LLaMA-7B-like adapter: 32 tensors of [4096, 4096], a different uniformly random 1% mask
/// each, bf16 values. Measures write, open, full validation and reads, against a plain memory copy and an XXH3 pass
/// over the same bytes (best of N). Arguments: <c>[--tensors N]</c> (default 32), <c>[--reps N]</c> (default 7).
/// </summary>
internal static class ContainerSuite
{
    public static int Run(string[] args)
    {
        int tensors = 32, reps = 7;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--tensors" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int t) && t > 0) tensors = t;
            else if (args[i] == "--reps" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int r) && r > 0) reps = r;
            else { Console.Error.WriteLine($"container: unknown argument '{args[i]}' (expected --tensors N, --reps N)"); return 2; }
        }
        const long Rows = 4096, Cols = 4096, Numel = Rows * Cols;
        const double Density = 0.01;
        string dir = Path.Combine(Path.GetTempPath(), "shira-bench-container-" + Environment.ProcessId);
        Directory.CreateDirectory(dir);
        string path = Path.Combine(dir, "adapter.shira");
        try
        {
            var masks = new long[tensors][];
            var values = new float[tensors][];
            var rng = new Random(42);
            long totalNnz = 0;
            for (int t = 0; t < tensors; t++)
            {
                masks[t] = RandomMask(rng, Numel, Density);
                values[t] = new float[masks[t].Length];
                for (int i = 0; i < values[t].Length; i++) values[t][i] = (float)(rng.NextDouble() - 0.5) * 0.02f;
                totalNnz += masks[t].Length;
            }

            double write = Best(reps > 3 ? 3 : reps, () => ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "bench" }, w =>
            {
                for (int t = 0; t < tensors; t++)
                    w.AddTensor(new TensorSpec
                    {
                        Name = $"model.layers.{t:D2}.self_attn.q_proj.weight", Shape = [Rows, Cols], ValueDType = ValueDType.BF16,
                        Mask = new MaskInfo { Strategy = MaskStrategy.Random, Density = Density },
                    }, masks[t], values[t]);
            }));
            byte[] bytes = File.ReadAllBytes(path);
            byte[] copy = new byte[bytes.Length];

            double open = Best(reps, () => { using var r = ShiraReader.Open(path); });
            double validate = Best(reps, () =>
            {
                using var r = ShiraReader.Open(path);
                if (!r.Validate().IsValid) throw new InvalidOperationException("benchmark file does not validate");
            });
            double hash = Best(reps, () => XxHash3.HashToUInt64(bytes));
            double memcpy = Best(reps, () => bytes.AsSpan().CopyTo(copy));
            var idx = new uint[masks.Max(m => m.Length)];
            var vals = new float[idx.Length];
            double readIdx = Best(reps, () =>
            {
                using var r = ShiraReader.Open(path, new ShiraReaderOptions { VerifyChecksums = false });
                foreach (var t in r.Tensors) r.ReadIndices(t, idx.AsSpan(0, (int)t.Nnz));
            });
            double readVals = Best(reps, () =>
            {
                using var r = ShiraReader.Open(path, new ShiraReaderOptions { VerifyChecksums = false });
                foreach (var t in r.Tensors) r.ReadValues(t, vals.AsSpan(0, (int)t.Nnz));
            });

            var inv = CultureInfo.InvariantCulture;
            double mb = bytes.Length / 1e6;
            Console.WriteLine($"container suite: .NET {Environment.Version}, {Environment.ProcessorCount} cores; {tensors} × [4096, 4096], random 1% masks, bf16 values; best of {reps}");
            Console.WriteLine();
            Console.WriteLine("| what | ms | GB/s | × memcpy |");
            Console.WriteLine("|---|---:|---:|---:|");
            void Row(string what, double ms, bool rate = true) =>
                Console.WriteLine(string.Create(inv, $"| {what} | {ms:F2} | {(rate ? (mb / ms).ToString("F2", inv) : "")} | {ms / memcpy:F1} |"));
            Row("memcpy of the file's bytes", memcpy);
            Row("XXH3-64 of the file's bytes", hash);
            Row("ShiraReader.Open (map + trailer + manifest rules)", open, rate: false);
            Row("Open + Validate() (every rule, checksum, index, value)", validate);
            Row("ReadIndices (u32), all tensors", readIdx);
            Row("ReadValues (bf16 → f32), all tensors", readVals);
            Row("ShiraWriter.WriteFile (encode + checksums + rename)", write);
            Console.WriteLine();
            Console.WriteLine(string.Create(inv, $"file {bytes.Length:N0} bytes, {totalNnz:N0} nonzeros: {(double)bytes.Length / totalNnz:F3} bytes per nonzero (PEFT stores 12: int32 row + int32 col + f32 value)."));
            Console.WriteLine(string.Create(inv, $"validation throughput: {totalNnz / validate / 1e3:F0} M nonzeros/s; {validate / memcpy:F1}× the time of a plain copy of the same bytes."));
            return 0;
        }
        finally
        {
            try { Directory.Delete(dir, recursive: true); } catch (IOException) { }
        }
    }

    private static long[] RandomMask(Random rng, long numel, double density)
    {
        var list = new List<long>((int)(numel * density * 1.1));
        for (long i = 0; i < numel; i++) if (rng.NextDouble() < density) list.Add(i);
        return [.. list];
    }

    private static double Best(int reps, Action action)
    {
        action(); // warm-up: JIT, page cache
        double best = double.MaxValue;
        for (int i = 0; i < reps; i++)
        {
            var sw = Stopwatch.StartNew();
            action();
            best = Math.Min(best, sw.Elapsed.TotalMilliseconds);
        }
        return best;
    }
}
