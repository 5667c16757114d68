using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Shira.Format;

namespace Shira.Training.Models;

/// <summary>
/// The shape of a LLaMA-style decoder, with the field names of a Hugging Face <c>config.json</c>
/// (<c>vocab_size</c>, <c>hidden_size</c>, <c>intermediate_size</c>, <c>num_hidden_layers</c>,
/// <c>num_attention_heads</c>, <c>num_key_value_heads</c>, <c>rope_theta</c>, <c>rms_norm_eps</c>,
/// <c>tie_word_embeddings</c>, <c>head_dim</c>).
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

    /// <summary>Per-head width.</summary>
    public int HeadDim => HeadDimOverride > 0 ? HeadDimOverride : HiddenSize / NumAttentionHeads;

    /// <summary>Checks the shape is usable; throws <see cref="ShiraErrorCode.Usage"/> otherwise.</summary>
    public LlamaConfig Validate()
    {
        static void Positive(int v, string name)
        {
            if (v <= 0) ShiraErrors.Throw(ShiraErrorCode.Usage, $"LLaMA config: {name} must be positive (got {v})");
        }
        Positive(VocabSize, "vocab_size");
        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
            ShiraErrors.Throw(ShiraErrorCode.Usage, "LLaMA config: num_attention_heads must be a multiple of num_key_value_heads");
        if (HeadDimOverride == 0 && HiddenSize % NumAttentionHeads != 0)
            ShiraErrors.Throw(ShiraErrorCode.Usage, "LLaMA config: hidden_size must be a multiple of num_attention_heads");
        if (HeadDim % 2 != 0) ShiraErrors.Throw(ShiraErrorCode.Usage, "LLaMA config: the head width must be even (rotary pairs)");
        if (!(RopeTheta > 0) || !(RmsNormEps > 0)) ShiraErrors.Throw(ShiraErrorCode.Usage, "LLaMA config: rope_theta and rms_norm_eps must be positive");
        return this;
    }

    /// <summary>Parses a Hugging Face <c>config.json</c> text; missing fields keep their defaults.</summary>
    public static LlamaConfig FromJson(string json, string source = "config.json")
    {
        JsonObject o;
        try
        {
            o = JsonNode.Parse(json) as JsonObject
                ?? throw ShiraErrors.Create(ShiraErrorCode.Usage, "LLaMA config is not a JSON object", source);
        }
        catch (JsonException e)
        {
            throw ShiraErrors.Create(ShiraErrorCode.Usage, "LLaMA config is not valid JSON: " + e.Message, source);
        }
        var d = new LlamaConfig();
        int heads = Int(o, "num_attention_heads", d.NumAttentionHeads, source);
        int hidden = Int(o, "hidden_size", d.HiddenSize, source);
        int headDim = Int(o, "head_dim", 0, source);
        if (heads > 0 && headDim * heads == hidden) headDim = 0; // the default width, stated explicitly
        return new LlamaConfig
        {
            VocabSize = Int(o, "vocab_size", d.VocabSize, source),
            HiddenSize = hidden,
            IntermediateSize = Int(o, "intermediate_size", d.IntermediateSize, source),
            NumHiddenLayers = Int(o, "num_hidden_layers", d.NumHiddenLayers, source),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Int(o, "num_key_value_heads", heads, source),
            HeadDimOverride = headDim,
            RopeTheta = Double(o, "rope_theta", d.RopeTheta, source),
            RmsNormEps = Double(o, "rms_norm_eps", d.RmsNormEps, source),
            TieWordEmbeddings = o["tie_word_embeddings"] is JsonValue v && v.TryGetValue(out bool tie) && tie,
        }.Validate();
    }

    /// <summary>Reads a <c>config.json</c> file.</summary>
    public static LlamaConfig Load(string path)
    {
        string text;
        try { text = File.ReadAllText(path); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw ShiraErrors.Io(path, e); }
        return FromJson(text, path);
    }

    /// <summary>The Hugging Face <c>config.json</c> form (<c>model_type: llama</c>).</summary>
    public string ToJson()
    {
        var o = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
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
        };
        if (HeadDimOverride > 0) o["head_dim"] = HeadDimOverride;
        return o.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }

    private static int Int(JsonObject o, string key, int fallback, string source)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.TryGetValue(out long l) && l is >= 0 and <= int.MaxValue) return (int)l;
        throw ShiraErrors.Create(ShiraErrorCode.Usage, $"LLaMA config: '{key}' must be a non-negative integer", source);
    }

    private static double Double(JsonObject o, string key, double fallback, string source)
    {
        if (o[key] is null) return fallback;
        if (o[key] is JsonValue v && v.TryGetValue(out double x) && double.IsFinite(x)) return x;
        throw ShiraErrors.Create(ShiraErrorCode.Usage,
            string.Create(CultureInfo.InvariantCulture, $"LLaMA config: '{key}' must be a number"), source);
    }
}
