using Shira.Convert.Peft;
using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

public class KeyNameTests
{
    [Theory]
    [InlineData("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj", "LoraA", null, "model.layers.0.self_attn.q_proj.weight")]
    [InlineData("model.layers.0.self_attn.q_proj.lora_B.weight", "model.layers.0.self_attn.q_proj", "LoraB", null, "model.layers.0.self_attn.q_proj.weight")]
    [InlineData("base_model.model.h.0.c_attn.lora_A.default.weight", "h.0.c_attn", "LoraA", "default", "h.0.c_attn.weight")]
    [InlineData("base_model.model.h.0.c_attn.lora_B.bias", "h.0.c_attn", "LoraBBias", null, "h.0.c_attn.bias")]
    [InlineData("base_model.model.wte.lora_embedding_A", "wte", "EmbeddingA", null, "wte.weight")]
    [InlineData("base_model.model.wte.lora_embedding_B.default", "wte", "EmbeddingB", "default", "wte.weight")]
    [InlineData("base_model.model.x.lora_magnitude_vector", "x", "Magnitude", null, "x.weight")]
    [InlineData("base_model.model.x.lora_magnitude_vector.default.weight", "x", "Magnitude", "default", "x.weight")]
    [InlineData("base_model.model.x.shira_indices", "x", "ShiraIndices", null, "x.weight")]
    [InlineData("base_model.model.score.weight", "score", "Dense", null, "score.weight")]
    [InlineData("base_model.model.classifier.modules_to_save.default.bias", "classifier", "Dense", "default", "classifier.bias")]
    [InlineData("base_model.model.pre_classifier.bias", "pre_classifier", "Dense", null, "pre_classifier.bias")]
    public void Keys_map_to_modules_and_base_tensor_names(string key, string module, string role, string? adapter, string target)
    {
        var k = PeftKey.Parse(key, "f");
        Assert.Equal(module, k.Module);
        Assert.Equal(role, k.Role.ToString());
        Assert.Equal(adapter, k.AdapterName);
        Assert.Equal(target, k.Target);
    }

    [Theory]
    [InlineData("base_model.model.lora_A.weight")]
    [InlineData("base_model.model.x.lora_A.bias")]
    [InlineData("base_model.model.x.lora_A.a.b.weight")]
    public void Uninterpretable_keys_are_PeftBadTensors(string key) =>
        Assert.Equal(ShiraErrorCode.PeftBadTensors, Assert.Throws<ShiraException>(() => PeftKey.Parse(key, "f")).Code);

    [Fact]
    public void Adapter_name_and_missing_prefix_convert_to_the_same_file()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "lora");
        Fixtures.RewriteWeights(copy, (t, b) => SafetensorsTensorSource.FromBytes(
            t.Name.Replace("base_model.model.", "", StringComparison.Ordinal).Replace(".weight", ".default.weight", StringComparison.Ordinal), t.DType, t.Shape, b));
        string a = dir.File("a.shira"), c = dir.File("c.shira");
        PeftConverter.Convert(Fixtures.Llama("lora"), a);
        PeftConverter.Convert(copy, c);
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(c));
    }

    [Fact]
    public void Two_adapter_names_in_one_file_are_refused()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "lora");
        Fixtures.RewriteWeights(copy, (t, b) => SafetensorsTensorSource.FromBytes(
            t.Name.Replace(".weight", t.Name.Contains("layers.0", StringComparison.Ordinal) ? ".one.weight" : ".two.weight", StringComparison.Ordinal), t.DType, t.Shape, b));
        var e = Assert.Throws<ShiraException>(() => PeftConverter.Convert(copy, dir.File("x.shira")));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, e.Code);
    }
}
