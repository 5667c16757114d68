using Shira.Format;

namespace Shira.Convert.Peft;

/// <summary>
/// A parsed adapter key. PEFT writes <c>base_model.model.&lt;module&gt;.lora_A.weight</c>; older files or other tools may
/// omit the prefix or keep the adapter name (<c>.lora_A.default.weight</c>); modules_to_save copies may appear as
/// <c>&lt;module&gt;.modules_to_save.default.weight</c> (or, with the adapter name removed, <c>.modules_to_save.weight</c>).
/// All map to base names <c>&lt;module&gt;.weight</c>. Copies of base tensors (<c>.base_layer.</c>,
/// <c>.original_module.</c>) map to the base tensor they copy with role <see cref="PeftTensorRole.BaseCopy"/>.
/// </summary>
internal readonly record struct PeftKey(string Key, string Module, PeftTensorRole Role, string? AdapterName, string Target)
{
    public const string Prefix = "base_model.model.";

    private static readonly string[] RoleTokens =
        ["lora_A", "lora_B", "lora_embedding_A", "lora_embedding_B", "lora_magnitude_vector", "shira_weight", "shira_indices"];

    /// <summary>Classifies a key; throws <see cref="ShiraErrorCode.PeftUnsupported"/> for adapter parts of other methods.</summary>
    public static PeftKey Parse(string key, string file)
    {
        string rest = key.StartsWith(Prefix, StringComparison.Ordinal) ? key[Prefix.Length..] : key;
        string[] seg = rest.Split('.');
        int at = -1;
        for (int i = 0; i < seg.Length && at < 0; i++)
            if (Array.IndexOf(RoleTokens, seg[i]) >= 0) at = i;

        if (at < 0)
        {
            foreach (var s in seg)
                if (s.StartsWith("lora_", StringComparison.Ordinal) || s.StartsWith("shira_", StringComparison.Ordinal) ||
                    s is "vera_lambda_b" or "vera_lambda_d" or "ia3_l" or "hada_w1_a" or "lokr_w1" or "oft_r" or "boft_R")
                    throw ShiraErrors.PeftUnsupported($"tensor '{key}' belongs to an adapter part this converter does not implement ('{s}')", file, key);
            // PEFT saves the base weight of a targeted embedding as <module>.base_layer.weight (save_embedding_layers),
            // and a modules_to_save wrapper can leave <module>.original_module.weight: both are the base's own tensor.
            int copyAt = Array.FindIndex(seg, x => x is "base_layer" or "original_module");
            if (copyAt > 0 && copyAt < seg.Length - 1)
            {
                string copyOf = string.Join('.', seg.Where((_, i) => i != copyAt));
                return new PeftKey(key, string.Join('.', seg, 0, copyAt), PeftTensorRole.BaseCopy, null, copyOf);
            }
            if (copyAt >= 0) throw Bad(key, file);
            string target = StripModulesToSave(seg, out string? name);
            if (target.Length == 0) throw Bad(key, file);
            int dot = target.LastIndexOf('.');
            return new PeftKey(key, dot < 0 ? target : target[..dot], PeftTensorRole.Dense, name, target);
        }

        if (at == 0) throw Bad(key, file);
        string module = string.Join('.', seg, 0, at);
        string token = seg[at];
        var tail = seg.AsSpan(at + 1);
        string? adapter = null;
        PeftTensorRole role;
        switch (token)
        {
            case "lora_A":
            case "lora_B":
                // [weight] | [name, weight] | lora_B: [bias] | [name, bias]
                if (tail.Length == 2) { adapter = tail[0]; tail = tail[1..]; }
                if (tail.Length != 1) throw Bad(key, file);
                role = tail[0] switch
                {
                    "weight" => token == "lora_A" ? PeftTensorRole.LoraA : PeftTensorRole.LoraB,
                    "bias" when token == "lora_B" => PeftTensorRole.LoraBBias,
                    _ => throw Bad(key, file),
                };
                break;
            case "lora_magnitude_vector":
                // [] | [weight] | [name] | [name, weight]
                if (tail.Length == 2 && tail[1] == "weight") adapter = tail[0];
                else if (tail.Length == 1 && tail[0] != "weight") adapter = tail[0];
                else if (!(tail.Length == 0 || (tail.Length == 1 && tail[0] == "weight"))) throw Bad(key, file);
                role = PeftTensorRole.Magnitude;
                break;
            default:
                // lora_embedding_A/B, shira_weight, shira_indices: [] | [name]
                if (tail.Length == 1) adapter = tail[0];
                else if (tail.Length != 0) throw Bad(key, file);
                role = token switch
                {
                    "lora_embedding_A" => PeftTensorRole.EmbeddingA,
                    "lora_embedding_B" => PeftTensorRole.EmbeddingB,
                    "shira_weight" => PeftTensorRole.ShiraWeight,
                    _ => PeftTensorRole.ShiraIndices,
                };
                break;
        }
        string targetName = role == PeftTensorRole.LoraBBias ? module + ".bias" : module + ".weight";
        return new PeftKey(key, module, role, adapter, targetName);
    }

    private static string StripModulesToSave(string[] seg, out string? adapter)
    {
        adapter = null;
        var kept = new List<string>(seg.Length);
        for (int i = 0; i < seg.Length; i++)
        {
            // <module>.modules_to_save.<adapter>.<param>, or <module>.modules_to_save.<param> once the name is removed.
            if (seg[i] == "modules_to_save" && i + 2 < seg.Length) { adapter = seg[i + 1]; i++; continue; }
            if (seg[i] == "modules_to_save" && i > 0 && i + 1 < seg.Length) continue;
            kept.Add(seg[i]);
        }
        return string.Join('.', kept);
    }

    private static ShiraException Bad(string key, string file) =>
        ShiraErrors.PeftBadTensors($"cannot interpret adapter tensor name '{key}'", file, key);
}
