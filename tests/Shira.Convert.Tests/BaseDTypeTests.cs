using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime;
using Shira.Testing;

namespace Shira.Convert.Tests;

/// <summary>
/// Converted additive adapters are not bound to the dtype of the base they were made against: a PEFT SHiRA adapter
/// converted without a base, or a LoRA converted against the f32 base, merges into the bf16 and fp16 copies exactly as
/// PEFT merges it there (PEFT's own merged.bf16/.fp16 fixtures, bit for bit).
/// </summary>
public class BaseDTypeTests
{
    [Theory]
    [InlineData("", "merged.safetensors", DType.F32)]
    [InlineData(".bf16", "merged.bf16.safetensors", DType.BF16)]
    [InlineData(".fp16", "merged.fp16.safetensors", DType.F16)]
    public void Shira_converted_without_a_base_merges_into_every_float_copy_like_PEFT(string suffix, string merged, DType dtype)
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Fixtures.Llama("shira"), shira);
        using (var r = ShiraReader.Open(shira))
        {
            Assert.Equal("unknown", r.Metadata.Parameters["base_dtype"]);
            Assert.Empty(r.Metadata.BaseFingerprint);
        }
        string output = dir.File("out.safetensors");
        var merge = AdapterMerge.ApplyToCopy(Fixtures.LlamaBase(suffix), [(shira, 1f)], output);
        Assert.Equal([dtype], merge.Adapters[0].RoundedInto);
        Fixtures.AssertBitIdentical(Path.Combine(Fixtures.Llama("shira"), merged), output);
    }

    [Theory]
    [InlineData(".bf16", "merged.bf16.safetensors", DType.BF16)]
    [InlineData(".fp16", "merged.fp16.safetensors", DType.F16)]
    public void Lora_converted_against_the_f32_base_applies_in_place_on_a_half_precision_copy_like_PEFT(string suffix, string merged, DType dtype)
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Fixtures.Llama("lora"), shira,
            new ConvertOptions { BasePath = Fixtures.LlamaBase(), Mode = SparsifyMode.Density, Density = 1 });
        string copy = dir.File("base.safetensors");
        File.Copy(Fixtures.LlamaBase(suffix), copy);
        using (var model = BaseModel.Open(copy, BaseOpenMode.InPlace))
        using (var reader = ShiraReader.Open(shira))
            Assert.Equal([dtype], model.Apply(reader).RoundedInto);
        Fixtures.AssertBitIdentical(Path.Combine(Fixtures.Llama("lora"), merged), copy);
    }

    [Fact]
    public void Dora_converted_against_the_f32_base_is_a_replacement_and_stays_bound_to_f32()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Fixtures.Llama("lora_dora"), shira,
            new ConvertOptions { BasePath = Fixtures.LlamaBase(), Mode = SparsifyMode.Density, Density = 1 });
        var e = Assert.Throws<ShiraException>(() => Fixtures.Apply(dir, Fixtures.LlamaBase(".bf16"), shira));
        Assert.Equal(ShiraErrorCode.BaseDTypeMismatch, e.Code);
    }
}
