using System.Globalization;
using System.Text.Json;
using Shira.Format;

namespace Shira.Convert.Peft;

/// <summary>
/// The parts of <c>adapter_config.json</c> that decide how an adapter merges. Parsing is tolerant of schema drift
/// (missing keys take PEFT's defaults, unknown keys are ignored, <c>null</c> and <c>[]</c> mean the same), and strict
/// about anything that would make a merge silently wrong: such configs are refused by <see cref="Parse"/>.
/// </summary>
internal sealed record PeftConfig
{
    /// <summary>The method.</summary>
    public required PeftType Type { get; init; }
    /// <summary>The spelling of <c>peft_type</c> in the file.</summary>
    public required string PeftTypeName { get; init; }
    /// <summary>Default rank <c>r</c>.</summary>
    public int R { get; init; } = 8;
    /// <summary><c>lora_alpha</c> (PEFT default 8).</summary>
    public double LoraAlpha { get; init; } = 8;
    /// <summary>Scaling is alpha/sqrt(r) instead of alpha/r.</summary>
    public bool UseRslora { get; init; }
    /// <summary>DoRA: weight-decomposed LoRA (needs the base weights).</summary>
    public bool UseDora { get; init; }
    /// <summary>The target stores its weight as [in, out] (GPT-2 Conv1D), so deltas are transposed.</summary>
    public bool FanInFanOut { get; init; }
    /// <summary><c>rank_pattern</c> in file order (PEFT takes the first matching key).</summary>
    public IReadOnlyList<KeyValuePair<string, int>> RankPattern { get; init; } = [];
    /// <summary><c>alpha_pattern</c> in file order.</summary>
    public IReadOnlyList<KeyValuePair<string, double>> AlphaPattern { get; init; } = [];
    /// <summary><c>target_modules</c> as a list (a regex string becomes a one-element list).</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [];
    /// <summary><c>modules_to_save</c>, de-duplicated, order kept (informational: dense keys are taken from the file).</summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];
    /// <summary><c>base_model_name_or_path</c>, or empty.</summary>
    public string BaseModel { get; init; } = "";
    /// <summary><c>peft_version</c> as written (may be non-semver), or empty.</summary>
    public string PeftVersion { get; init; } = "";
    /// <summary><c>task_type</c>, or empty.</summary>
    public string TaskType { get; init; } = "";
    /// <summary>SHiRA <c>mask_type</c>, or empty.</summary>
    public string MaskType { get; init; } = "";
    /// <summary>SHiRA <c>random_seed</c>, if present.</summary>
    public ulong? RandomSeed { get; init; }
    /// <summary>LoRA <c>bias</c>: <c>none</c> (default), <c>all</c> or <c>lora_only</c>. With the last two the base
    /// layers' biases are trained, and PEFT saves them (as <c>&lt;module&gt;.base_layer.bias</c> on adapted layers).</summary>
    public string Bias { get; init; } = "none";
    /// <summary><c>init_lora_weights</c> as text (<c>true</c>, <c>gaussian</c>, …), informational.</summary>
    public string InitLoraWeights { get; init; } = "true";

    /// <summary>PEFT's scaling for a module: alpha/r or alpha/sqrt(r), with both patterns applied.</summary>
    public double ScalingFor(string module, out int rank, out double alpha)
    {
        rank = PeftPatterns.Lookup(RankPattern, module, R);
        alpha = PeftPatterns.Lookup(AlphaPattern, module, LoraAlpha);
        return UseRslora ? alpha / Math.Sqrt(rank) : alpha / rank;
    }

    /// <summary>Reads and checks a config file.</summary>
    public static PeftConfig Load(string path)
    {
        byte[] bytes;
        Shira.Format.IO.RegularFile.Check(path);
        try { bytes = File.ReadAllBytes(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.IoError(path, e.Message, e); }
        return Parse(bytes, path);
    }

    /// <summary>Parses and checks a config. Throws <see cref="ShiraErrorCode.PeftBadConfig"/> for malformed JSON or
    /// values, <see cref="ShiraErrorCode.PeftUnsupported"/> for methods or features that cannot be converted exactly.</summary>
    public static PeftConfig Parse(ReadOnlySpan<byte> json, string file)
    {
        JsonDocument doc;
        try
        {
            var reader = new Utf8JsonReader(json, new JsonReaderOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip, MaxDepth = 64 });
            doc = JsonDocument.ParseValue(ref reader);
        }
        catch (JsonException e)
        {
            throw ShiraErrors.PeftBadConfig($"adapter_config.json is not valid JSON: {e.Message}", file, null, e.BytePositionInLine);
        }
        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
                throw Bad(file, "adapter_config.json must be a JSON object");
            return FromRoot(root, file);
        }
    }

    private static PeftConfig FromRoot(JsonElement root, string file)
    {
        string typeName = GetString(root, "peft_type", file) ?? throw Bad(file, "missing \"peft_type\"");
        PeftType type = typeName.ToUpperInvariant() switch
        {
            "LORA" => PeftType.Lora,
            "SHIRA" => PeftType.Shira,
            _ => throw Unsupported(file, $"peft_type \"{typeName}\" is not supported (only LORA and SHIRA can be converted to SHiRA exactly)"),
        };

        int r = GetInt(root, "r", file) ?? 8;
        if (r <= 0) throw Bad(file, $"\"r\" must be positive, got {r}");
        bool fifo = GetBool(root, "fan_in_fan_out", file) ?? false;
        var targets = GetStringList(root, "target_modules", file);
        var toSave = GetStringList(root, "modules_to_save", file).Distinct(StringComparer.Ordinal).ToArray();

        var cfg = new PeftConfig
        {
            Type = type,
            PeftTypeName = typeName,
            R = r,
            FanInFanOut = fifo,
            TargetModules = targets,
            ModulesToSave = toSave,
            BaseModel = GetString(root, "base_model_name_or_path", file) ?? "",
            PeftVersion = GetString(root, "peft_version", file) ?? "",
            TaskType = GetString(root, "task_type", file) ?? "",
        };

        return type == PeftType.Shira ? ShiraFrom(root, file, cfg) : LoraFrom(root, file, cfg);
    }

    private static PeftConfig ShiraFrom(JsonElement root, string file, PeftConfig cfg)
    {
        if (cfg.FanInFanOut)
            throw Unsupported(file, "SHiRA with fan_in_fan_out=true is not supported (PEFT's SHiRA adapts nn.Linear only)");
        string mask = GetString(root, "mask_type", file) ?? "random";
        ulong? seed = null;
        if (root.TryGetProperty("random_seed", out var s) && s.ValueKind == JsonValueKind.Number)
        {
            if (!s.TryGetUInt64(out var v)) throw Bad(file, "\"random_seed\" must be a non-negative integer");
            seed = v;
        }
        return cfg with { MaskType = mask, RandomSeed = seed };
    }

    /// <summary>LoRA config keys we refuse when set (or, with OnlyTrue, when true): features whose merged result is
    /// not base + B·A (or DoRA), or that we do not implement. Refuse, never guess.</summary>
    private static readonly (string Key, bool OnlyTrue, string Reason)[] UnsupportedLoraKeys =
    [
        ("layer_replication", false, "layer_replication duplicates base layers; the merged model has a different layout"),
        ("use_qalora", true, "QA-LoRA (use_qalora) merges through group-wise pooling, which is not implemented"),
        ("target_parameters", false, "LoRA on nn.Parameter targets (target_parameters) is not implemented"),
        ("trainable_token_indices", false, "trainable tokens (trainable_token_indices) are not implemented"),
        ("megatron_config", false, "Megatron-parallel LoRA (megatron_config) is not implemented"),
        ("use_bdlora", true, "block-diagonal LoRA (use_bdlora) is not implemented"),
        ("alora_invocation_tokens", false, "activated LoRA (alora_invocation_tokens) only acts after its invocation tokens, so it cannot be merged into weights"),
        ("arrow_config", false, "Arrow routing (arrow_config) mixes adapters per token, so it cannot be merged into weights"),
        ("monteclora_config", false, "MonteCLoRA (monteclora_config) is not implemented"),
        ("velora_config", false, "VeLoRA (velora_config) is not implemented"),
        // Initialisations that rewrite the base weights: the saved A/B are only meaningful against that residual base.
        ("corda_config", false, "CorDA initialisation changes the base weights (W - B·A), which the adapter file does not contain"),
        ("lora_ga_config", false, "LoRA-GA initialisation changes the base weights, which the adapter file does not contain"),
        ("loftq_config", false, "LoftQ replaces the base weights with quantised residuals, which the adapter file does not contain"),
    ];

    private static PeftConfig LoraFrom(JsonElement root, string file, PeftConfig cfg)
    {
        foreach (var (key, onlyTrue, reason) in UnsupportedLoraKeys)
        {
            if (onlyTrue) RefuseIfTrue(root, file, key, reason);
            else RefuseIfSet(root, file, key, reason);
        }

        string init = "true";
        if (root.TryGetProperty("init_lora_weights", out var iw))
        {
            switch (iw.ValueKind)
            {
                case JsonValueKind.True: init = "true"; break;
                case JsonValueKind.False: init = "false"; break;
                case JsonValueKind.Null: break;
                case JsonValueKind.String:
                    init = iw.GetString()!;
                    string lower = init.ToLowerInvariant();
                    if (lower.StartsWith("pissa", StringComparison.Ordinal) || lower is "olora" or "corda" or "loftq" or "lora_ga")
                        throw Unsupported(file, $"init_lora_weights=\"{init}\" changes the base weights (W - scaling·B·A); converting against the original base would give a wrong adapter");
                    if (lower is not ("gaussian" or "eva" or "orthogonal" or "true" or "false"))
                        throw Unsupported(file, $"init_lora_weights=\"{init}\" is not known to this converter; it may change the base weights");
                    break;
                default: throw Bad(file, "\"init_lora_weights\" must be a boolean or a string");
            }
        }

        return cfg with
        {
            LoraAlpha = GetDouble(root, "lora_alpha", file) ?? 8,
            UseRslora = GetBool(root, "use_rslora", file) ?? false,
            UseDora = GetBool(root, "use_dora", file) ?? false,
            RankPattern = GetPattern(root, "rank_pattern", file, e => e.TryGetInt32(out var v) && v > 0 ? v : throw Bad(file, "rank_pattern values must be positive integers")),
            AlphaPattern = GetPattern(root, "alpha_pattern", file, e => e.TryGetDouble(out var v) ? v : throw Bad(file, "alpha_pattern values must be numbers")),
            InitLoraWeights = init,
            Bias = GetString(root, "bias", file) ?? "none",
        };
    }

    private static void RefuseIfSet(JsonElement root, string file, string key, string reason)
    {
        if (!root.TryGetProperty(key, out var v)) return;
        bool set = v.ValueKind switch
        {
            JsonValueKind.Null or JsonValueKind.False => false,
            JsonValueKind.Object => v.EnumerateObject().Any(),
            JsonValueKind.Array => v.GetArrayLength() > 0,
            JsonValueKind.String => v.GetString()!.Length > 0,
            _ => true,
        };
        if (set) throw Unsupported(file, reason);
    }

    private static void RefuseIfTrue(JsonElement root, string file, string key, string reason)
    {
        if (root.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.True) throw Unsupported(file, reason);
    }

    private static IReadOnlyList<KeyValuePair<string, T>> GetPattern<T>(JsonElement root, string key, string file, Func<JsonElement, T> read)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind != JsonValueKind.Object) throw Bad(file, $"\"{key}\" must be an object");
        var list = new List<KeyValuePair<string, T>>();
        foreach (var p in v.EnumerateObject()) list.Add(new(p.Name, read(p.Value)));
        return list;
    }

    private static string? GetString(JsonElement root, string key, string file)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.String ? v.GetString() : throw Bad(file, $"\"{key}\" must be a string");
    }

    private static bool? GetBool(JsonElement root, string key, string file)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Bad(file, $"\"{key}\" must be a boolean"),
        };
    }

    private static int? GetInt(JsonElement root, string key, string file)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetInt32(out var i) ? i : throw Bad(file, $"\"{key}\" must be an integer");
    }

    private static double? GetDouble(JsonElement root, string key, string file)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return null;
        return v.ValueKind == JsonValueKind.Number && v.TryGetDouble(out var d) && double.IsFinite(d) ? d : throw Bad(file, $"\"{key}\" must be a number");
    }

    private static string[] GetStringList(JsonElement root, string key, string file)
    {
        if (!root.TryGetProperty(key, out var v) || v.ValueKind == JsonValueKind.Null) return [];
        if (v.ValueKind == JsonValueKind.String) return [v.GetString()!];
        if (v.ValueKind != JsonValueKind.Array) throw Bad(file, $"\"{key}\" must be a list of strings");
        var list = new List<string>();
        foreach (var e in v.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.String) throw Bad(file, $"\"{key}\" must be a list of strings");
            list.Add(e.GetString()!);
        }
        return list.ToArray();
    }

    private static ShiraException Bad(string file, string message) => ShiraErrors.PeftBadConfig(message, file);

    private static ShiraException Unsupported(string file, string message) => ShiraErrors.PeftUnsupported(message, file);

    /// <summary>Invariant text of a double for metadata.</summary>
    internal static string Text(double d) => d.ToString("R", CultureInfo.InvariantCulture);
}
