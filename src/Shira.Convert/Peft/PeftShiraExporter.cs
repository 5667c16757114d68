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
/// folded into the values. A Replace entry that covers its whole tensor (a classifier head, a resized embedding)
/// goes out as a PEFT <c>modules_to_save</c> tensor, saved as <c>base_model.model.&lt;module&gt;.&lt;param&gt;</c> the
/// way PEFT's ModulesToSaveWrapper saves it (the <c>modules_to_save.&lt;adapter&gt;</c> part of the in-memory key is
/// dropped). Everything PEFT's SHiRA cannot load is refused before anything is written: partial replacements,
/// additive entries on targets that are not <c>nn.Linear</c> weights (biases, embeddings, GPT-2 <c>Conv1D</c>), and
/// adapters whose entry counts no single r can express.
/// </summary>
public static class PeftShiraExporter
{
    /// <summary>The PEFT version whose config schema is written (the key set); <c>peft_version</c> itself is written
    /// only when the source recorded one.</summary>
    public const string PeftSchemaVersion = "0.20.0";

    // Module names that are embeddings (nn.Embedding), never nn.Linear, in the common transformers families.
    private static readonly HashSet<string> EmbeddingModules = new(StringComparer.Ordinal)
    {
        "embed_tokens", "wte", "wpe", "word_embeddings", "position_embeddings", "token_type_embeddings",
        "embed_positions", "shared", "embed_in", "tok_embeddings", "embeddings",
    };

    /// <summary>Exports <paramref name="shiraPath"/> into the folder <paramref name="outputDir"/> (created if needed).</summary>
    public static ConversionReport Export(string shiraPath, string outputDir)
    {
        using var reader = ShiraReader.Open(shiraPath);
        var tensors = reader.Tensors;
        if (tensors.Count == 0)
            throw ShiraErrors.PeftUnsupported("the adapter has no tensors", shiraPath);

        // Check everything and choose r before writing anything.
        var shira = new List<ShiraTensorInfo>();
        var replacements = new List<ShiraTensorInfo>();
        bool fanInFanOut = reader.Metadata.Parameters.TryGetValue("fan_in_fan_out", out var fifo) && fifo == "true";
        foreach (var t in tensors)
        {
            if (t.Semantics == Semantics.Replace)
            {
                if (t.Nnz != t.Numel)
                    throw Refuse(shiraPath, t.Name,
                        $"'{t.Name}' replaces {t.Nnz} of its {t.Numel} values; PEFT can only replace whole modules (modules_to_save) and " +
                        "SHiRA only adds, so this adapter has no PEFT form. Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
                replacements.Add(t);
                continue;
            }
            string module = ModuleOf(t.Name);
            string last = module[(module.LastIndexOf('.') + 1)..];
            if (t.Shape.Count != 2 || !t.Name.EndsWith(".weight", StringComparison.Ordinal))
                throw Refuse(shiraPath, t.Name,
                    $"'{t.Name}' is not a 2-D '.weight' tensor; PEFT SHiRA adapts nn.Linear weights only. Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
            if (EmbeddingModules.Contains(last))
                throw Refuse(shiraPath, t.Name,
                    $"'{t.Name}' belongs to an embedding ('{last}'); PEFT SHiRA adapts nn.Linear only. Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
            if (IsConv1D(t, last, module, fanInFanOut, reader.Metadata.BaseModel))
                throw Refuse(shiraPath, t.Name,
                    $"'{t.Name}' is a GPT-2 style Conv1D weight (stored [in, out]); PEFT SHiRA adapts nn.Linear only and refuses Conv1D. Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
            if (t.Shape[0] > int.MaxValue || t.Shape[1] > int.MaxValue)
                throw Refuse(shiraPath, t.Name, $"'{t.Name}' is too large for int32 SHiRA indices");
            shira.Add(t);
        }
        if (shira.Count == 0)
            throw Refuse(shiraPath, replacements[0].Name,
                "the adapter holds only full replacements and no SHiRA delta; a PEFT SHiRA adapter needs at least one target module. " +
                "Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
        var replacedModules = new HashSet<string>(replacements.Select(t => ModuleOf(t.Name)), StringComparer.Ordinal);
        foreach (var t in shira)
            if (replacedModules.Contains(ModuleOf(t.Name)))
                throw Refuse(shiraPath, t.Name,
                    $"module '{ModuleOf(t.Name)}' has both a SHiRA delta ('{t.Name}') and a full replacement; PEFT cannot adapt a module it also saves whole. Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");

        long r = 0;
        foreach (var t in shira)
        {
            long sum = t.Shape[0] + t.Shape[1];
            r = Math.Max(r, Math.Max(1, (t.Nnz + sum - 1) / sum));
        }
        var notes = new List<string>();
        foreach (var t in shira)
        {
            long need = r * (t.Shape[0] + t.Shape[1]);
            if (need > t.Numel)
                throw Refuse(shiraPath, t.Name,
                    $"PEFT SHiRA stores r·(in+out) entries per module with one r for the whole adapter; '{t.Name}' would need r = {r}, " +
                    $"i.e. {need} entries, more than its {t.Numel} elements, so no PEFT SHiRA r can express this adapter. " +
                    "Merge it instead: `shira apply BASE ADAPTER -o MERGED.safetensors`");
            if (need != t.Nnz) notes.Add($"{t.Name}: padded from {t.Nnz} to {need} entries with zeros (PEFT requires r·(in+out) with one r)");
            if (t.Scale != 1f) notes.Add($"{t.Name}: scale {t.Scale.ToString("R", CultureInfo.InvariantCulture)} folded into the values");
        }
        foreach (var t in replacements) notes.Add($"{t.Name}: a full replacement, exported as modules_to_save of '{ModuleOf(t.Name)}'");

        Directory.CreateDirectory(outputDir);
        var sources = new List<SafetensorsTensorSource>();
        var reports = new List<TensorReport>();
        var modules = new List<string>();
        foreach (var t in shira)
        {
            string module = ModuleOf(t.Name);
            modules.Add(module);
            var (indexBytes, weightBytes, n) = Build(reader, t, r);
            long rows = t.Shape[0], cols = t.Shape[1];
            sources.Add(SafetensorsTensorSource.FromBytes(PeftKey.Prefix + module + ".shira_indices", DType.I32, [2, n], indexBytes));
            sources.Add(SafetensorsTensorSource.FromBytes(PeftKey.Prefix + module + ".shira_weight", DType.F32, [n], weightBytes));
            reports.Add(new TensorReport(t.Name, "shira", [rows, cols], n, t.Numel, Semantics.Add, (int)r, 1, 0, 1));
        }
        foreach (var t in replacements)
        {
            // Indices are every position in order (nnz = numel), so the values are the tensor row-major.
            sources.Add(SafetensorsTensorSource.FromBytes(PeftKey.Prefix + t.Name, t.ValueDType.ToDType(), t.Shape, reader.GetValueBytes(t).ToArray()));
            reports.Add(new TensorReport(t.Name, "modules_to_save", t.Shape, t.Nnz, t.Numel, Semantics.Replace, 0, 1, 0, 1));
        }
        // PEFT's own files list tensors in name order; SafetensorsWriter keeps the given order.
        sources.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        string weightsPath = Path.Combine(outputDir, "adapter_model.safetensors");
        SafetensorsWriter.WriteFile(weightsPath, sources, new Dictionary<string, string> { ["format"] = "pt" });
        string configPath = Path.Combine(outputDir, "adapter_config.json");
        var modulesToSave = replacedModules.Order(StringComparer.Ordinal).ToList();
        WriteAtomically(configPath, ConfigJson(reader.Metadata, shira, (int)Math.Max(r, 1), modules, modulesToSave));
        return new ConversionReport(shiraPath, outputDir, "shira", reports, notes, Plans.SizeOf(weightsPath) + Plans.SizeOf(configPath));
    }

    private static string ModuleOf(string tensor)
    {
        int dot = tensor.LastIndexOf('.');
        return dot < 0 ? tensor : tensor[..dot];
    }

    /// <summary>
    /// GPT-2's Conv1D stores its weight as [in, out]; PEFT's SHiRA refuses it ("only torch.nn.Linear supported").
    /// A .shira file does not record the module class, so it is recognised by what the file does say: the adapter was
    /// converted from a LoRA with <c>fan_in_fan_out</c>; or the module has a GPT-2 Conv1D name (<c>c_attn</c>,
    /// <c>q_attn</c>, <c>c_fc</c>, <c>c_proj</c>) and either the base model is a GPT-2 family model or the shape is the
    /// transposed one (<c>c_attn</c>/<c>q_attn</c>/<c>c_fc</c> project up, so as Conv1D they are wider than tall;
    /// <c>mlp.c_proj</c> projects down, so as Conv1D it is taller than wide). Linear modules of the same names
    /// (GPTBigCode, Qwen) are stored [out, in] and pass.
    /// </summary>
    private static bool IsConv1D(ShiraTensorInfo t, string last, string module, bool fanInFanOut, string baseModel)
    {
        if (fanInFanOut) return true;
        if (last is not ("c_attn" or "q_attn" or "c_fc" or "c_proj")) return false;
        string b = baseModel.ToLowerInvariant();
        if (b.Contains("gpt2", StringComparison.Ordinal) || b.Contains("openai-gpt", StringComparison.Ordinal) ||
            b.Contains("imagegpt", StringComparison.Ordinal))
            return true;
        long rows = t.Shape[0], cols = t.Shape[1];
        return last switch
        {
            "c_attn" or "q_attn" or "c_fc" => cols > rows,
            _ => module.EndsWith(".mlp.c_proj", StringComparison.Ordinal) && rows > cols,
        };
    }

    private static ShiraException Refuse(string file, string tensor, string message) =>
        ShiraErrors.PeftUnsupported(message, file, tensor);

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

    private static byte[] ConfigJson(AdapterMetadata meta, IReadOnlyList<ShiraTensorInfo> tensors, int r, List<string> modules,
        List<string> modulesToSave)
    {
        // Only what the adapter recorded: a seed, a mask type and a PEFT version are never made up.
        ulong? seed = tensors.Select(t => t.Mask.Seed).FirstOrDefault(s => s is not null);
        if (seed is null && meta.Parameters.TryGetValue("random_seed", out var seedText) &&
            ulong.TryParse(seedText, NumberStyles.None, CultureInfo.InvariantCulture, out var ps))
            seed = ps;
        meta.Parameters.TryGetValue("task_type", out var taskType);
        meta.Parameters.TryGetValue("peft_version", out var version);
        string? maskType = MaskType(meta, tensors);

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
            // The saved indices are authoritative when PEFT loads the adapter; mask_type only names how they were made
            // (PEFT warns about a type other than "random" but loads the indices all the same).
            if (maskType is not null) w.WriteString("mask_type", maskType);
            if (modulesToSave.Count == 0) w.WriteNull("modules_to_save");
            else
            {
                w.WriteStartArray("modules_to_save");
                foreach (var m in modulesToSave) w.WriteStringValue(m);
                w.WriteEndArray();
            }
            w.WriteString("peft_type", "SHIRA");
            if (!string.IsNullOrEmpty(version)) w.WriteString("peft_version", version);
            w.WriteNumber("r", r);
            if (seed is { } sd) w.WriteNumber("random_seed", sd);
            else w.WriteNull("random_seed");
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

    /// <summary>The mask type the adapter had: PEFT's own <c>mask_type</c> when it came from PEFT, else the one strategy
    /// its SHiRA tensors record (<c>random</c>, <c>topk_delta</c>, …), <c>custom</c> when they differ, and none when
    /// nothing was recorded (PEFT then assumes its default).</summary>
    private static string? MaskType(AdapterMetadata meta, IReadOnlyList<ShiraTensorInfo> tensors)
    {
        if (meta.Parameters.TryGetValue("mask_type", out var recorded) && recorded.Length > 0) return recorded;
        var strategies = tensors.Select(t => t.Mask.Strategy).Where(s => s != MaskStrategy.Unspecified).Distinct().ToList();
        if (strategies.Count == 0) return null;
        if (strategies.Count > 1) return "custom";
        return strategies[0] switch
        {
            MaskStrategy.Random => "random",
            MaskStrategy.Structured => "structured",
            MaskStrategy.WeightMagnitude => "weight_magnitude",
            MaskStrategy.Gradient => "gradient",
            MaskStrategy.Snip => "snip",
            MaskStrategy.TopKDelta => "topk_delta",
            MaskStrategy.ExactDiff => "exact_diff",
            _ => "custom",
        };
    }

    private static void WriteAtomically(string path, byte[] bytes) => Shira.Format.IO.AtomicFile.Write(path, fs => fs.Write(bytes));
}
