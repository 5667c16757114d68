using System.Buffers.Binary;
using System.Diagnostics;
using System.Globalization;
using Shira.Convert;
using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Bench.Convert;

/// <summary>
/// <c>convert</c> suite. (1) LoRA → SHiRA conversion of LLaMA-7B-shaped modules (r = 32, budget r·(in+out)) through
/// <see cref="PeftConverter"/>, against a plain dense rebuild (B·A with a naive triple loop, then top-k by a full
/// sort), with the process's peak working set: the converter holds one module's delta at a time, so the peak does
/// not grow with the number of layers. (2) File size of a lossless import of a 32-layer LLaMA-7B-shaped PEFT SHiRA
/// adapter (r = 32, f32 values, PEFT's random mask: one index set per distinct element count) against PEFT's own
/// file and a LoRA with the same parameter count in f32, streamed module by module into a counting stream.
/// Arguments: <c>[--layers N]</c> (layers converted in part 1, default 2), <c>[--skip-baseline]</c>.
/// </summary>
internal static class ConvertSuite
{
    private const int Rank = 32;
    private static readonly (string Name, int Out, int In)[] Modules =
    [
        ("self_attn.q_proj", 4096, 4096), ("self_attn.k_proj", 4096, 4096), ("self_attn.v_proj", 4096, 4096), ("self_attn.o_proj", 4096, 4096),
        ("mlp.gate_proj", 11008, 4096), ("mlp.up_proj", 11008, 4096), ("mlp.down_proj", 4096, 11008),
    ];

    public static int Run(string[] args)
    {
        int layers = 2;
        bool baseline = true;
        for (int i = 0; i < args.Length; i++)
        {
            if (args[i] == "--layers" && i + 1 < args.Length && int.TryParse(args[++i], CultureInfo.InvariantCulture, out int l) && l > 0) layers = l;
            else if (args[i] == "--skip-baseline") baseline = false;
            else { Console.Error.WriteLine($"convert: unknown argument '{args[i]}' (expected --layers N, --skip-baseline)"); return 2; }
        }
        Console.WriteLine($"convert suite: .NET {Environment.Version}, {Environment.ProcessorCount} cores, single-threaded");
        Console.WriteLine();
        ConversionPart(layers, baseline);
        Console.WriteLine();
        SizePart();
        return 0;
    }

    private static void ConversionPart(int layers, bool baseline)
    {
        string dir = Path.Combine(Path.GetTempPath(), "shira-bench-convert-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(dir);
        try
        {
            string adapter = Path.Combine(dir, "lora");
            WriteLoraFolder(adapter, layers);
            long before = Process.GetCurrentProcess().PeakWorkingSet64;
            var sw = Stopwatch.StartNew();
            var report = PeftConverter.Convert(adapter, Path.Combine(dir, "out.shira"), new ConvertOptions { Mode = SparsifyMode.LoraBudget });
            sw.Stop();
            long peak = Process.GetCurrentProcess().PeakWorkingSet64;
            long largest = Modules.Max(m => (long)m.Out * m.In) * 4;
            long allDeltas = layers * Modules.Sum(m => (long)m.Out * m.In) * 4;
            Console.WriteLine($"LoRA → SHiRA, {layers} LLaMA-7B layer(s) × 7 modules, r = {Rank}, budget r·(in+out) per module, f32 values:");
            Console.WriteLine();
            Console.WriteLine("| what | value |");
            Console.WriteLine("|---|---:|");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| modules converted | {report.Tensors.Count} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| wall time | {sw.Elapsed.TotalSeconds:F2} s ({sw.Elapsed.TotalSeconds / report.Tensors.Count:F2} s/module) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| nnz kept | {report.TotalNnz:N0} ({(double)report.TotalNnz / report.TotalNumel:P2}) |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| relative Frobenius error / energy kept | {report.RelativeError:F3} / {report.EnergyKept:F3} |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| peak working set (process, before → after) | {before / 1048576.0:F0} → {peak / 1048576.0:F0} MiB |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| one module's f32 delta (largest) | {largest / 1048576.0:F0} MiB |"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| all {layers} layer(s)' deltas at once (what a whole-model rebuild holds) | {allDeltas / 1048576.0:F0} MiB; 32 layers: {32 * allDeltas / layers / 1073741824.0:F1} GiB |"));
            if (!baseline) return;

            Console.WriteLine();
            Console.WriteLine("Per module, converter (FMA-vectorised B·A + O(n) quickselect) vs plain dense rebuild (naive B·A + full sort):");
            Console.WriteLine();
            Console.WriteLine("| module | shape | converter s | plain s | speed-up | same kept set |");
            Console.WriteLine("|---|---|---:|---:|---:|---|");
            var rng = new Random(1);
            foreach (var (name, outF, inF) in new[] { Modules[0], Modules[4] })
            {
                var a = RandomFloats(rng, Rank * inF, 0.02f);
                var b = RandomFloats(rng, outF * Rank, 0.02f);
                long k = (long)Rank * (inF + outF);
                var t0 = Stopwatch.StartNew();
                var fast = ConverterModule(a, b, outF, inF, k);
                t0.Stop();
                var t1 = Stopwatch.StartNew();
                var plain = PlainModule(a, b, outF, inF, k);
                t1.Stop();
                bool same = fast.AsSpan().SequenceEqual(plain);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {name} | {outF}×{inF} | {t0.Elapsed.TotalSeconds:F2} | {t1.Elapsed.TotalSeconds:F2} | {t1.Elapsed.TotalSeconds / t0.Elapsed.TotalSeconds:F1}× | {(same ? "yes" : "no (ties/rounding)")} |"));
            }
        }
        finally
        {
            try { Directory.Delete(dir, true); } catch (IOException) { }
        }
    }

    // The converter's own kernels, on one module (no file I/O).
    private static long[] ConverterModule(float[] a, float[] b, int outF, int inF, long k)
    {
        var delta = Shira.Convert.Lora.LoraMath.Product(b, outF, Rank, a, inF, 2f);
        return DeltaSelection.TopK(delta, k, Format.ValueDType.F32).Indices;
    }

    private static long[] PlainModule(float[] a, float[] b, int outF, int inF, long k)
    {
        var delta = new float[(long)outF * inF];
        for (int p = 0; p < outF; p++)
            for (int q = 0; q < inF; q++)
            {
                float s = 0;
                for (int j = 0; j < Rank; j++) s = MathF.FusedMultiplyAdd(b[p * Rank + j], a[j * inF + q], s);
                delta[(long)p * inF + q] = s * 2f;
            }
        var mags = new float[delta.Length];
        var order = new int[delta.Length];
        for (int i = 0; i < delta.Length; i++) { mags[i] = -Math.Abs(delta[i]); order[i] = i; }
        Array.Sort(mags, order);
        var kept = new long[k];
        for (long i = 0; i < k; i++) kept[i] = order[i];
        Array.Sort(kept);
        return kept;
    }

    private static void SizePart()
    {
        const int layers = 32;
        var rng = new Random(42);
        var masks = new Dictionary<long, long[]>();
        var counter = new CountingStream();
        long nnzTotal = 0;
        var sw = Stopwatch.StartNew();
        var names = new List<(string Name, int Out, int In)>();
        for (int l = 0; l < layers; l++)
            foreach (var m in Modules) names.Add(($"model.layers.{l}.{m.Name}.weight", m.Out, m.In));
        names.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        using (var writer = new ShiraWriter(counter, new AdapterMetadata { Name = "llama7b-shira-r32" }))
        {
            foreach (var (name, outF, inF) in names)
            {
                long numel = (long)outF * inF;
                long nnz = (long)Rank * (outF + inF);
                // PEFT re-seeds the mask generator per layer: equal element counts draw the same positions.
                if (!masks.TryGetValue(numel, out var mask)) masks[numel] = mask = RandomMask(numel, nnz, 42);
                var values = RandomFloats(rng, (int)nnz, 0.05f);
                writer.AddTensor(new TensorSpec
                {
                    Name = name, Shape = [outF, inF], Semantics = Semantics.Add, ValueDType = Format.ValueDType.F32,
                    Mask = new MaskInfo { Strategy = MaskStrategy.Random, Seed = 42, Rank = Rank, Density = (double)nnz / numel },
                }, mask, values);
                nnzTotal += nnz;
            }
            writer.Finish();
        }
        sw.Stop();
        long shira = counter.Length;
        long loraBytes = nnzTotal * 4;            // A and B in f32: r·(in+out) parameters per module
        long peftBytes = nnzTotal * (4 + 8);      // f32 shira_weight + int32 [2, nnz] shira_indices
        Console.WriteLine($"Lossless SHiRA import, {layers} LLaMA-7B layers × 7 modules, r = {Rank}, f32 values ({nnzTotal:N0} parameters):");
        Console.WriteLine();
        Console.WriteLine("| file | bytes | × LoRA f32 |");
        Console.WriteLine("|---|---:|---:|");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| LoRA, same parameter count, f32 (tensor bytes) | {loraBytes:N0} | 1.000 |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| PEFT SHiRA adapter_model.safetensors (tensor bytes) | {peftBytes:N0} | {(double)peftBytes / loraBytes:F3} |"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| .shira (whole file: {masks.Count} shared index sets, manifest, padding) | {shira:N0} | {(double)shira / loraBytes:F4} |"));
        Console.WriteLine();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"streamed in {sw.Elapsed.TotalSeconds:F1} s, one module's values in memory at a time"));
    }

    private static void WriteLoraFolder(string dir, int layers)
    {
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "adapter_config.json"),
            $$"""{"peft_type":"LORA","r":{{Rank}},"lora_alpha":64,"target_modules":["q_proj","k_proj","v_proj","o_proj","gate_proj","up_proj","down_proj"]}""");
        var rng = new Random(7);
        var sources = new List<SafetensorsTensorSource>();
        for (int l = 0; l < layers; l++)
            foreach (var (name, outF, inF) in Modules)
            {
                string p = $"base_model.model.model.layers.{l}.{name}";
                sources.Add(SafetensorsTensorSource.FromBytes(p + ".lora_A.weight", DType.F32, [Rank, inF], Bytes(RandomFloats(rng, Rank * inF, 0.02f))));
                sources.Add(SafetensorsTensorSource.FromBytes(p + ".lora_B.weight", DType.F32, [outF, Rank], Bytes(RandomFloats(rng, outF * Rank, 0.02f))));
            }
        sources.Sort((x, y) => string.CompareOrdinal(x.Name, y.Name));
        SafetensorsWriter.WriteFile(Path.Combine(dir, "adapter_model.safetensors"), sources, new Dictionary<string, string> { ["format"] = "pt" });
    }

    private static float[] RandomFloats(Random rng, int n, float scale)
    {
        var v = new float[n];
        for (int i = 0; i < n; i++) v[i] = (float)(rng.NextDouble() * 2 - 1) * scale;
        return v;
    }

    private static byte[] Bytes(float[] v)
    {
        var b = new byte[v.Length * 4];
        for (int i = 0; i < v.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(b.AsSpan(4 * i), v[i]);
        return b;
    }

    private static long[] RandomMask(long numel, long nnz, int seed)
    {
        var rng = new Random(seed);
        var set = new HashSet<long>();
        while (set.Count < nnz) set.Add(rng.NextInt64(numel));
        var result = set.ToArray();
        Array.Sort(result);
        return result;
    }

    private sealed class CountingStream : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => _length;
        public override long Position { get => _length; set => throw new NotSupportedException(); }
        private long _length;
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => _length += count;
        public override void Write(ReadOnlySpan<byte> buffer) => _length += buffer.Length;
    }
}
