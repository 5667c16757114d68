using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

public class RefusalTests
{
    private static ShiraException Refuse(string adapter, string? basePath, TempDir dir)
    {
        string output = dir.File("x.shira");
        var e = Assert.Throws<ShiraException>(() => PeftConverter.Convert(adapter, output, new ConvertOptions { BasePath = basePath }));
        Assert.False(File.Exists(output));
        return e;
    }

    [Fact]
    public void Pickle_weights_are_refused_with_a_reason()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "pickled");
        File.Move(Path.Combine(copy, "adapter_model.safetensors"), Path.Combine(copy, "adapter_model.bin"));
        var e = Refuse(copy, null, dir);
        Assert.Equal(ShiraErrorCode.PeftMissingFiles, e.Code);
        Assert.Contains("pickle", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_path_is_an_IoError_and_a_folder_without_config_PeftMissingFiles()
    {
        using var dir = new TempDir();
        Assert.Equal(ShiraErrorCode.IoError, Refuse(dir.File("nope"), null, dir).Code);
        File.WriteAllText(dir.File("file.txt"), "x");
        Assert.Equal(ShiraErrorCode.PeftMissingFiles, Refuse(dir.File("file.txt"), null, dir).Code);
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "noconfig");
        File.Delete(Path.Combine(copy, "adapter_config.json"));
        Assert.Equal(ShiraErrorCode.PeftMissingFiles, Refuse(copy, null, dir).Code);
    }

    [Theory]
    [InlineData("peft_type", "\"VERA\"")]
    [InlineData("init_lora_weights", "\"pissa\"")]
    [InlineData("init_lora_weights", "\"olora\"")]
    [InlineData("init_lora_weights", "\"corda\"")]
    [InlineData("init_lora_weights", "\"loftq\"")]
    [InlineData("loftq_config", """{"loftq_bits":4,"loftq_iter":1}""")]
    public void Unknown_types_and_base_mutating_inits_are_refused(string key, string value)
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "a");
        Fixtures.SetConfig(copy, key, value);
        Assert.Equal(ShiraErrorCode.PeftUnsupported, Refuse(copy, null, dir).Code);
    }

    [Fact]
    public void A_target_missing_from_the_base_is_BaseTensorMissing()
    {
        using var dir = new TempDir();
        var e = Refuse(Fixtures.Llama("lora"), Fixtures.Gpt2("base/model.safetensors"), dir);
        Assert.Equal(ShiraErrorCode.BaseTensorMissing, e.Code);
        Assert.NotNull(e.Tensor);
    }

    [Fact]
    public void A_shape_that_disagrees_with_the_base_is_BaseShapeMismatch()
    {
        using var dir = new TempDir();
        // Without fan_in_fan_out the Conv1D deltas come out [out, in], which the [in, out] base weights contradict.
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Gpt2("lora_fan_in_fan_out"), "nofifo");
        Fixtures.SetConfig(copy, "fan_in_fan_out", "false");
        var e = Refuse(copy, Fixtures.Gpt2("base/model.safetensors"), dir);
        Assert.Equal(ShiraErrorCode.BaseShapeMismatch, e.Code);
    }

    [Fact]
    public void DoRA_without_a_base_is_BaseRequired()
    {
        using var dir = new TempDir();
        Assert.Equal(ShiraErrorCode.BaseRequired, Refuse(Fixtures.Llama("lora_dora"), null, dir).Code);
    }

    [Fact]
    public void A_rank_pattern_that_contradicts_the_tensors_is_PeftBadTensors()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "a");
        Fixtures.SetConfig(copy, "rank_pattern", """{"q_proj":4}""");
        Assert.Equal(ShiraErrorCode.PeftBadTensors, Refuse(copy, null, dir).Code);
    }

    [Fact]
    public void A_lone_lora_A_is_PeftBadTensors()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "a");
        Fixtures.RewriteWeights(copy, (t, b) => t.Name.EndsWith("layers.0.mlp.up_proj.lora_B.weight", StringComparison.Ordinal)
            ? null : SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, b));
        Assert.Equal(ShiraErrorCode.PeftBadTensors, Refuse(copy, null, dir).Code);
    }

    [Fact]
    public void Adapter_parts_of_other_methods_are_refused()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "a");
        Fixtures.RewriteWeights(copy, (t, b) => SafetensorsTensorSource.FromBytes(
            t.Name.Replace("lora_A.weight", "lora_E", StringComparison.Ordinal), t.DType, t.Shape, b));
        Assert.Equal(ShiraErrorCode.PeftUnsupported, Refuse(copy, null, dir).Code);
    }

    [Fact]
    public void Bad_options_are_usage_errors()
    {
        using var dir = new TempDir();
        // A caller's mistake, not bad data: an argument exception (the CLI reports it as usage, exit 2).
        Assert.ThrowsAny<ArgumentException>(() => PeftConverter.Convert(Fixtures.Llama("lora"), dir.File("x.shira"),
            new ConvertOptions { Mode = SparsifyMode.Density, Density = 0 }));
    }
}
