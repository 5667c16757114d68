using System.Diagnostics;
using System.Globalization;
using Shira.Format;
using Shira.Format.Codecs;

namespace Shira.Bench.Codecs;

/// <summary>
/// Index codecs on LLaMA-7B shapes: bits per nonzero against the entropy bound of a random set of the same size
/// and against PEFT's own index storage (int32 row + int32 col = 64 bits per nonzero), with encode and decode
/// throughput (best of repeated runs, single thread). Arguments: <c>[--time-ms N]</c> (per measurement, default 300),
/// <c>[--quick]</c> (4096x4096 only).
/// </summary>
internal static class CodecsSuite
{
    private static readonly (string Name, long Rows, long Cols)[] Shapes = [("4096x4096", 4096, 4096), ("11008x4096", 11008, 4096)];
    private static readonly double[] Densities = [0.005, 0.01, 0.02];

    public static int Run(string[] args)
    {
        int timeMs = 300;
        bool quick = false;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--time-ms" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int t) && t > 0) timeMs = t;
            else if (args[i] == "--quick") quick = true;
            else { Console.Error.WriteLine($"codecs: unknown argument '{args[i]}' (expected --time-ms N, --quick)"); return 2; }
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"codecs suite: .NET {Environment.Version}, {Environment.ProcessorCount} cores, {timeMs} ms per measurement, single-threaded");
        Console.WriteLine();
        Console.WriteLine("| shape | mask | density | nnz | encoding | bits/nnz | × entropy | vs PEFT idx (64 bits) | encode M idx/s | validate M idx/s | decode M idx/s (i64) | decode M idx/s (u32) |");
        Console.WriteLine("|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|---:|");
        foreach (var (shapeName, rows, cols) in quick ? Shapes[..1] : Shapes)
        {
            long numel = rows * cols;
            foreach (double density in Densities)
            {
                long[] random = RandomMask(numel, density, seed: 42);
                Report(inv, shapeName, "random", density, random, numel, timeMs, structured: null);

                // SHiRA-Struct: every f-th row and column plus the diagonal, f chosen for ≈ the same density.
                long stride = (long)Math.Round(2 / density);
                var (r, c) = StructuredMask.EveryNth(rows, cols, stride);
                var mask = new long[StructuredMask.Count(rows, cols, r, c, true)];
                StructuredMask.Generate(rows, cols, r, c, true, mask);
                Report(inv, shapeName, $"struct f={stride}", density, mask, numel, timeMs, structured: (rows, cols, r, c));
            }
        }
        Console.WriteLine();
        Console.WriteLine("bits/nnz include every header, skip-table and padding byte. × entropy: bits/nnz over log2 C(numel, nnz)/nnz,");
        Console.WriteLine("the bound for a uniformly random set of that size. PEFT stores int32 row/col pairs (64 bits per nonzero, 96 with the f32 value).");
        Console.WriteLine("Structured stores no index bytes (rows/columns live in the manifest); its decode column is StructuredMask.Generate.");
        Console.WriteLine("validate = IndexCodec.Validate (all checks, no destination); decode columns include the same validation;");
        Console.WriteLine("memcpy (of the RawU32 bytes) is the no-validation reference for both.");
        return 0;
    }

    private static void Report(CultureInfo inv, string shape, string maskName, double density, long[] indices, long numel, int timeMs,
        (long Rows, long Cols, long[] R, long[] C)? structured)
    {
        double entropy = EntropyBitsPerIndex(numel, indices.Length);
        var chosen = IndexCodec.ChooseSmallest(indices, numel);
        var wide = new long[indices.Length];
        var narrow = new uint[indices.Length];
        foreach (var encoding in new[] { IndexEncoding.RawU32, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint })
        {
            byte[] bytes = IndexCodec.Encode(encoding, indices, numel);
            double bits = 8.0 * bytes.Length / indices.Length;
            double enc = Throughput(indices.Length, timeMs, () => IndexCodec.Encode(encoding, indices, numel));
            double val = Throughput(indices.Length, timeMs, () => IndexCodec.Validate(encoding, bytes, numel, indices.Length));
            double dec = Throughput(indices.Length, timeMs, () => IndexCodec.Decode(encoding, bytes, numel, wide));
            double dec32 = Throughput(indices.Length, timeMs, () => IndexCodec.Decode(encoding, bytes, numel, narrow));
            if (!wide.AsSpan().SequenceEqual(indices)) throw new InvalidOperationException($"{encoding} did not round-trip");
            string name = encoding == chosen ? $"**{encoding}** (auto)" : encoding.ToString();
            Console.WriteLine(string.Create(inv,
                $"| {shape} | {maskName} | {density:P1} | {indices.Length:N0} | {name} | {bits:F2} | {bits / entropy:F3} | {64 / bits:F1}× smaller | {enc:F0} | {val:F0} | {dec:F0} | {dec32:F0} |"));
        }
        // Reference: a plain copy of the RawU32 bytes, what a zero-validation reader would pay.
        byte[] raw = IndexCodec.Encode(IndexEncoding.RawU32, indices, numel);
        byte[] copy = new byte[raw.Length];
        double memcpy = Throughput(indices.Length, timeMs, () => raw.AsSpan().CopyTo(copy));
        Console.WriteLine(string.Create(inv,
            $"| {shape} | {maskName} | {density:P1} | {indices.Length:N0} | (memcpy of the RawU32 bytes) | – | – | – | – | {memcpy:F0} | {memcpy:F0} | – |"));
        if (structured is { } s)
        {
            double gen = Throughput(indices.Length, timeMs, () => StructuredMask.Generate(s.Rows, s.Cols, s.R, s.C, true, wide));
            if (!wide.AsSpan().SequenceEqual(indices)) throw new InvalidOperationException("Generate did not reproduce the mask");
            Console.WriteLine(string.Create(inv,
                $"| {shape} | {maskName} | {density:P1} | {indices.Length:N0} | Structured | 0 | 0 | ∞ | – | – | {gen:F0} | – |"));
        }
    }

    /// <summary>Millions of indices per second: the best of repeated runs within the time budget.</summary>
    private static double Throughput(int count, int timeMs, Action action)
    {
        // Warm up long enough for tiered compilation to reach the optimized code.
        var warm = Stopwatch.StartNew();
        for (int i = 0; i < 3 || warm.ElapsedMilliseconds < timeMs / 3; i++) action();
        var total = Stopwatch.StartNew();
        double best = double.MaxValue;
        int runs = 0;
        while (runs < 3 || total.ElapsedMilliseconds < timeMs)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
            runs++;
        }
        return count / best / 1e6;
    }

    /// <summary>Bernoulli(p) per position: a uniformly random mask, as PEFT's random SHiRA mask.</summary>
    private static long[] RandomMask(long numel, double p, int seed)
    {
        var rng = new Random(seed);
        var list = new List<long>((int)(numel * p * 1.1));
        for (long i = 0; i < numel; i++)
            if (rng.NextDouble() < p) list.Add(i);
        return [.. list];
    }

    private static double EntropyBitsPerIndex(long n, long k)
    {
        double bits = 0;
        for (long i = 0; i < k; i++) bits += Math.Log2((double)(n - i) / (k - i));
        return bits / k;
    }
}
