using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Apply reproduces PEFT's own merge of its SHiRA adapter bit for bit (fixtures made by PEFT 0.20.0).</summary>
public sealed class PeftFixtureTests
{
    public static TheoryData<string, string> Bases => new()
    {
        { "base/model.safetensors", "shira/merged.safetensors" },
        { "base/model.bf16.safetensors", "shira/merged.bf16.safetensors" },
        { "base/model.fp16.safetensors", "shira/merged.fp16.safetensors" },
    };

    [Theory]
    [MemberData(nameof(Bases))]
    public void ApplyToCopy_reproduces_PEFT_merge_bit_exactly(string baseRel, string mergedRel)
    {
        using var tmp = new TempDir();
        string basePath = Path.Combine(TestData.PeftLlama, baseRel);
        string adapter = tmp.File("a.shira");
        TestData.PeftShiraToShira(Path.Combine(TestData.PeftLlama, "shira"), basePath, adapter);
        var report = AdapterMerge.ApplyToCopy(basePath, [(adapter, 1f)], tmp.File("out.safetensors"));
        Assert.Equal(14, report.TensorsAdapted);
        Assert.Empty(TestData.DifferentTensors(tmp.File("out.safetensors"), Path.Combine(TestData.PeftLlama, mergedRel)));
    }

    [Theory]
    [MemberData(nameof(Bases))]
    public void Mapped_apply_reproduces_PEFT_merge_and_revert_restores_base(string baseRel, string mergedRel)
    {
        using var tmp = new TempDir();
        string basePath = Path.Combine(TestData.PeftLlama, baseRel);
        string adapter = tmp.File("a.shira");
        TestData.PeftShiraToShira(Path.Combine(TestData.PeftLlama, "shira"), basePath, adapter);
        ulong before = TestData.HashFile(basePath);
        using var model = BaseModel.Open(basePath, BaseOpenMode.CopyOnWrite);
        using var reader = ShiraReader.Open(adapter);
        model.Apply(reader);
        using var merged = SafetensorsFile.Open(Path.Combine(TestData.PeftLlama, mergedRel));
        foreach (var name in model.TensorNames)
            Assert.True(model.GetTensor(name).Bytes.SequenceEqual(merged.GetBytes(name)), name);
        model.Revert();
        using var original = SafetensorsFile.Open(basePath);
        foreach (var name in model.TensorNames)
            Assert.True(model.GetTensor(name).Bytes.SequenceEqual(original.GetBytes(name)), name);
        Assert.Equal(before, TestData.HashFile(basePath));
    }

    /// <summary>
    /// dense_ft: diff.safetensors holds tuned − base (f32) at every changed entry. In f32, base + diff equals tuned
    /// exactly (the fixture's generator checked that the f32 subtraction is exact). For bf16 what is promised is
    /// PEFT's rule, round(f32(W_bf16) + delta): tuned.bf16 is bf16(tuned_f32), which can differ from it wherever
    /// the f32 base was not representable in bf16 — so the bf16 result is compared with that rule, and the test
    /// also records how often it matches bf16(tuned).
    /// </summary>
    [Fact]
    public void Dense_diff_applied_to_f32_base_gives_tuned_exactly()
    {
        using var tmp = new TempDir();
        string dir = Path.Combine(TestData.PeftLlama, "dense_ft");
        string adapter = tmp.File("diff.shira");
        DenseDiffToShira(Path.Combine(dir, "diff.safetensors"), Path.Combine(dir, "base.safetensors"), adapter);
        AdapterMerge.ApplyToCopy(Path.Combine(dir, "base.safetensors"), [(adapter, 1f)], tmp.File("out.safetensors"));
        Assert.Empty(TestData.DifferentTensors(tmp.File("out.safetensors"), Path.Combine(dir, "tuned.safetensors")));
    }

    [Fact]
    public void Dense_diff_applied_to_bf16_base_follows_the_rounding_rule()
    {
        using var tmp = new TempDir();
        string dir = Path.Combine(TestData.PeftLlama, "dense_ft");
        string adapter = tmp.File("diff.shira");
        DenseDiffToShira(Path.Combine(dir, "diff.safetensors"), Path.Combine(dir, "base.bf16.safetensors"), adapter);
        AdapterMerge.ApplyToCopy(Path.Combine(dir, "base.bf16.safetensors"), [(adapter, 1f)], tmp.File("out.safetensors"));
        using var output = SafetensorsFile.Open(tmp.File("out.safetensors"));
        using var baseBf16 = SafetensorsFile.Open(Path.Combine(dir, "base.bf16.safetensors"));
        using var tunedBf16 = SafetensorsFile.Open(Path.Combine(dir, "tuned.bf16.safetensors"));
        using var diff = SafetensorsFile.Open(Path.Combine(dir, "diff.safetensors"));
        long changed = 0, equalToTuned = 0;
        foreach (var t in baseBf16.Tensors)
        {
            var expected = baseBf16.GetBytes(t).ToArray();
            if (diff.TryGetTensor(t.Name + ".indices", out _))
            {
                var idx = diff.ReadSingles(t.Name + ".indices");
                var val = diff.ReadSingles(t.Name + ".values");
                var w = TestData.Decode(expected, t.DType);
                for (int k = 0; k < idx.Length; k++)
                {
                    long i = (long)idx[k];
                    ushort bits = Shira.Format.Numerics.FloatBits.SingleToBF16(w[i] + val[k]);
                    BitConverter.TryWriteBytes(expected.AsSpan((int)i * 2), bits);
                    changed++;
                    if (bits == BitConverter.ToUInt16(tunedBf16.GetBytes(t.Name).Slice((int)i * 2, 2))) equalToTuned++;
                }
            }
            Assert.True(output.GetBytes(t.Name).SequenceEqual(expected), t.Name);
        }
        Assert.True(changed > 0);
        // Most entries agree with bf16(tuned); the rest are where the f32 base was not a bf16 value.
        Assert.InRange(equalToTuned, changed / 2, changed);
    }

    private static void DenseDiffToShira(string diffPath, string basePath, string output)
    {
        using var diff = SafetensorsFile.Open(diffPath);
        using var baseFile = SafetensorsFile.Open(basePath);
        var tensors = new List<AdapterTensor>();
        foreach (var t in diff.Tensors)
        {
            if (!t.Name.EndsWith(".indices", StringComparison.Ordinal)) continue;
            string target = t.Name[..^".indices".Length];
            Assert.True(baseFile.TryGetTensor(target, out var bt));
            var idx = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, long>(diff.GetBytes(t)).ToArray();
            tensors.Add(new AdapterTensor(target, [.. bt.Shape], bt.DType, idx, diff.ReadSingles(target + ".values")));
        }
        TestData.WriteAdapter(output, tensors, "dense-diff");
    }
}
