using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;

namespace Shira.Convert.Peft;

/// <summary>
/// .shira → a PEFT SHiRA folder (<c>adapter_config.json</c> + <c>adapter_model.safetensors</c> with int32
/// <c>shira_indices</c> [2, nnz], f32 <c>shira_weight</c>, keys under <c>base_model.model.</c>) that PEFT loads and
/// merges to the same weights. PEFT sizes every module as r·(in+out) with one r for the whole adapter, so tensors
/// with fewer entries are padded with explicit zeros (adding 0 leaves the weight unchanged). A non-unit scale is
/// folded into the values. Replace entries and non-2-D targets have no PEFT SHiRA form and are refused.
/// </summary>
public static class PeftShiraExporter
{
    /// <summary>The PEFT version whose config schema is written.</summary>
    public const string PeftSchemaVersion = "0.20.0";

    /// <summary>Exports <paramref name="shiraPath"/> into the folder <paramref name="outputDir"/> (created if needed).</summary>
    public static ConversionReport Export(string shiraPath, string outputDir)
    {
        using var reader = ShiraReader.Open(shiraPath);
        var tensors = reader.Tensors;
        if (tensors.Count == 0)
            throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported, "the adapter has no tensors", shiraPath);

        // Check everything and choose r before writing anything.
        long r = 1;
        foreach (var t in tensors)
        {
            if (t.Semantics != Semantics.Add)
                throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported,
                    $"'{t.Name}' replaces base values; PEFT SHiRA can only add deltas (a replacement is base-dependent: value − base)", shiraPath, t.Name);
            if (t.Shape.Count != 2 || !t.Name.EndsWith(".weight", StringComparison.Ordinal))
                throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported,
                    $"'{t.Name}' is not a 2-D '.weight' tensor; PEFT SHiRA adapts nn.Linear weights only", shiraPath, t.Name);
            if (t.Shape[0] > int.MaxValue || t.Shape[1] > int.MaxValue)
                throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported, $"'{t.Name}' is too large for int32 SHiRA indices", shiraPath, t.Name);
            long sum = t.Shape[0] + t.Shape[1];
            r = Math.Max(r, (t.Nnz + sum - 1) / sum);
        }
        var notes = new List<string>();
        foreach (var t in tensors)
        {
            long need = r * (t.Shape[0] + t.Shape[1]);
            if (need > t.Numel)
                throw ShiraErrors.Create(ShiraErrorCode.PeftUnsupported,
                    $"PEFT SHiRA needs r·(in+out) = {need} entries for '{t.Name}' (one r = {r} for all modules), more than its {t.Numel} elements", shiraPath, t.Name);
            if (need != t.Nnz) notes.Add($"{t.Name}: padded from {t.Nnz} to {need} entries with zeros (PEFT requires r·(in+out) with one r)");
            if (t.Scale != 1f) notes.Add($"{t.Name}: scale {t.Scale.ToString("R", CultureInfo.InvariantCulture)} folded into the values");
        }

        Directory.CreateDirectory(outputDir);
        var sources = new List<SafetensorsTensorSource>();
        var reports = new List<TensorReport>();
        var modules = new List<string>();
        foreach (var t in tensors)
        {
            string module = t.Name[..^".weight".Length];
            modules.Add(module);
            var (indexBytes, weightBytes, n) = Build(reader, t, r);
            long rows = t.Shape[0], cols = t.Shape[1];
            sources.Add(SafetensorsTensorSource.FromBytes("base_model.model." + module + ".shira_indices", DType.I32, [2, n], indexBytes));
            sources.Add(SafetensorsTensorSource.FromBytes("base_model.model." + module + ".shira_weight", DType.F32, [n], weightBytes));
            reports.Add(new TensorReport(t.Name, "shira", [rows, cols], n, t.Numel, Semantics.Add, (int)r, 1, 0, 1));
        }
        // PEFT's own files list tensors in name order; SafetensorsWriter keeps the given order.
        sources.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        string weightsPath = Path.Combine(outputDir, "adapter_model.safetensors");
        SafetensorsWriter.WriteFile(weightsPath, sources, new Dictionary<string, string> { ["format"] = "pt" });
        string configPath = Path.Combine(outputDir, "adapter_config.json");
        WriteAtomically(configPath, ConfigJson(reader.Metadata, tensors, (int)r, modules));
        return new ConversionReport(shiraPath, outputDir, "shira", reports, notes, Plans.SizeOf(weightsPath) + Plans.SizeOf(configPath));
    }

    private static (byte[] Indices, byte[] Weights, long Count) Build(ShiraReader reader, ShiraTensorInfo t, long r)
    {
        long rows = t.Shape[0], cols = t.Shape[1];
        long n = r * (rows + cols);
        var idx = new long[t.Nnz];
        var val = new float[t.Nnz];
        reader.ReadIndices(t, idx);
        reader.ReadValues(t, val);
        if (t.Scale != 1f)
            for (int i = 0; i < val.Length; i++) val[i] *= t.Scale;

        // Merge in padding positions (the lowest positions not in the set), keeping row-major order.
        var all = new long[n];
        var allVal = new float[n];
        long pad = n - t.Nnz, p = 0;
        int src = 0;
        for (long dst = 0; dst < n; dst++)
        {
            if (src < idx.Length && (idx[src] == p || pad == 0))
            {
                all[dst] = idx[src]; allVal[dst] = val[src]; p = idx[src] + 1; src++;
            }
            else
            {
                all[dst] = p; allVal[dst] = 0f; pad--; p++;
            }
        }

        var indexBytes = new byte[checked(8 * n)];
        var weightBytes = new byte[checked(4 * n)];
        for (long i = 0; i < n; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(indexBytes.AsSpan((int)(4 * i)), (int)(all[i] / cols));
            BinaryPrimitives.WriteInt32LittleEndian(indexBytes.AsSpan((int)(4 * (n + i))), (int)(all[i] % cols));
            BinaryPrimitives.WriteSingleLittleEndian(weightBytes.AsSpan((int)(4 * i)), allVal[i]);
        }
        return (indexBytes, weightBytes, n);
    }

    private static byte[] ConfigJson(AdapterMetadata meta, IReadOnlyList<ShiraTensorInfo> tensors, int r, List<string> modules)
    {
        meta.Parameters.TryGetValue("random_seed", out var seedText);
        ulong? seed = tensors.Select(t => t.Mask.Seed).FirstOrDefault(s => s is not null);
        if (seed is null && ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var ps)) seed = ps;
        meta.Parameters.TryGetValue("task_type", out var taskType);
        meta.Parameters.TryGetValue("peft_version", out var version);

        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms, new JsonWriterOptions { Indented = true }))
        {
            // Key set and order as PEFT 0.20.0's ShiraConfig.save_pretrained writes them (sorted keys).
            w.WriteStartObject();
            if (meta.BaseModel.Length > 0) w.WriteString("base_model_name_or_path", meta.BaseModel);
            else w.WriteNull("base_model_name_or_path");
            w.WriteBoolean("fan_in_fan_out", false);
            w.WriteBoolean("inference_mode", true);
            w.WriteBoolean("init_weights", true);
            // The saved indices are authoritative when PEFT loads the adapter; "random" only names how new masks are made.
            w.WriteString("mask_type", "random");
            w.WriteNull("modules_to_save");
            w.WriteString("peft_type", "SHIRA");
            w.WriteString("peft_version", string.IsNullOrEmpty(version) ? PeftSchemaVersion : version);
            w.WriteNumber("r", r);
            w.WriteNumber("random_seed", seed ?? 42UL);
            w.WriteNull("revision");
            w.WriteStartArray("target_modules");
            foreach (var m in modules) w.WriteStringValue(m);
            w.WriteEndArray();
            if (string.IsNullOrEmpty(taskType)) w.WriteNull("task_type");
            else w.WriteString("task_type", taskType);
            w.WriteEndObject();
        }
        ms.WriteByte((byte)'\n');
        return ms.ToArray();
    }

    private static void WriteAtomically(string path, byte[] bytes) => Shira.Format.IO.AtomicFile.Write(path, fs => fs.Write(bytes));
}
