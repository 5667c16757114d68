using Shira.Convert.Selection;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;
using static Shira.Convert.Tests.PeftBuilder;

namespace Shira.Convert.Tests;

/// <summary>
/// LoRA → SHiRA at the default budget says when it is lossy (relative error &gt; 0.5: one warning with what
/// <c>--energy 0.9</c> would cost), and no conversion stores an entry whose value is exactly zero.
/// </summary>
public class LossyBudgetTests
{
    private const int N = 64;

    /// <summary>A rank-1 LoRA on a 64×64 weight: the default budget keeps r·(in+out) = 128 of 4096 entries of a dense
    /// product, which loses most of its energy.</summary>
    private static string RankOne(TempDir dir, string name, float[]? b = null) =>
        Folder(dir, name, """{"peft_type":"LORA","r":1,"lora_alpha":1,"target_modules":["q"]}""",
            F32("base_model.model.m.q.lora_A.weight", [1, N], Random(11, N, 1)),
            F32("base_model.model.m.q.lora_B.weight", [N, 1], b ?? Random(12, N, 1)));

    [Fact]
    public void A_lossy_default_budget_warns_once_with_the_cost_of_energy_point_nine()
    {
        using var dir = new TempDir();
        string adapter = RankOne(dir, "r1");
        var report = PeftConverter.Convert(adapter, dir.File("a.shira"));
        Assert.True(report.RelativeError > 0.5, report.RelativeError.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var w = Assert.Single(report.Warnings);
        Assert.Equal(ConversionWarning.LossyBudget, w.Kind);
        Assert.Contains("--energy 0.9", w.Message);
        Assert.DoesNotContain('\n', w.Message);
        Assert.Equal(report.RelativeError, w.Figures["relative_error"]);

        // The figure is what --energy 0.9 really stores, measured by converting with it.
        var energy = PeftConverter.Convert(adapter, dir.File("e.shira"), new ConvertOptions { Mode = SparsifyMode.Energy, Energy = 0.9 });
        Assert.Equal(energy.TotalNnz, (long)w.Figures["energy_0.9_entries"]);
        Assert.True(energy.EnergyKept >= 0.9);
        double ratio = w.Figures["energy_0.9_bytes_estimate"] / energy.OutputBytes;
        Assert.InRange(ratio, 0.5, 2.0);
        Assert.Empty(energy.Warnings);
    }

    [Fact]
    public void A_default_budget_that_keeps_the_delta_does_not_warn()
    {
        using var dir = new TempDir();
        // B with one non-zero row: the delta is one row of 64 entries, within the budget of 128.
        var b = new float[N];
        b[5] = 0.75f;
        var report = PeftConverter.Convert(RankOne(dir, "row", b), dir.File("a.shira"));
        Assert.Equal(0, report.RelativeError, 12);
        Assert.Empty(report.Warnings);
        Assert.Equal(N, report.TotalNnz);
    }

    [Fact]
    public void An_all_zero_lora_B_stores_nothing_and_no_conversion_stores_a_zero()
    {
        using var dir = new TempDir();
        string adapter = Fixtures.CopyAdapter(dir, Fixtures.Llama("lora"), "zeroB");
        const string zeroed = "base_model.model.model.layers.0.self_attn.q_proj.lora_B.weight";
        Fixtures.RewriteWeights(adapter, (t, bytes) =>
            SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, t.Name == zeroed ? new byte[bytes.Length] : bytes));
        foreach (var options in new[]
        {
            new ConvertOptions(),
            new ConvertOptions { Mode = SparsifyMode.Density, Density = 1 },
            new ConvertOptions { Mode = SparsifyMode.Energy, Energy = 0.99 },
            new ConvertOptions { Mode = SparsifyMode.Density, Density = 1, ValueDType = ValueDType.BF16 },
        })
        {
            string shira = dir.File(Guid.NewGuid().ToString("N") + ".shira");
            var report = PeftConverter.Convert(adapter, shira, options);
            Assert.Equal(0, report.Tensors.Single(t => t.Tensor == "model.layers.0.self_attn.q_proj.weight").Nnz);
            Assert.Contains(report.Notes, n => n.StartsWith("model.layers.0.self_attn.q_proj.weight: the delta is zero", StringComparison.Ordinal));
            using var r = ShiraReader.Open(shira);
            Assert.DoesNotContain(r.Tensors, t => t.Name == "model.layers.0.self_attn.q_proj.weight");
            Assert.Equal(13, r.Tensors.Count);
            foreach (var t in r.Tensors)
            {
                var v = new float[t.Nnz];
                r.ReadValues(t, v);
                Assert.DoesNotContain(0f, v);
            }
        }
    }

    [Fact]
    public void Zeros_of_lora_B_bias_are_not_stored()
    {
        using var dir = new TempDir();
        var bias = new float[N];
        bias[3] = 0.5f;
        bias[60] = -1f;
        string adapter = Folder(dir, "bias", """{"peft_type":"LORA","r":1,"lora_alpha":2,"lora_bias":true,"target_modules":["q"]}""",
            F32("base_model.model.m.q.lora_A.weight", [1, N], Random(11, N, 1)),
            F32("base_model.model.m.q.lora_B.bias", [N], bias),
            F32("base_model.model.m.q.lora_B.weight", [N, 1], Random(12, N, 1)));
        string shira = dir.File("a.shira");
        PeftConverter.Convert(adapter, shira);
        using var r = ShiraReader.Open(shira);
        var t = r.Tensors.Single(x => x.Name == "m.q.bias");
        var idx = new long[t.Nnz];
        var val = new float[t.Nnz];
        r.ReadIndices(t, idx);
        r.ReadValues(t, val);
        Assert.Equal([3L, 60L], idx);
        Assert.Equal([1f, -2f], val); // bias · alpha / r
    }

    [Fact]
    public void A_diff_never_stores_a_zero_delta_as_an_addition()
    {
        using var dir = new TempDir();
        // -0 → +0 changes the bits with a delta of exactly 0: stored as a Replace (exact), never as an Add of 0.
        float[] b = [1f, -0f, 2f, 3f];
        float[] t = [1.5f, 0f, 2f, 3f];
        string basePath = Base(dir, "b.safetensors", F32("w", [4], b));
        string tunedPath = Base(dir, "t.safetensors", F32("w", [4], t));
        Diff.DenseDiff.Create(basePath, tunedPath, dir.File("d.shira"));
        using (var r = ShiraReader.Open(dir.File("d.shira")))
        {
            var info = r.Tensors.Single();
            Assert.Equal(Semantics.Replace, info.Semantics);
        }
        using var merged = SafetensorsFile.Open(Fixtures.Apply(dir, basePath, dir.File("d.shira")));
        Assert.Equal(BitConverter.SingleToUInt32Bits(0f), BitConverter.SingleToUInt32Bits(merged.ReadSingles("w")[1]));

        // Top-k: a tensor whose changed entries round to zero in the value type is reported, not written.
        // A change of 1e-20 is below the smallest f16 subnormal (about 6e-8): stored as f16 it would be a zero.
        string smallBase = Base(dir, "s.safetensors", F32("w", [4], [1e-20f, 2f, 3f, 4f]));
        string tinyPath = Base(dir, "tiny.safetensors", F32("w", [4], [2e-20f, 2f, 3f, 5f]));
        var report = Diff.DenseDiff.Create(smallBase, tinyPath, dir.File("k.shira"),
            new Diff.DiffOptions { Density = 1, ValueDType = ValueDType.F16 });
        Assert.Equal(1, report.TotalNnz);
    }
}
