using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shira.Format;

namespace Shira.Training.Models;

/// <summary>
/// The shape of a LLaMA-style decoder, with the field names of a Hugging Face <c>config.json</c>
/// (<c>vocab_size</c>, <c>hidden_size</c>, <c>intermediate_size</c>, <c>num_hidden_layers</c>,
/// <c>num_attention_heads</c>, <c>num_key_value_heads</c>, <c>rope_theta</c>, <c>rms_norm_eps</c>,
/// <c>tie_word_embeddings</c>, <c>head_dim</c>, <c>attention_bias</c>, <c>sliding_window</c>,
/// <c>max_position_embeddings</c>). <see cref="FromJson"/> accepts the LLaMA family as Hugging Face writes it
/// (<c>model_type</c> llama, mistral, qwen2) and refuses, with <see cref="ShiraErrorCode.ModelConfigUnsupported"/>,
/// every setting the model code does not compute exactly (rope scaling, other activations, MLP biases, Qwen2's
/// per-layer sliding windows, other architectures).
/// </summary>
public sealed record LlamaConfig
{
    /// <summary>Vocabulary size (rows of the embedding and of lm_head).</summary>
    public int VocabSize { get; init; } = 260;
    /// <summary>Model width.</summary>
    public int HiddenSize { get; init; } = 64;
    /// <summary>Width of the SwiGLU MLP.</summary>
    public int IntermediateSize { get; init; } = 176;
    /// <summary>Number of decoder blocks.</summary>
    public int NumHiddenLayers { get; init; } = 2;
    /// <summary>Query heads.</summary>
    public int NumAttentionHeads { get; init; } = 4;
    /// <summary>Key/value heads (fewer than query heads for grouped-query attention).</summary>
    public int NumKeyValueHeads { get; init; } = 4;
    /// <summary>Per-head width; 0 means hidden / heads.</summary>
    public int HeadDimOverride { get; init; }
    /// <summary>Rotary base frequency.</summary>
    public double RopeTheta { get; init; } = 10000.0;
    /// <summary>RMSNorm epsilon.</summary>
    public double RmsNormEps { get; init; } = 1e-6;
    /// <summary>lm_head shares the embedding matrix (no <c>lm_head.weight</c> tensor is stored).</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Hugging Face <c>model_type</c>: <c>llama</c>, <c>mistral</c> or <c>qwen2</c>.</summary>
    public string ModelType { get; init; } = "llama";
    /// <summary><c>q_proj</c>, <c>k_proj</c> and <c>v_proj</c> carry biases (Qwen2; LLaMA's <c>attention_bias</c>).</summary>
    public bool QkvBias { get; init; }
    /// <summary><c>o_proj</c> carries a bias (LLaMA's <c>attention_bias</c>; not Qwen2).</summary>
    public bool OutputBias { get; init; }
    /// <summary>Mistral's sliding window: position i attends to j only when i − j &lt; window; 0 means no window.</summary>
    public int SlidingWindow { get; init; }
    /// <summary>The longest sequence the checkpoint was trained for (<c>max_position_embeddings</c>).</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>The model types <see cref="FromJson"/> accepts.</summary>
    public static IReadOnlyList<string> SupportedModelTypes { get; } = ["llama", "mistral", "qwen2"];

    /// <summary>Per-head width.</summary>
    public int HeadDim => HeadDimOverride > 0 ? HeadDimOverride : HiddenSize / NumAttentionHeads;

    /// <summary>Checks the shape is usable; throws <see cref="ArgumentException"/> otherwise (<see cref="FromJson"/>
    /// reports the same findings in a file as <see cref="ShiraErrorCode.ModelConfigMalformed"/>).</summary>
    public LlamaConfig Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) throw new ArgumentException($"LLaMA config: {name} must be positive (got {v})");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            throw new ArgumentException("LLaMA config: num_attention_heads must be a multiple of num_key_value_heads");
        if (HeadDimOverride == 0 && HiddenSize % NumAttentionHeads != 0)
            throw new ArgumentException("LLaMA config: hidden_size must be a multiple of num_attention_heads");
        if (HeadDim % 2 != 0) throw new ArgumentException("LLaMA config: the head width must be even (rotary pairs)");
        if (!(RopeTheta > 0) || !(RmsNormEps > 0)) throw new ArgumentException("LLaMA config: rope_theta and rms_norm_eps must be positive");
        if (SlidingWindow < 0) throw new ArgumentException("LLaMA config: sliding_window must not be negative");
        // The bias layouts Hugging Face's classes have: LLaMA's attention_bias covers q, k, v and o; Qwen2 biases
        // q, k, v only; Mistral has none. Only Mistral has a (global) sliding window.
        bool biasOk = ModelType switch
        {
            "llama" => QkvBias == OutputBias,
            "qwen2" => QkvBias && !OutputBias,
            "mistral" => !QkvBias && !OutputBias,
            _ => false,
        };
        if (!biasOk) throw new ArgumentException($"LLaMA config: model_type '{ModelType}' does not have this bias layout (or is not llama, mistral or qwen2)");
        if (SlidingWindow > 0 && ModelType != "mistral") throw new ArgumentException("LLaMA config: only mistral has a sliding window");
        return this;
    }

    /// <summary>Parses a Hugging Face <c>config.json</c> text; missing fields keep Hugging Face's defaults. Throws
    /// <see cref="ShiraErrorCode.ModelConfigMalformed"/> for bad JSON or values and
    /// <see cref="ShiraErrorCode.ModelConfigUnsupported"/> for what the model code does not implement.</summary>
    public static LlamaConfig FromJson(string json, string source = "config.json")
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject ?? throw Malformed(source, "it is not a JSON object");
        }
        catch (JsonException e)
        {
            throw Malformed(source, "it is not valid JSON: " + e.Message);
        }
        var d = new LlamaConfig();
        string modelType = String(o, "model_type", source) ?? "llama";
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw Unsupported(source,
                $"model_type '{modelType}' (supported: {string.Join(", ", SupportedModelTypes)} — the LLaMA family as Hugging Face writes it)");
        }
        CheckSupported(o, modelType, source);
        int heads = Int(o, "num_attention_heads", d.NumAttentionHeads, source);
        int hidden = Int(o, "hidden_size", d.HiddenSize, source);
        int headDim = Int(o, "head_dim", 0, source);
        if (heads > 0 && headDim * heads == hidden) headDim = 0; // the default width, stated explicitly
        bool attentionBias = Bool(o, "attention_bias", false, source);
        int window = 0;
        if (modelType == "mistral") window = Int(o, "sliding_window", 0, source);
        var config = new LlamaConfig
        {
            ModelType = modelType,
            VocabSize = Int(o, "vocab_size", d.VocabSize, source),
            HiddenSize = hidden,
            IntermediateSize = Int(o, "intermediate_size", d.IntermediateSize, source),
            NumHiddenLayers = Int(o, "num_hidden_layers", d.NumHiddenLayers, source),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int(o, "num_key_value_heads", heads, source),
            HeadDimOverride = headDim,
            RopeTheta = Double(o, "rope_theta", d.RopeTheta, source),
            RmsNormEps = Double(o, "rms_norm_eps", d.RmsNormEps, source),
            TieWordEmbeddings = Bool(o, "tie_word_embeddings", false, source),
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputBias = modelType != "qwen2" && attentionBias,
            SlidingWindow = window,
            MaxPositionEmbeddings = Int(o, "max_position_embeddings", d.MaxPositionEmbeddings, source),
        };
        try
        {
            return config.Validate();
        }
        catch (ArgumentException e)
        {
            throw Malformed(source, e.Message);
        }
    }

    // Settings that change the computation in ways the model code does not implement.
    private static void CheckSupported(JsonObject o, string modelType, string source)
    {
        if (o["rope_scaling"] is JsonObject scaling)
        {
            string kind = scaling["rope_type"]?.ToString() ?? scaling["type"]?.ToString() ?? "?";
            if (kind != "default") throw Unsupported(source, $"rope_scaling of type '{kind}' (only plain rotary positions are implemented)");
        }
        else if (o["rope_scaling"] is not null)
        {
            throw Malformed(source, "'rope_scaling' must be an object or null");
        }
        string act = String(o, "hidden_act", source) ?? "silu";
        if (act != "silu") throw Unsupported(source, $"hidden_act '{act}' (only silu, the SwiGLU MLP)");
        if (Bool(o, "mlp_bias", false, source)) throw Unsupported(source, "mlp_bias (the MLP projections have no bias)");
        if (modelType == "qwen2" && Bool(o, "use_sliding_window", false, source))
            throw Unsupported(source, "Qwen2 with use_sliding_window (per-layer windows are not implemented)");
        if (modelType == "llama" && o["sliding_window"] is JsonValue)
            throw Unsupported(source, "sliding_window on a llama model");
        if (modelType == "mistral" && Bool(o, "attention_bias", false, source))
            throw Unsupported(source, "attention_bias on a mistral model");
    }

    private static ShiraException Malformed(string source, string reason) =>
        ShiraErrors.ModelConfigMalformed(reason, source);

    private static ShiraException Unsupported(string source, string reason) =>
        ShiraErrors.ModelConfigUnsupported(reason, source);

    /// <summary>Reads a <c>config.json</c> file.</summary>
    public static LlamaConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.IoError(path, e.Message, e); }
        return FromJson(text, path);
    }

    /// <summary>The Hugging Face <c>config.json</c> form (<c>model_type: llama</c>).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray(ModelType switch
            {
                "mistral" => "MistralForCausalLM",
                "qwen2" => "Qwen2ForCausalLM",
                _ => "LlamaForCausalLM",
            }),
            ["model_type"] = ModelType,
            ["vocab_size"] = VocabSize,
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["hidden_act"] = "silu",
            ["rope_theta"] = RopeTheta,
            ["rms_norm_eps"] = RmsNormEps,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["torch_dtype"] = "float32",
            ["max_position_embeddings"] = MaxPositionEmbeddings,
        };
        if (ModelType == "llama" && QkvBias) o["attention_bias"] = true;
        if (SlidingWindow > 0) o["sliding_window"] = SlidingWindow;
        if (HeadDimOverride > 0) o["head_dim"] = HeadDimOverride;
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int Int(JsonObject o, string key, int fallback, string source)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.TryGetValue(out long l) && l is >= 0 and <= int.MaxValue) return (int)l;
        if (o[key] is JsonValue w && w.TryGetValue(out double x) && x == Math.Floor(x) && x is >= 0 and <= int.MaxValue) return (int)x;
        throw Malformed(source, $"'{key}' must be a non-negative integer");
    }

    private static double Double(JsonObject o, string key, double fallback, string source)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.TryGetValue(out double x) && double.IsFinite(x)) return x;
        throw Malformed(source, string.Create(CultureInfo.InvariantCulture, $"'{key}' must be a number"));
    }

    private static bool Bool(JsonObject o, string key, bool fallback, string source)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.TryGetValue(out bool b)) return b;
        throw Malformed(source, $"'{key}' must be true or false");
    }

    private static string? String(JsonObject o, string key, string source)
    {
        if (o[key] is null) return null;
        if (o[key] is JsonValue v && v.TryGetValue(out string? s)) return s;
        throw Malformed(source, $"'{key}' must be a string");
    }
}
