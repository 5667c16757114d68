using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;
using Shira.Training.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace Shira.Training.Tests;

public sealed class LlamaModelTests
{
    private static readonly LlamaConfig Gqa = new()
    {
        VocabSize = 40, HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2,
        NumAttentionHeads = 4, NumKeyValueHeads = 2, RopeTheta = 10000, RmsNormEps = 1e-5,
    };

    [Fact]
    public void Parameter_names_and_shapes_match_hugging_face_llama()
    {
        using var model = new LlamaForCausalLM(Gqa, seed: 1);
        var actual = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.shape);
        var expected = new Dictionary<string, long[]>
        {
            ["model.embed_tokens.weight"] = [40, 32],
            ["model.norm.weight"] = [32],
            ["lm_head.weight"] = [40, 32],
        };
        for (int i = 0; i < 2; i++)
        {
            var p = $"model.layers.{i}.";
            expected[p + "self_attn.q_proj.weight"] = [32, 32];   // heads·d × hidden
            expected[p + "self_attn.k_proj.weight"] = [16, 32];   // kvHeads·d × hidden (GQA)
            expected[p + "self_attn.v_proj.weight"] = [16, 32];
            expected[p + "self_attn.o_proj.weight"] = [32, 32];
            expected[p + "mlp.gate_proj.weight"] = [48, 32];      // [out, in]
            expected[p + "mlp.up_proj.weight"] = [48, 32];
            expected[p + "mlp.down_proj.weight"] = [32, 48];
            expected[p + "input_layernorm.weight"] = [32];
            expected[p + "post_attention_layernorm.weight"] = [32];
        }
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, shape) in expected) Assert.Equal(shape, actual[name]);
        Assert.Empty(model.named_buffers());

        // Each linear layer is reachable under exactly one (Hugging Face) name, so adapters find it once.
        var linears = model.named_modules().Where(m => m.module is TorchSharp.Modules.Linear).Select(m => m.name).ToList();
        var expectedLinears = expected.Keys.Where(k => k.EndsWith("_proj.weight", StringComparison.Ordinal) || k == "lm_head.weight")
            .Select(k => k[..^".weight".Length]);
        Assert.Equal(expectedLinears.Order(StringComparer.Ordinal), linears.Order(StringComparer.Ordinal));
        Assert.DoesNotContain(model.named_modules(), m => m.name.Contains('_') && m.name.Split('.').Any(part => part.StartsWith('_')));
    }

    [Fact]
    public void Forward_gives_vocab_logits_per_position()
    {
        using var model = new LlamaForCausalLM(Gqa, seed: 1);
        using var ids = randint(0, 40, [3, 5], ScalarType.Int64, generator: new Generator(2));
        using var logits = model.call(ids);
        Assert.Equal([3L, 5, 40], logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void Attention_is_causal()
    {
        using var model = new LlamaForCausalLM(Gqa, seed: 3);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 1, 2, 3, 4, 5, 6, 7 }, [1, 7]);
        var changed = tensor(new long[] { 1, 2, 3, 4, 9, 9, 9 }, [1, 7]);
        var a = model.call(ids);
        var b = model.call(changed);
        Assert.True(a.narrow(1, 0, 4).allclose(b.narrow(1, 0, 4), rtol: 0, atol: 0));
        Assert.False(a.narrow(1, 4, 1).allclose(b.narrow(1, 4, 1)));
    }

    [Fact]
    public void Same_seed_gives_the_same_weights()
    {
        using var a = new LlamaForCausalLM(Gqa, seed: 5);
        using var b = new LlamaForCausalLM(Gqa, seed: 5);
        using var c = new LlamaForCausalLM(Gqa, seed: 6);
        var pa = LlamaCheckpoint.Snapshot(a);
        var pb = LlamaCheckpoint.Snapshot(b);
        var pc = LlamaCheckpoint.Snapshot(c);
        for (int i = 0; i < pa.Count; i++) Assert.Equal(pa[i].Bytes, pb[i].Bytes);
        Assert.NotEqual(pa[0].Bytes, pc[0].Bytes);
    }

    [Fact]
    public void Save_then_load_gives_identical_logits()
    {
        using var dir = new TempDir();
        var path = dir.File("model.safetensors");
        using var model = new LlamaForCausalLM(Gqa, seed: 11);
        LlamaCheckpoint.Save(model, path);
        using var loaded = LlamaCheckpoint.Load(path);
        Assert.Equal(Gqa, loaded.Config);
        using var scope = NewDisposeScope();
        var ids = randint(0, 40, [2, 9], ScalarType.Int64, generator: new Generator(4));
        Assert.True(model.call(ids).allclose(loaded.call(ids), rtol: 0, atol: 0));

        // The file is plain safetensors with HF names, readable without our model code.
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(model.named_parameters().Count(), file.Tensors.Count);
        var q = model.named_parameters().Single(p => p.name == "model.layers.1.self_attn.k_proj.weight").parameter;
        Assert.Equal(q.detach().data<float>().ToArray(), file.ReadSingles("model.layers.1.self_attn.k_proj.weight"));
    }

    [Fact]
    public void Hugging_face_folder_with_config_json_and_tied_embeddings_loads()
    {
        using var dir = new TempDir();
        var config = Gqa with { TieWordEmbeddings = true };
        using var model = new LlamaForCausalLM(config, seed: 12);
        Assert.DoesNotContain(model.named_parameters(), p => p.name == "lm_head.weight");
        // Written the way transformers does: no config in the safetensors metadata, config.json beside it.
        var sources = LlamaCheckpoint.Snapshot(model)
            .Select(t => SafetensorsTensorSource.FromBytes(t.Name, DType.F32, t.Shape, t.Bytes)).ToList();
        SafetensorsWriter.WriteFile(dir.File("model.safetensors"), sources, new Dictionary<string, string> { ["format"] = "pt" });
        File.WriteAllText(dir.File("config.json"), """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "vocab_size": 40, "hidden_size": 32,
             "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4, "num_key_value_heads": 2,
             "rms_norm_eps": 1e-05, "rope_theta": 10000.0, "tie_word_embeddings": true, "hidden_act": "silu",
             "max_position_embeddings": 2048, "torch_dtype": "float32"}
            """);
        using var loaded = LlamaCheckpoint.Load(dir.Path);
        Assert.Equal(config, loaded.Config);
        using var scope = NewDisposeScope();
        var ids = tensor(new long[] { 3, 1, 4, 1, 5 }, [1, 5]);
        var logits = loaded.call(ids);
        Assert.True(model.call(ids).allclose(logits, rtol: 0, atol: 0));
        // Tied: logits are the final hidden states times the embedding matrix.
        var hidden = loaded.Model.call(ids);
        Assert.True(logits.allclose(hidden.matmul(loaded.Model.EmbedWeight.t()), rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void Missing_or_misshapen_tensors_are_reported_by_name()
    {
        using var dir = new TempDir();
        using var model = new LlamaForCausalLM(Gqa, seed: 1);
        var all = LlamaCheckpoint.Snapshot(model);
        var meta = new Dictionary<string, string> { [LlamaCheckpoint.ConfigMetadataKey] = Gqa.ToJson() };

        SafetensorsWriter.WriteFile(dir.File("missing.safetensors"),
            all.Where(t => t.Name != "model.norm.weight").Select(t => SafetensorsTensorSource.FromBytes(t.Name, DType.F32, t.Shape, t.Bytes)).ToList(), meta);
        var e = Assert.Throws<ShiraException>(() => LlamaCheckpoint.Load(dir.File("missing.safetensors")));
        Assert.Equal(ShiraErrorCode.SafetensorsTensorNotFound, e.Code);
        Assert.Contains("model.norm.weight", e.Message);

        var wrong = Gqa with { IntermediateSize = 64 };
        var e2 = Assert.Throws<ShiraException>(() => LlamaCheckpoint.Load(dir.File("missing.safetensors"), wrong));
        Assert.Equal(ShiraErrorCode.BaseShapeMismatch, e2.Code);
        Assert.Contains("mlp", e2.Message);
    }

    [Fact]
    public void Config_reads_hugging_face_fields_and_rejects_bad_shapes()
    {
        var c = LlamaConfig.FromJson("""
            {"vocab_size": 32000, "hidden_size": 2048, "intermediate_size": 5632, "num_hidden_layers": 22,
             "num_attention_heads": 32, "num_key_value_heads": 4, "rms_norm_eps": 1e-05, "rope_theta": 10000.0,
             "tie_word_embeddings": false}
            """);
        Assert.Equal(32000, c.VocabSize);
        Assert.Equal(4, c.NumKeyValueHeads);
        Assert.Equal(64, c.HeadDim);
        Assert.Equal(1e-5, c.RmsNormEps);
        Assert.Equal(c, LlamaConfig.FromJson(c.ToJson()));
        Assert.Equal(ShiraErrorCode.ModelConfigMalformed, Assert.Throws<ShiraException>(() =>
            LlamaConfig.FromJson("""{"num_attention_heads": 6, "num_key_value_heads": 4}""")).Code);
        Assert.Equal(ShiraErrorCode.ModelConfigMalformed, Assert.Throws<ShiraException>(() => LlamaConfig.FromJson("[1]")).Code);
        Assert.Equal(ShiraErrorCode.ModelConfigMalformed, Assert.Throws<ShiraException>(() => LlamaConfig.FromJson("{")).Code);
    }
}
