using System.IO.Hashing;
using Shira.Format;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Mismatched or hostile adapters are refused before anything is written.</summary>
public sealed class CompatibilityTests
{
    private static readonly byte[] W = TestData.Encode([.. Enumerable.Range(0, 100).Select(i => i * 0.25f)], DType.F32);

    private static string MakeBase(TempDir tmp)
    {
        string path = tmp.File("base.safetensors");
        TestData.WriteBase(path, [("a.weight", DType.F32, [10, 10], W), ("b.weight", DType.F32, [100], W), ("ids", DType.I32, [4], new byte[16])]);
        return path;
    }

    public static TheoryData<string, ShiraErrorCode> Mismatches => new()
    {
        { "missing", ShiraErrorCode.BaseTensorMissing },
        { "shape", ShiraErrorCode.BaseShapeMismatch },
        { "dtype", ShiraErrorCode.BaseDTypeMismatch },
        { "int-target", ShiraErrorCode.BaseDTypeMismatch },
        { "fingerprint-hash", ShiraErrorCode.BaseFingerprintMismatch },
        { "fingerprint-shape", ShiraErrorCode.BaseFingerprintMismatch },
    };

    private static void WriteMismatched(string path, string kind)
    {
        var good = new AdapterTensor("a.weight", [10, 10], DType.F32, [1, 5, 99], [1f, 2f, 3f]);
        var fp = new List<BaseTensorFingerprint>();
        AdapterTensor second = kind switch
        {
            "missing" => new AdapterTensor("c.weight", [100], DType.F32, [1], [1f]),
            "shape" => new AdapterTensor("b.weight", [10, 10], DType.F32, [1], [1f]),
            // A replacement is exact for the dtype it was made for; an additive entry is not bound (DTypeBindingTests).
            "dtype" => new AdapterTensor("b.weight", [100], DType.BF16, [1], [1f], Semantics.Replace),
            "int-target" => new AdapterTensor("ids", [4], DType.I32, [1], [1f]),
            _ => new AdapterTensor("b.weight", [100], DType.F32, [1], [1f]),
        };
        if (kind == "fingerprint-hash") fp.Add(new BaseTensorFingerprint("b.weight", [100], DType.F32, XxHash3.HashToUInt64(W) ^ 1));
        if (kind == "fingerprint-shape") fp.Add(new BaseTensorFingerprint("b.weight", [50, 2], DType.F32, null));
        TestData.WriteAdapter(path, [good, second], fingerprint: fp);
    }

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Mismatch_in_place_is_refused_and_nothing_is_written(string kind, ShiraErrorCode code)
    {
        using var tmp = new TempDir();
        string basePath = MakeBase(tmp);
        WriteMismatched(tmp.File("a.shira"), kind);
        ulong before = TestData.HashFile(basePath);
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(tmp.File("a.shira")))
        {
            Assert.Equal(code, Assert.Throws<ShiraException>(() => model.Apply(r)).Code);
            Assert.Empty(model.Applied);
        }
        Assert.Equal(before, TestData.HashFile(basePath));
        Assert.False(Directory.Exists(basePath + ".shira-journal"));
    }

    [Theory]
    [MemberData(nameof(Mismatches))]
    public void Mismatch_to_copy_is_refused_and_no_output_appears(string kind, ShiraErrorCode code)
    {
        using var tmp = new TempDir();
        string basePath = MakeBase(tmp);
        WriteMismatched(tmp.File("a.shira"), kind);
        var e = Assert.Throws<ShiraException>(() => AdapterMerge.ApplyToCopy(basePath, [(tmp.File("a.shira"), 1f)], tmp.File("out.safetensors")));
        Assert.Equal(code, e.Code);
        Assert.False(File.Exists(tmp.File("out.safetensors")));
        Assert.Equal(["a.shira", "base.safetensors"], Directory.GetFiles(tmp.Path).Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Matching_fingerprint_is_accepted_even_under_a_stacked_adapter()
    {
        using var tmp = new TempDir();
        string basePath = MakeBase(tmp);
        var fp = new BaseTensorFingerprint("a.weight", [10, 10], DType.F32, XxHash3.HashToUInt64(W));
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("a.weight", [10, 10], DType.F32, [1, 2], [1f, 2f])], "A", [fp]);
        TestData.WriteAdapter(tmp.File("b.shira"), [new AdapterTensor("a.weight", [10, 10], DType.F32, [2, 3], [1f, 2f])], "B", [fp]);
        using var model = BaseModel.Open(basePath, BaseOpenMode.Memory);
        using var a = ShiraReader.Open(tmp.File("a.shira"));
        using var b = ShiraReader.Open(tmp.File("b.shira"));
        model.Apply(a);
        model.Apply(b); // a.weight is modified by A, but B's fingerprint is checked against the base below A
        Assert.Equal(2, model.Applied.Count);
    }

    /// <summary>An adapter whose second tensor holds an index past the end (checksums off, so only the index
    /// checks stand between it and the base): refused, and its first (valid) tensor was not written either.</summary>
    [Theory]
    [InlineData(false, ShiraErrorCode.IndexOutOfRange)]
    [InlineData(true, ShiraErrorCode.SectionChecksum)]
    public void Hostile_out_of_range_index_is_rejected_before_any_write(bool verifyChecksums, ShiraErrorCode code)
    {
        using var tmp = new TempDir();
        string basePath = MakeBase(tmp);
        string adapter = tmp.File("evil.shira");
        ShiraWriter.WriteFile(adapter, new AdapterMetadata { Name = "evil" }, w =>
        {
            w.AddTensor(new TensorSpec { Name = "a.weight", Shape = [10, 10] }, [0, 1, 2], [5f, 5f, 5f]);
            w.AddTensor(new TensorSpec { Name = "b.weight", Shape = [100], IndexEncoding = IndexEncoding.RawU32 }, [17, 42, 99], [1f, 1f, 1f]);
        });
        var bytes = File.ReadAllBytes(adapter);
        byte[] pattern = [17, 0, 0, 0, 42, 0, 0, 0, 99, 0, 0, 0];
        int at = bytes.AsSpan().IndexOf(pattern);
        Assert.True(at > 0);
        BitConverter.TryWriteBytes(bytes.AsSpan(at + 8), 0x7FFF_0000u); // still increasing, far outside the tensor
        File.WriteAllBytes(adapter, bytes);
        ulong before = TestData.HashFile(basePath);
        foreach (var mode in new[] { BaseOpenMode.InPlace, BaseOpenMode.Memory, BaseOpenMode.CopyOnWrite })
        {
            using var model = BaseModel.Open(basePath, mode);
            using var r = ShiraReader.Open(adapter, new ShiraReaderOptions { VerifyChecksums = verifyChecksums });
            var e = Assert.Throws<ShiraException>(() => model.Apply(r));
            Assert.Equal(code, e.Code);
            Assert.True(model.GetTensor("a.weight").Bytes.SequenceEqual(W));
            Assert.True(model.GetTensor("b.weight").Bytes.SequenceEqual(W));
        }
        Assert.Equal(before, TestData.HashFile(basePath));
        Assert.False(Directory.Exists(basePath + ".shira-journal"));
        Assert.Throws<ShiraException>(() => AdapterMerge.ApplyToCopy(basePath, [(adapter, 1f)], tmp.File("out.safetensors")));
        Assert.False(File.Exists(tmp.File("out.safetensors")));
    }
}
