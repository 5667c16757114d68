using System.Runtime.InteropServices;
using CsCheck;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary><see cref="WeightPatch"/>: an entry applied to a caller's buffer, as libshira and the Python package do.</summary>
public sealed unsafe class WeightPatchTests
{
    private static void Apply(ShiraReader r, ShiraTensorInfo t, byte[] w, DType dtype, float scale, byte[]? originals,
        WeightPatchOptions? options = null)
    {
        fixed (byte* p = w)
            WeightPatch.Apply(r, t, (nint)p, w.Length, dtype, t.Shape, scale, originals, options);
    }

    private static void Revert(ShiraReader r, ShiraTensorInfo t, byte[] w, DType dtype, byte[] originals, WeightPatchOptions? options = null)
    {
        fixed (byte* p = w)
            WeightPatch.Revert(r, t, (nint)p, w.Length, dtype, t.Shape, originals, options);
    }

    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public void Apply_to_a_buffer_equals_the_independent_reference_and_revert_is_exact(DType dtype)
    {
        // Many random entries: sizes around the parallel chunk (2^15), value types, scales, semantics.
        Gen.Select(Gen.Int[1, 90_000], Gen.Int[0, 2], Gen.Float[-3f, 3f], Gen.Bool, Gen.Int)
            .Sample((numel, vt, scale, replace, seed) =>
            {
                using var tmp = new TempDir();
                var rng = new Random(seed);
                var valueType = (ValueDType)(vt + 1);
                var idx = TestData.RandomIndices(rng, numel, rng.Next(0, numel + 1));
                var t = new AdapterTensor("w", [numel], dtype, idx, TestData.RandomValues(rng, idx.Length),
                    replace ? Semantics.Replace : Semantics.Add, Scale: replace ? 1f : 0.5f, ValueDType: valueType);
                TestData.WriteAdapter(tmp.File("a.shira"), [t]);
                using var r = ShiraReader.Open(tmp.File("a.shira"));
                var base0 = TestData.RandomTensor(rng, dtype, numel);
                var w = (byte[])base0.Clone();
                var originals = new byte[WeightPatch.OriginalsLength(r.Tensors[0], dtype)];
                Apply(r, r.Tensors[0], w, dtype, scale, originals);
                Assert.Equal(TestData.ReferenceApply(base0, dtype, t, scale), w);
                Revert(r, r.Tensors[0], w, dtype, originals);
                Assert.Equal(base0, w);
            }, iter: 40);
    }

    [Theory]
    [InlineData("base/model.safetensors", "shira/merged.safetensors")]
    [InlineData("base/model.bf16.safetensors", "shira/merged.bf16.safetensors")]
    [InlineData("base/model.fp16.safetensors", "shira/merged.fp16.safetensors")]
    public void Buffers_patched_entry_by_entry_equal_PEFT_merge(string baseRel, string mergedRel)
    {
        using var tmp = new TempDir();
        string basePath = Path.Combine(TestData.PeftLlama, baseRel);
        TestData.PeftShiraToShira(Path.Combine(TestData.PeftLlama, "shira"), basePath, tmp.File("a.shira"));
        using var r = ShiraReader.Open(tmp.File("a.shira"));
        using var b = SafetensorsFile.Open(basePath);
        using var merged = SafetensorsFile.Open(Path.Combine(TestData.PeftLlama, mergedRel));
        foreach (var t in r.Tensors)
        {
            var w = b.GetBytes(t.Name).ToArray();
            Apply(r, t, w, t.BaseDType, 1f, null);
            Assert.True(w.AsSpan().SequenceEqual(merged.GetBytes(t.Name)), t.Name);
        }
    }

    [Fact]
    public void Refusals_leave_the_buffer_untouched()
    {
        using var tmp = new TempDir();
        var rng = new Random(7);
        var idx = TestData.RandomIndices(rng, 64, 10);
        var fp = new BaseTensorFingerprint("w", [8, 8], DType.F32, 12345);
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [8, 8], DType.F32, idx, TestData.RandomValues(rng, 10))], fingerprint: [fp]);
        using var r = ShiraReader.Open(tmp.File("a.shira"));
        var t = r.Tensors[0];
        var w = TestData.RandomTensor(rng, DType.F32, 64);
        var before = (byte[])w.Clone();
        var noFp = new WeightPatchOptions { VerifyFingerprint = false };

        // The content hash recorded for the base does not match these random weights.
        Assert.Equal(ShiraErrorCode.BaseFingerprintMismatch, Assert.Throws<ShiraException>(() => Apply(r, t, w, DType.F32, 1f, null)).Code);
        // A replacement is exact for the dtype it records, so it is refused on another (an additive entry is not).
        var bf16 = TestData.RandomTensor(rng, DType.BF16, 64);
        var bf16Before = (byte[])bf16.Clone();
        TestData.WriteAdapter(tmp.File("r.shira"), [new AdapterTensor("w", [8, 8], DType.F32, idx, TestData.RandomValues(rng, 10), Semantics.Replace)]);
        using var replace = ShiraReader.Open(tmp.File("r.shira"));
        var rt = replace.Tensors[0];
        Assert.Equal(ShiraErrorCode.BaseDTypeMismatch, Assert.Throws<ShiraException>(() => Apply(replace, rt, bf16, DType.BF16, 1f, null, noFp)).Code);
        Assert.Equal(bf16Before, bf16);
        fixed (byte* p = w)
        {
            nint a = (nint)p;
            Assert.Equal(ShiraErrorCode.BaseShapeMismatch, Assert.Throws<ShiraException>(
                () => WeightPatch.Apply(r, t, a, 64 * 4, DType.F32, [4, 16], 1f, default, noFp)).Code);
            Assert.Throws<ArgumentException>(() => WeightPatch.Apply(r, t, a, 63 * 4, DType.F32, [8, 8], 1f, default, noFp));
            Assert.Throws<ArgumentException>(() => WeightPatch.Apply(r, t, a, 64 * 4, DType.F32, [8, 8], float.NaN, default, noFp));
            Assert.Throws<ArgumentException>(() => WeightPatch.Apply(r, t, a, 64 * 4, DType.F32, [8, 8], 1f, new byte[39], noFp));
            Assert.Throws<ArgumentNullException>(() => WeightPatch.Apply(r, t, 0, 64 * 4, DType.F32, [8, 8], 1f, default, noFp));
        }
        Assert.Equal(before, w);
        // With the checks the caller chose to lift, the same call goes through; the additive entry needs no option.
        Apply(replace, rt, bf16, DType.BF16, 1f, null, noFp with { RequireRecordedDType = false });
        Apply(r, t, bf16, DType.BF16, 1f, null, noFp);
    }

    [Fact]
    public void A_corrupt_index_section_is_found_before_the_first_write()
    {
        using var tmp = new TempDir();
        var rng = new Random(3);
        var idx = TestData.RandomIndices(rng, 1 << 16, 5000);
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [1 << 16], DType.F32, idx, TestData.RandomValues(rng, idx.Length),
            Encoding: IndexEncoding.RawU32)]);
        var bytes = File.ReadAllBytes(tmp.File("a.shira"));
        long at;
        using (var r0 = ShiraReader.Open(tmp.File("a.shira"))) at = r0.Tensors[0].IndexSectionOffset!.Value;
        // Swap two indices near the end (strict order broken) and fix nothing else: the checksum catches it first.
        MemoryMarshal.Cast<byte, uint>(bytes.AsSpan((int)at + 4 * 4990, 8)).Reverse();
        File.WriteAllBytes(tmp.File("b.shira"), bytes);
        using var r = ShiraReader.Open(tmp.File("b.shira"));
        var w = TestData.RandomTensor(rng, DType.F32, 1 << 16);
        var before = (byte[])w.Clone();
        var e = Assert.Throws<ShiraException>(() => Apply(r, r.Tensors[0], w, DType.F32, 1f, new byte[5000 * 4]));
        Assert.Equal(ShiraErrorCode.SectionChecksum, e.Code);
        Assert.Equal(before, w);
    }
}
