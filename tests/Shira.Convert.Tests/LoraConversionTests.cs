using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;
using Xunit.Abstractions;

namespace Shira.Convert.Tests;

public class LoraConversionTests(ITestOutputHelper output)
{
    public static TheoryData<string, string> Fp32Cases => new()
    {
        { "llama_tiny/lora", "llama_tiny/base/model.safetensors" },
        { "llama_tiny/lora_rslora", "llama_tiny/base/model.safetensors" },
        { "llama_tiny/lora_pattern", "llama_tiny/base/model.safetensors" },
        { "llama_tiny/lora_dora", "llama_tiny/base/model.safetensors" },
        { "gpt2_tiny/lora_fan_in_fan_out", "gpt2_tiny/base/model.safetensors" },
    };

    [Theory]
    [MemberData(nameof(Fp32Cases))]
    public void Density_one_merges_to_PEFTs_fp32_result_within_rounding(string adapter, string basePath)
    {
        using var dir = new TempDir();
        string a = Path.Combine(RepoPaths.Peft, adapter), b = Path.Combine(RepoPaths.Peft, basePath);
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(a, shira, new ConvertOptions { BasePath = b, Mode = SparsifyMode.Density, Density = 1 });
        Assert.All(report.Tensors, t => Assert.Equal(t.Numel, t.Nnz));
        Assert.Equal(0, report.RelativeError);
        var merged = Fixtures.Apply(dir, b, shira);
        var (maxRel, differ, total) = Fixtures.Compare(Path.Combine(a, "merged.safetensors"), merged);
        output.WriteLine($"{adapter}: {differ}/{total} entries differ from PEFT's merge, max |diff| / max|W| = {maxRel:E3}");
        Assert.True(maxRel <= 1e-6, $"max relative difference {maxRel}");
        // Stronger than the fixture's documented tolerance: B·A with in-order FMAs and DoRA's 8-lane norm reproduce
        // PEFT's (OpenBLAS, AVX2) arithmetic exactly; a change in summation order shows up here first.
        Assert.Equal(0, differ);
    }

    [Theory]
    [InlineData("lora", ".bf16", "merged.bf16.safetensors")]
    [InlineData("lora", ".fp16", "merged.fp16.safetensors")]
    [InlineData("lora_dora", ".bf16", "merged.bf16.safetensors")]
    [InlineData("lora_dora", ".fp16", "merged.fp16.safetensors")]
    public void Density_one_on_a_half_precision_base_matches_PEFT_to_one_ulp(string adapter, string suffix, string mergedName)
    {
        using var dir = new TempDir();
        string a = Fixtures.Llama(adapter), b = Fixtures.LlamaBase(suffix);
        string shira = dir.File("a.shira");
        PeftConverter.Convert(a, shira, new ConvertOptions { BasePath = b, Mode = SparsifyMode.Density, Density = 1 });
        var merged = Fixtures.Apply(dir, b, shira);
        var (over, differ, total) = Fixtures.CompareHalf(Path.Combine(a, mergedName), merged, ulps: 1);
        output.WriteLine($"{adapter}{suffix}: {differ}/{total} entries differ by 1 ulp from PEFT's merge, {over} by more");
        Assert.Equal(0, over);
        // PEFT computes low(f32(W_low) + delta) (DoRA: low(W')); the same f32 arithmetic gives the same bits.
        Assert.Equal(0, differ);
    }

    [Fact]
    public void DoRA_kept_positions_get_PEFTs_merged_values_and_the_rest_stays_base()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(Fixtures.Llama("lora_dora"), shira, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        Assert.All(report.Tensors, t => Assert.Equal(Semantics.Replace, t.Semantics));
        using var merged = SafetensorsFile.Open(Fixtures.Apply(dir, Fixtures.LlamaBase(), shira));
        using var peft = SafetensorsFile.Open(Path.Combine(Fixtures.Llama("lora_dora"), "merged.safetensors"));
        using var basis = SafetensorsFile.Open(Fixtures.LlamaBase());
        using var reader = ShiraReader.Open(shira);
        foreach (var t in reader.Tensors)
        {
            var idx = new long[t.Nnz];
            reader.ReadIndices(t, idx);
            var kept = new HashSet<long>(idx);
            var (m, p, b) = (merged.ReadSingles(t.Name), peft.ReadSingles(t.Name), basis.ReadSingles(t.Name));
            for (int i = 0; i < m.Length; i++) Assert.Equal(kept.Contains(i) ? p[i] : b[i], m[i]);
        }
        // With narrow values DoRA is stored as deltas.
        var narrow = PeftConverter.Convert(Fixtures.Llama("lora_dora"), dir.File("n.shira"), new ConvertOptions { BasePath = Fixtures.LlamaBase(), ValueDType = Format.ValueDType.BF16 });
        Assert.All(narrow.Tensors, t => Assert.Equal(Semantics.Add, t.Semantics));
    }

    [Fact]
    public void Budget_lora_keeps_r_times_in_plus_out_per_module_with_rank_pattern()
    {
        using var dir = new TempDir();
        var report = PeftConverter.Convert(Fixtures.Llama("lora_pattern"), dir.File("a.shira"), new ConvertOptions { Mode = SparsifyMode.LoraBudget });
        Assert.Equal(14, report.Tensors.Count);
        foreach (var t in report.Tensors)
        {
            int r = t.Tensor == "model.layers.0.self_attn.q_proj.weight" ? 4 : 8;
            Assert.Equal(r, t.Rank);
            Assert.Equal(r * (t.Shape[0] + t.Shape[1]), t.Nnz);
            Assert.InRange(t.EnergyKept, 0, 1);
            Assert.True(t.RelativeError > 0 && t.RelativeError < 1);
            // Energy and error are two views of the same dropped mass (f32 values: no rounding loss).
            Assert.Equal(1 - t.EnergyKept, t.RelativeError * t.RelativeError, 6);
        }
        // alpha_pattern: down_proj of layer 1 has alpha 32, so scaling 4 instead of 2.
        Assert.Equal(4, report.Tensors.Single(t => t.Tensor == "model.layers.1.mlp.down_proj.weight").Scaling);
        Assert.Equal(2, report.Tensors.Single(t => t.Tensor == "model.layers.0.mlp.down_proj.weight").Scaling);
        Assert.Equal(4, report.Tensors.Single(t => t.Tensor == "model.layers.0.self_attn.q_proj.weight").Scaling);
    }

    [Theory]
    [InlineData(0.5)]
    [InlineData(0.9)]
    [InlineData(0.99)]
    public void Energy_mode_keeps_at_least_the_requested_energy(double energy)
    {
        using var dir = new TempDir();
        var report = PeftConverter.Convert(Fixtures.Llama("lora"), dir.File("a.shira"), new ConvertOptions { Mode = SparsifyMode.Energy, Energy = energy });
        Assert.All(report.Tensors, t => Assert.True(t.EnergyKept >= energy, $"{t.Tensor}: {t.EnergyKept}"));
        Assert.True(report.EnergyKept >= energy);
        Assert.True(report.TotalNnz < report.TotalNumel);
    }

    [Fact]
    public void Smaller_density_never_lowers_the_error()
    {
        using var dir = new TempDir();
        double previous = -1;
        foreach (var d in new[] { 1.0, 0.5, 0.2, 0.05, 0.01 })
        {
            var report = PeftConverter.Convert(Fixtures.Llama("lora"), dir.File($"{d}.shira"), new ConvertOptions { Mode = SparsifyMode.Density, Density = d });
            Assert.All(report.Tensors, t => Assert.Equal(DeltaSelection.CountForDensity(d, t.Numel), t.Nnz));
            Assert.True(report.RelativeError >= previous);
            previous = report.RelativeError;
        }
        Assert.True(previous > 0);
    }

    [Theory]
    [InlineData("bf16")]
    [InlineData("f16")]
    public void Narrow_values_are_stored_in_the_chosen_type_and_the_rounding_is_reported(string type)
    {
        using var dir = new TempDir();
        var vt = type == "bf16" ? Format.ValueDType.BF16 : Format.ValueDType.F16;
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(Fixtures.Llama("lora"), shira, new ConvertOptions { Mode = SparsifyMode.Density, Density = 1, ValueDType = vt });
        Assert.True(report.RelativeError > 0 && report.RelativeError < (vt == Format.ValueDType.BF16 ? 4e-3 : 5e-4));
        using var reader = ShiraReader.Open(shira);
        Assert.All(reader.Tensors, t => Assert.Equal(vt, t.ValueDType));
    }

    [Fact]
    public void Without_a_base_plain_lora_converts_with_shapes_from_A_and_B()
    {
        using var dir = new TempDir();
        string a = dir.File("a.shira"), b = dir.File("b.shira");
        var noBase = PeftConverter.Convert(Fixtures.Gpt2("lora_fan_in_fan_out"), a, new ConvertOptions());
        PeftConverter.Convert(Fixtures.Gpt2("lora_fan_in_fan_out"), b, new ConvertOptions { BasePath = Fixtures.Gpt2("base/model.safetensors") });
        Assert.Contains(noBase.Notes, n => n.Contains("no --base", StringComparison.Ordinal));
        // Conv1D stores [in, out]: c_attn is 64 -> 192, so the target is [64, 192].
        Assert.Equal([64L, 192L], noBase.Tensors.Single(t => t.Tensor == "transformer.h.0.attn.c_attn.weight").Shape);
        using var ra = ShiraReader.Open(a);
        using var rb = ShiraReader.Open(b);
        Assert.Equal(ra.Tensors.Select(t => (t.Name, t.Nnz)), rb.Tensors.Select(t => (t.Name, t.Nnz)));
    }
}
