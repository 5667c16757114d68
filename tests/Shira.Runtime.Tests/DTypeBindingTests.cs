using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>
/// An additive adapter is not bound to one base dtype: PEFT merges the same adapter into any float dtype as
/// round(f32(W) + v), and apply, switch and apply-to-copy do the same and report the dtype they rounded into. Only
/// Replace entries and a recorded content hash bind an adapter to one dtype.
/// </summary>
public sealed class DTypeBindingTests
{
    public static TheoryData<DType, DType> Pairs()
    {
        var data = new TheoryData<DType, DType>();
        foreach (var made in new[] { DType.F32, DType.BF16, DType.F16 })
            foreach (var applied in new[] { DType.F32, DType.BF16, DType.F16 })
                data.Add(made, applied);
        return data;
    }

    private static (string BasePath, byte[] Bytes) MakeBase(TempDir tmp, DType dtype, int seed = 3)
    {
        var bytes = TestData.RandomTensor(new Random(seed), dtype, 64 * 16);
        string path = tmp.File($"base.{dtype}.safetensors");
        TestData.WriteBase(path, [("w.weight", dtype, [64, 16], bytes)]);
        return (path, bytes);
    }

    private static AdapterTensor Additive(DType madeFor, int seed, ValueDType values = ValueDType.F32) =>
        new("w.weight", [64, 16], madeFor, TestData.RandomIndices(new Random(seed), 64 * 16, 97),
            TestData.RandomValues(new Random(seed + 1), 97), ValueDType: values);

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Additive_adapter_applies_in_place_to_any_float_dtype_and_reports_the_dtype_rounded_into(DType madeFor, DType applied)
    {
        using var tmp = new TempDir();
        var (basePath, bytes) = MakeBase(tmp, applied);
        var t = Additive(madeFor, 11);
        TestData.WriteAdapter(tmp.File("a.shira"), [t]);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(tmp.File("a.shira")))
        {
            var a = model.Apply(r);
            Assert.Equal([applied], a.RoundedInto);
            Assert.True(model.GetTensor("w.weight").Bytes.SequenceEqual(TestData.ReferenceApply(bytes, applied, t, 1f)));
            model.Revert();
            Assert.True(model.GetTensor("w.weight").Bytes.SequenceEqual(bytes));
        }
    }

    [Theory]
    [MemberData(nameof(Pairs))]
    public void Additive_adapter_applies_to_a_copy_of_any_float_dtype(DType madeFor, DType applied)
    {
        using var tmp = new TempDir();
        var (basePath, bytes) = MakeBase(tmp, applied);
        var t = Additive(madeFor, 5, ValueDType.BF16);
        TestData.WriteAdapter(tmp.File("a.shira"), [t]);
        var report = AdapterMerge.ApplyToCopy(basePath, [(tmp.File("a.shira"), 1f)], tmp.File("out.safetensors"));
        Assert.Equal([applied], report.Adapters[0].RoundedInto);
        using var output = SafetensorsFile.Open(tmp.File("out.safetensors"));
        Assert.True(output.GetBytes("w.weight").SequenceEqual(TestData.ReferenceApply(bytes, applied, t, 1f)));
    }

    [Fact]
    public void Switch_between_adapters_made_for_other_dtypes_on_a_bf16_base_is_revert_then_apply()
    {
        using var tmp = new TempDir();
        var (basePath, bytes) = MakeBase(tmp, DType.BF16);
        var a = Additive(DType.F32, 21);
        var b = Additive(DType.F16, 31);
        TestData.WriteAdapter(tmp.File("a.shira"), [a]);
        TestData.WriteAdapter(tmp.File("b.shira"), [b]);
        using var model = BaseModel.Open(basePath, BaseOpenMode.InPlace);
        using var ra = ShiraReader.Open(tmp.File("a.shira"));
        using var rb = ShiraReader.Open(tmp.File("b.shira"));
        model.Apply(ra);
        var switched = model.Switch(rb);
        Assert.Equal([DType.BF16], switched.RoundedInto);
        Assert.True(model.GetTensor("w.weight").Bytes.SequenceEqual(TestData.ReferenceApply(bytes, DType.BF16, b, 1f)));
        model.Revert();
        Assert.True(model.GetTensor("w.weight").Bytes.SequenceEqual(bytes));
    }

    [Fact]
    public void Replace_entry_is_bound_to_the_dtype_it_was_made_for()
    {
        using var tmp = new TempDir();
        var (basePath, _) = MakeBase(tmp, DType.BF16);
        TestData.WriteAdapter(tmp.File("r.shira"), [new AdapterTensor("w.weight", [64, 16], DType.F32, [3], [0.5f], Semantics.Replace)]);
        var e = Assert.Throws<ShiraException>(() => AdapterMerge.ApplyToCopy(basePath, [(tmp.File("r.shira"), 1f)], tmp.File("out.safetensors")));
        Assert.Equal(ShiraErrorCode.BaseDTypeMismatch, e.Code);
        Assert.Contains("w.weight", e.Message);
        Assert.False(File.Exists(tmp.File("out.safetensors")));
    }

    [Fact]
    public void Fingerprint_without_a_content_hash_binds_the_shape_but_not_the_float_dtype()
    {
        using var tmp = new TempDir();
        var (basePath, _) = MakeBase(tmp, DType.BF16);
        var t = Additive(DType.F32, 41);
        TestData.WriteAdapter(tmp.File("ok.shira"), [t], fingerprint: [new BaseTensorFingerprint("w.weight", [64, 16], DType.F32, null)]);
        AdapterMerge.ApplyToCopy(basePath, [(tmp.File("ok.shira"), 1f)], tmp.File("ok.safetensors"));

        TestData.WriteAdapter(tmp.File("shape.shira"), [t], fingerprint: [new BaseTensorFingerprint("w.weight", [32, 32], DType.F32, null)]);
        Assert.Equal(ShiraErrorCode.BaseFingerprintMismatch,
            Assert.Throws<ShiraException>(() => AdapterMerge.ApplyToCopy(basePath, [(tmp.File("shape.shira"), 1f)], tmp.File("x.safetensors"))).Code);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Recorded_content_hash_binds_the_dtype_even_when_content_is_not_verified(bool verify)
    {
        using var tmp = new TempDir();
        var (f32Path, f32Bytes) = MakeBase(tmp, DType.F32);
        var t = Additive(DType.F32, 51);
        TestData.WriteAdapter(tmp.File("h.shira"), [t],
            fingerprint: [new BaseTensorFingerprint("w.weight", [64, 16], DType.F32, XxHash3.HashToUInt64(f32Bytes))]);
        var bf16 = TestData.Encode(TestData.Decode(f32Bytes, DType.F32), DType.BF16);
        string bf16Path = tmp.File("same-model.bf16.safetensors");
        TestData.WriteBase(bf16Path, [("w.weight", DType.BF16, [64, 16], bf16)]);

        using (var ok = BaseModel.Open(f32Path, BaseOpenMode.CopyOnWrite, new BaseModelOptions { VerifyFingerprint = verify }))
        using (var r = ShiraReader.Open(tmp.File("h.shira")))
            ok.Apply(r);
        using var model = BaseModel.Open(bf16Path, BaseOpenMode.CopyOnWrite, new BaseModelOptions { VerifyFingerprint = verify });
        using var reader = ShiraReader.Open(tmp.File("h.shira"));
        var e = Assert.Throws<ShiraException>(() => model.Apply(reader));
        Assert.Equal(ShiraErrorCode.BaseFingerprintMismatch, e.Code);
        Assert.Contains("BF16", e.Message);
        Assert.Empty(model.Applied);
    }
}
