using System.Runtime.InteropServices;
using System.Text;
using Shira.Format;
using Shira.Format.Container;
using Shira.Runtime.Kernels;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>
/// Tests for changes to the code that the rest of the suite did not notice (issue 9 §6): a scale ignored in place,
/// the 64-bit-index kernels deleted, a journal committed before its patch. Each compares with an independent
/// reference (<see cref="TestData.ReferenceApply"/>), never with the code under test.
/// </summary>
public sealed class MutationGuardTests : IDisposable
{
    private readonly TempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Theory]
    [InlineData(BaseOpenMode.InPlace)]
    [InlineData(BaseOpenMode.CopyOnWrite)]
    [InlineData(BaseOpenMode.Memory)]
    public void The_user_scale_is_applied_in_every_mode_including_in_place(BaseOpenMode mode)
    {
        var rng = new Random(3);
        string basePath = _tmp.File("b.safetensors"), a = _tmp.File("a.shira"), b = _tmp.File("b.shira");
        var w = TestData.RandomTensor(rng, DType.BF16, 4096);
        TestData.WriteBase(basePath, [("w", DType.BF16, [64, 64], w)]);
        var ta = new AdapterTensor("w", [64, 64], DType.BF16, TestData.RandomIndices(rng, 4096, 300), TestData.RandomValues(rng, 300), Scale: 2f);
        var tb = new AdapterTensor("w", [64, 64], DType.BF16, TestData.RandomIndices(rng, 4096, 200), TestData.RandomValues(rng, 200));
        TestData.WriteAdapter(a, [ta], "A");
        TestData.WriteAdapter(b, [tb], "B");
        using var model = BaseModel.Open(basePath, mode);
        using (var r = ShiraReader.Open(a)) model.Apply(r, scale: 0.375f);
        var expectA = TestData.ReferenceApply(w, DType.BF16, ta, 0.375f);
        Assert.Equal(expectA, model.GetTensor("w").Bytes.ToArray());
        // Scale 1 gives something else: the comparison above can tell a dropped scale apart.
        Assert.NotEqual(TestData.ReferenceApply(w, DType.BF16, ta, 1f), expectA);
        using (var r = ShiraReader.Open(b)) model.Switch(r, scale: -1.5f);
        Assert.Equal(TestData.ReferenceApply(w, DType.BF16, tb, -1.5f), model.GetTensor("w").Bytes.ToArray());
        if (mode == BaseOpenMode.InPlace)
        {
            model.Dispose();
            var onDisk = File.ReadAllBytes(basePath);
            Assert.Equal(TestData.ReferenceApply(w, DType.BF16, tb, -1.5f), onDisk.AsSpan(onDisk.Length - w.Length).ToArray());
            using var again = BaseModel.Open(basePath, BaseOpenMode.InPlace);
            Assert.Equal(-1.5f, Assert.Single(again.Applied).Scale);
            again.Revert();
            Assert.Equal(w, again.GetTensor("w").Bytes.ToArray());
        }
    }

    /// <summary>Every kernel, driven with 64-bit indices (the branch used for tensors over 2^32 elements) on a small
    /// buffer, against plain loops.</summary>
    [Theory]
    [InlineData(DType.F32)]
    [InlineData(DType.BF16)]
    [InlineData(DType.F16)]
    public unsafe void The_64_bit_index_kernels_write_what_the_32_bit_ones_write(DType dtype)
    {
        var rng = new Random(9);
        const int numel = 10_000;
        int es = dtype.ByteSize();
        var w = TestData.RandomTensor(rng, dtype, numel);
        var t = new AdapterTensor("w", [numel], dtype, TestData.RandomIndices(rng, numel, 3000), TestData.RandomValues(rng, 3000));
        int n = t.Indices.Length;
        var values = MemoryMarshal.AsBytes(t.Values.AsSpan()).ToArray();
        var wide = new IndexSet(t.Indices, n);
        var narrow = new IndexSet(t.Indices.Select(i => (uint)i).ToArray(), n);
        var expected = TestData.ReferenceApply(w, dtype, t, 0.5f);
        var expectedOriginals = new byte[n * es];
        for (int k = 0; k < n; k++) w.AsSpan((int)t.Indices[k] * es, es).CopyTo(expectedOriginals.AsSpan(k * es));

        foreach (var set in new[] { wide, narrow })
        {
            var data = (byte[])w.Clone();
            var originals = new byte[n * es];
            fixed (byte* p = data)
            {
                // In two ranges, so the start offsets are exercised too.
                TensorOps.Apply(p, dtype, set, 0, n / 3, values, ValueDType.F32, 0.5f, false, originals.AsSpan(0, n / 3 * es));
                TensorOps.Apply(p, dtype, set, n / 3, n - n / 3, values, ValueDType.F32, 0.5f, false, originals.AsSpan(n / 3 * es));
                Assert.Equal(expected, data);
                Assert.Equal(expectedOriginals, originals);

                var gathered = new byte[n * es];
                TensorOps.Gather(p, es, set, 0, n, gathered);
                var applied = new byte[n * es];
                for (int k = 0; k < n; k++) expected.AsSpan((int)t.Indices[k] * es, es).CopyTo(applied.AsSpan(k * es));
                Assert.Equal(applied, gathered);

                TensorOps.Scatter(p, es, set, 0, n, originals);
                Assert.Equal(w, data);

                TensorOps.ApplyFromOriginals(p, dtype, set, 0, n, values, ValueDType.F32, 0.5f, false, originals);
                Assert.Equal(expected, data);

                // GatherBelow: B = the same positions; what lies below A is A's originals.
                var below = new byte[n * es];
                TensorOps.GatherBelow(p, es, set, 0, n, originals, set, 0, n, below);
                Assert.Equal(expectedOriginals, below);
            }
        }
    }

    /// <summary>End to end over a tensor of 2^32 + 2^16 bf16 elements (an 8 GiB sparse file: only touched pages
    /// are ever written): apply in place, then revert, positions on both sides of 2^32.</summary>
    [Fact]
    public void A_tensor_over_two_to_the_32_elements_is_applied_and_reverted_in_place()
    {
        long rows = 65537, cols = 65536, numel = rows * cols;
        string basePath = _tmp.File("huge.safetensors"), a = _tmp.File("a.shira");
        string header = "{\"big\":{\"dtype\":\"BF16\",\"shape\":[" + rows + "," + cols + "],\"data_offsets\":[0," + numel * 2 + "]}}";
        while ((8 + header.Length) % 8 != 0) header += " ";
        using (var fs = new FileStream(basePath, FileMode.CreateNew))
        {
            var hb = Encoding.ASCII.GetBytes(header);
            fs.Write(BitConverter.GetBytes((long)hb.Length));
            fs.Write(hb);
            fs.SetLength(8 + hb.Length + numel * 2); // zeros, sparse
        }
        long dataStart = 8 + header.Length;
        long[] idx = [0, 5, (1L << 32) - 1, 1L << 32, (1L << 32) + 12345, numel - 1];
        float[] vals = [1f, -2f, 3f, 0.5f, -0.25f, 7f];
        TestData.WriteAdapter(a, [new AdapterTensor("big", [rows, cols], DType.BF16, idx, vals)], "A");
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
        using (var r = ShiraReader.Open(a))
            model.Apply(r, 2f);
        using (var fs = new FileStream(basePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            for (int k = 0; k < idx.Length; k++)
                Assert.Equal(Format.Numerics.FloatBits.SingleToBF16(2f * vals[k]), ReadU16(fs, dataStart + idx[k] * 2));
        using (var model = BaseModel.Open(basePath, BaseOpenMode.InPlace))
            model.Revert();
        using (var fs = new FileStream(basePath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite))
            foreach (var i in idx) Assert.Equal(0, ReadU16(fs, dataStart + i * 2));
    }

    private static ushort ReadU16(FileStream fs, long offset)
    {
        var b = new byte[2];
        fs.Position = offset;
        fs.ReadExactly(b);
        return BitConverter.ToUInt16(b);
    }
}
