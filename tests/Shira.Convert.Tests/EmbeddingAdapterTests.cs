using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Runtime;
using Shira.Testing;
using static Shira.Convert.Tests.PeftBuilder;

namespace Shira.Convert.Tests;

/// <summary>
/// The chat-template recipe: LoRA on the embedding (so PEFT's save_embedding_layers also saves the embedding's base
/// weight as <c>…embed_tokens.base_layer.weight</c>) plus <c>lm_head</c> in modules_to_save. The base_layer copy maps
/// to the base tensor it copies and adds nothing when it equals the base; a copy of another shape (resized
/// vocabulary) or other values is refused with a message naming the tensor and what differs.
/// </summary>
public class EmbeddingAdapterTests
{
    private const int Vocab = 12, Dim = 8, R = 2;
    private const string Config = """
        {"peft_type":"LORA","r":2,"lora_alpha":4,"target_modules":["embed_tokens","q_proj"],"modules_to_save":["lm_head"],
         "task_type":"CAUSAL_LM","base_model_name_or_path":"tiny-chat","peft_version":"0.20.0"}
        """;

    private static readonly float[] Embed = Random(1, Vocab * Dim, 1);
    private static readonly float[] Q = Random(2, Dim * Dim, 1);
    private static readonly float[] Head = Random(3, Vocab * Dim, 1);
    private static readonly float[] NewHead = Random(4, Vocab * Dim, 1);

    private static string MakeBase(TempDir dir, int vocab = Vocab, bool bf16 = false)
    {
        var embed = vocab == Vocab ? Embed : Random(1, vocab * Dim, 1);
        var head = vocab == Vocab ? Head : Random(3, vocab * Dim, 1);
        Func<string, IReadOnlyList<long>, float[], SafetensorsTensorSource> make = bf16 ? BF16 : F32;
        return Base(dir, $"base{vocab}{(bf16 ? ".bf16" : "")}.safetensors",
            make("lm_head.weight", [vocab, Dim], head),
            make("model.embed_tokens.weight", [vocab, Dim], embed),
            make("model.layers.0.self_attn.q_proj.weight", [Dim, Dim], Q));
    }

    private static string MakeAdapter(TempDir dir, float[]? copy = null, int copyVocab = Vocab, bool zeroEmbeddingB = false,
        bool extraModulesToSaveKeys = false)
    {
        var tensors = new List<SafetensorsTensorSource>
        {
            F32("base_model.model.lm_head.weight", [Vocab, Dim], NewHead),
            F32("base_model.model.model.embed_tokens.base_layer.weight", [copyVocab, Dim], copy ?? Embed),
            F32("base_model.model.model.embed_tokens.lora_embedding_A", [R, Vocab], Random(5, R * Vocab)),
            F32("base_model.model.model.embed_tokens.lora_embedding_B", [Dim, R], zeroEmbeddingB ? new float[Dim * R] : Random(6, Dim * R)),
            F32("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [R, Dim], Random(7, R * Dim)),
            F32("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", [Dim, R], Random(8, Dim * R)),
        };
        if (extraModulesToSaveKeys)
        {
            // save_embedding_layers on a wrapped lm_head also keeps these two keys.
            tensors.Add(F32("base_model.model.lm_head.modules_to_save.weight", [Vocab, Dim], NewHead));
            tensors.Add(F32("base_model.model.lm_head.original_module.weight", [Vocab, Dim], Head));
        }
        return Folder(dir, "adapter", Config, [.. tensors]);
    }

    private static ConvertOptions Dense(string? basePath) => new() { BasePath = basePath, Mode = SparsifyMode.Density, Density = 1 };

    [Fact]
    public void Base_layer_copy_maps_to_the_base_tensor_and_the_merge_is_PEFTs()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir), shira = dir.File("a.shira");
        PeftConverter.Convert(MakeAdapter(dir), shira, Dense(basePath));
        using (var r = ShiraReader.Open(shira))
        {
            Assert.Equal(["lm_head.weight", "model.embed_tokens.weight", "model.layers.0.self_attn.q_proj.weight"], r.Tensors.Select(t => t.Name));
            Assert.Equal(Semantics.Replace, r.Tensors[0].Semantics);
            Assert.Equal(Semantics.Add, r.Tensors[1].Semantics);
            Assert.Contains(r.Metadata.BaseFingerprint, f => f.Name == "model.embed_tokens.weight" && f.Shape.SequenceEqual([Vocab, Dim]));
            Assert.Equal("CAUSAL_LM", r.Metadata.Parameters["task_type"]);
        }
        using var merged = SafetensorsFile.Open(Fixtures.Apply(dir, basePath, shira));
        Assert.Equal(NewHead, merged.ReadSingles("lm_head.weight"));
        // PEFT's embedding LoRA: W + (B·A)ᵀ · alpha/r, evaluated here in double.
        var a = Random(5, R * Vocab);
        var b = Random(6, Dim * R);
        var e = merged.ReadSingles("model.embed_tokens.weight");
        for (int n = 0; n < Vocab; n++)
            for (int d = 0; d < Dim; d++)
            {
                double s = 0;
                for (int k = 0; k < R; k++) s += (double)b[d * R + k] * a[k * Vocab + n];
                Assert.Equal(Embed[n * Dim + d] + 2 * s, e[n * Dim + d], 5);
            }
    }

    [Fact]
    public void A_copy_equal_to_the_base_adds_nothing()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir), shira = dir.File("a.shira");
        // An untrained embedding LoRA (lora_embedding_B = 0): the only embed tensor left is the base_layer copy.
        var report = PeftConverter.Convert(MakeAdapter(dir, zeroEmbeddingB: true), shira, Dense(basePath));
        using var r = ShiraReader.Open(shira);
        Assert.DoesNotContain(r.Tensors, t => t.Name.Contains("embed_tokens", StringComparison.Ordinal));
        Assert.Equal(0, report.Tensors.Single(t => t.Tensor == "model.embed_tokens.weight").Nnz);
    }

    [Fact]
    public void A_bf16_base_of_the_same_model_matches_an_f32_copy()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir, bf16: true);
        PeftConverter.Convert(MakeAdapter(dir), dir.File("a.shira"), Dense(basePath));
    }

    [Fact]
    public void Resized_vocabulary_is_refused_naming_the_tensor_and_both_shapes()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir, vocab: 10);
        var e = Assert.Throws<ShiraException>(() =>
            PeftConverter.Convert(MakeAdapter(dir), dir.File("a.shira"), Dense(basePath)));
        Assert.Equal(ShiraErrorCode.PeftBaseMismatch, e.Code);
        Assert.Contains("model.embed_tokens.base_layer.weight", e.Message);
        Assert.Contains("[12, 8]", e.Message);
        Assert.Contains("[10, 8]", e.Message);
        Assert.Contains("resized vocabulary", e.Message);
        Assert.False(File.Exists(dir.File("a.shira")));
    }

    [Fact]
    public void A_copy_with_other_values_is_refused_with_the_count_and_first_difference()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir);
        var other = (float[])Embed.Clone();
        other[17] += 0.5f;
        other[40] -= 0.25f;
        var e = Assert.Throws<ShiraException>(() =>
            PeftConverter.Convert(MakeAdapter(dir, copy: other), dir.File("a.shira"), Dense(basePath)));
        Assert.Equal(ShiraErrorCode.PeftBaseMismatch, e.Code);
        Assert.Contains("2 of 96 elements", e.Message);
        Assert.Contains("element 17", e.Message);
    }

    [Fact]
    public void Without_a_base_the_copy_is_fingerprinted_by_shape_and_reported_as_unchecked()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(MakeAdapter(dir), shira, Dense(null));
        var w = Assert.Single(report.Warnings);
        Assert.Equal(ConversionWarning.UncheckedBaseCopy, w.Kind);
        Assert.Equal("model.embed_tokens.weight", w.Tensor);
        using (var r = ShiraReader.Open(shira))
        {
            var fp = Assert.Single(r.Metadata.BaseFingerprint);
            Assert.Equal(("model.embed_tokens.weight", null), (fp.Name, fp.ContentHash));
            Assert.Equal([Vocab, Dim], fp.Shape);
            Assert.Equal("unknown", r.Metadata.Parameters["base_dtype"]);
        }
        // Applies to the base it was trained on; a base of another vocabulary size is refused. The lm_head replacement
        // binds the adapter to the dtype it was recorded for (F32 without --base): convert against a bf16 base for bf16.
        Fixtures.Apply(dir, MakeBase(dir), shira, "ok.safetensors");
        var bound = Assert.Throws<ShiraException>(() => Fixtures.Apply(dir, MakeBase(dir, bf16: true), shira, "bf16.safetensors"));
        Assert.Equal(ShiraErrorCode.BaseDTypeMismatch, bound.Code);
        Assert.Contains("lm_head.weight", bound.Message);
        var e = Assert.Throws<ShiraException>(() => Fixtures.Apply(dir, MakeBase(dir, vocab: 10), shira, "bad.safetensors"));
        Assert.True(e.Code is ShiraErrorCode.BaseShapeMismatch or ShiraErrorCode.BaseFingerprintMismatch, e.Code.ToString());
    }

    [Fact]
    public void Modules_to_save_saved_under_several_keys_is_one_replacement()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir), shira = dir.File("a.shira");
        PeftConverter.Convert(MakeAdapter(dir, extraModulesToSaveKeys: true), shira, Dense(basePath));
        using var r = ShiraReader.Open(shira);
        var head = r.Tensors.Single(t => t.Name == "lm_head.weight");
        Assert.Equal((Semantics.Replace, (long)Vocab * Dim), (head.Semantics, head.Nnz));
        Assert.DoesNotContain(r.Tensors, t => t.Name.Contains("modules_to_save", StringComparison.Ordinal) || t.Name.Contains("original_module", StringComparison.Ordinal));
    }

    [Fact]
    public void A_resized_modules_to_save_head_names_the_resized_vocabulary()
    {
        using var dir = new TempDir();
        string basePath = MakeBase(dir, vocab: 10);
        string adapter = Folder(dir, "head-only", """{"peft_type":"LORA","r":2,"lora_alpha":4,"target_modules":["q_proj"],"modules_to_save":["lm_head"]}""",
            F32("base_model.model.lm_head.weight", [Vocab, Dim], NewHead),
            F32("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", [R, Dim], Random(7, R * Dim)),
            F32("base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight", [Dim, R], Random(8, Dim * R)));
        var e = Assert.Throws<ShiraException>(() => PeftConverter.Convert(adapter, dir.File("a.shira"), Dense(basePath)));
        Assert.Equal(ShiraErrorCode.BaseShapeMismatch, e.Code);
        Assert.Contains("resized vocabulary", e.Message);
    }

    [Fact]
    public void With_bias_all_a_base_layer_bias_is_the_trained_bias_and_replaces_the_base()
    {
        using var dir = new TempDir();
        var baseBias = Random(20, Dim, 1);
        var trained = Random(21, Dim, 1);
        string basePath = Base(dir, "b.safetensors", F32("m.q.bias", [Dim], baseBias), F32("m.q.weight", [Dim, Dim], Q));
        string adapter = Folder(dir, "bias-all", """{"peft_type":"LORA","r":2,"lora_alpha":4,"bias":"all","target_modules":["q"]}""",
            F32("base_model.model.m.q.base_layer.bias", [Dim], trained),
            F32("base_model.model.m.q.lora_A.weight", [R, Dim], Random(7, R * Dim)),
            F32("base_model.model.m.q.lora_B.weight", [Dim, R], Random(8, Dim * R)));
        string shira = dir.File("a.shira");
        PeftConverter.Convert(adapter, shira, Dense(basePath));
        using var merged = SafetensorsFile.Open(Fixtures.Apply(dir, basePath, shira));
        Assert.Equal(trained, merged.ReadSingles("m.q.bias"));

        // With bias "none" the same key can only be a copy of the base, and this one is not.
        Fixtures.SetConfig(adapter, "bias", "\"none\"");
        var e = Assert.Throws<ShiraException>(() => PeftConverter.Convert(adapter, dir.File("b.shira"), Dense(basePath)));
        Assert.Equal(ShiraErrorCode.PeftBaseMismatch, e.Code);
    }
}
