using System.Runtime.InteropServices;
using System.Text.Json.Nodes;
using Shira.Format;
using Shira.Format.Safetensors;

namespace Shira.Training.Tests.Models;

/// <summary>Writes a random checkpoint the way transformers' <c>save_pretrained</c> lays it out: config.json and
/// model.safetensors with Hugging Face tensor names and no config in the metadata. Weights come from a plain
/// seeded generator, not from the model code under test.</summary>
internal static class RandomHfCheckpoint
{
    public static Dictionary<string, float[]> Write(string dir, ReferenceLlama.Shape s, string modelType, ulong seed,
        DType dtype = DType.F32, Action<JsonObject>? editConfig = null)
    {
        var rng = new Shira.Training.Data.DataRng(seed);
        float Next(double scale) => (float)((rng.NextDouble() * 2 - 1) * scale);
        var tensors = new List<(string Name, long[] Shape, float[] Values)>();
        void Add(string name, double scale, params long[] shape)
        {
            long n = 1;
            foreach (var d in shape) n *= d;
            var v = new float[n];
            for (int i = 0; i < n; i++) v[i] = Next(scale);
            if (dtype == DType.BF16)
                for (int i = 0; i < n; i++) v[i] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v[i]) & unchecked((int)0xFFFF0000));
            tensors.Add((name, shape, v));
        }
        void Norm(string name)
        {
            var v = new float[s.Hidden];
            for (int i = 0; i < v.Length; i++) v[i] = 1 + Next(0.25);
            if (dtype == DType.BF16)
                for (int i = 0; i < v.Length; i++) v[i] = BitConverter.Int32BitsToSingle(BitConverter.SingleToInt32Bits(v[i]) & unchecked((int)0xFFFF0000));
            tensors.Add((name, [s.Hidden], v));
        }
        Add("model.embed_tokens.weight", 1.0, s.Vocab, s.Hidden);
        for (int l = 0; l < s.Layers; l++)
        {
            string p = $"model.layers.{l}.";
            Add(p + "self_attn.q_proj.weight", 0.4, s.Heads * s.HeadDim, s.Hidden);
            Add(p + "self_attn.k_proj.weight", 0.4, s.KvHeads * s.HeadDim, s.Hidden);
            Add(p + "self_attn.v_proj.weight", 0.4, s.KvHeads * s.HeadDim, s.Hidden);
            Add(p + "self_attn.o_proj.weight", 0.4, s.Hidden, s.Heads * s.HeadDim);
            if (s.QkvBias)
            {
                Add(p + "self_attn.q_proj.bias", 0.5, s.Heads * s.HeadDim);
                Add(p + "self_attn.k_proj.bias", 0.5, s.KvHeads * s.HeadDim);
                Add(p + "self_attn.v_proj.bias", 0.5, s.KvHeads * s.HeadDim);
            }
            if (s.OBias) Add(p + "self_attn.o_proj.bias", 0.5, s.Hidden);
            Add(p + "mlp.gate_proj.weight", 0.4, s.Inter, s.Hidden);
            Add(p + "mlp.up_proj.weight", 0.4, s.Inter, s.Hidden);
            Add(p + "mlp.down_proj.weight", 0.4, s.Hidden, s.Inter);
            Norm(p + "input_layernorm.weight");
            Norm(p + "post_attention_layernorm.weight");
        }
        Norm("model.norm.weight");
        if (!s.Tied) Add("lm_head.weight", 0.5, s.Vocab, s.Hidden);
        // transformers also stores non-parameter buffers in old checkpoints; the loader must ignore them.
        tensors.Add(("model.layers.0.self_attn.rotary_emb.inv_freq", [s.HeadDim / 2], new float[s.HeadDim / 2]));

        var sources = new List<SafetensorsTensorSource>();
        foreach (var (name, shape, values) in tensors)
        {
            byte[] bytes;
            if (dtype == DType.BF16)
            {
                bytes = new byte[values.Length * 2];
                for (int i = 0; i < values.Length; i++)
                    System.Buffers.Binary.BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(i * 2), (ushort)(BitConverter.SingleToUInt32Bits(values[i]) >> 16));
            }
            else
            {
                bytes = MemoryMarshal.AsBytes(values.AsSpan()).ToArray();
            }
            sources.Add(SafetensorsTensorSource.FromBytes(name, dtype, shape, bytes));
        }
        SafetensorsWriter.WriteFile(Path.Combine(dir, "model.safetensors"), sources, new Dictionary<string, string> { ["format"] = "pt" });

        var config = new JsonObject
        {
            ["architectures"] = new JsonArray(modelType switch { "qwen2" => "Qwen2ForCausalLM", "mistral" => "MistralForCausalLM", _ => "LlamaForCausalLM" }),
            ["model_type"] = modelType,
            ["vocab_size"] = s.Vocab,
            ["hidden_size"] = s.Hidden,
            ["intermediate_size"] = s.Inter,
            ["num_hidden_layers"] = s.Layers,
            ["num_attention_heads"] = s.Heads,
            ["num_key_value_heads"] = s.KvHeads,
            ["hidden_act"] = "silu",
            ["max_position_embeddings"] = 4096,
            ["rms_norm_eps"] = s.Eps,
            ["rope_theta"] = s.Theta,
            ["rope_scaling"] = null,
            ["tie_word_embeddings"] = s.Tied,
            ["torch_dtype"] = dtype == DType.BF16 ? "bfloat16" : "float32",
            ["transformers_version"] = "4.46.0",
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
        };
        if (s.HeadDim * s.Heads != s.Hidden) config["head_dim"] = s.HeadDim;
        if (modelType == "llama") config["attention_bias"] = s.QkvBias;
        if (modelType == "mistral") config["sliding_window"] = s.Window > 0 ? s.Window : null;
        if (modelType == "qwen2") { config["use_sliding_window"] = false; config["sliding_window"] = 4096; }
        editConfig?.Invoke(config);
        File.WriteAllText(Path.Combine(dir, "config.json"), config.ToJsonString());
        return tensors.ToDictionary(t => t.Name, t => t.Values);
    }
}
