using System.Buffers.Binary;
using Shira.Format;
using Shira.Format.Container;
using Shira.Format.Safetensors;
using Shira.Testing;

namespace Shira.Convert.Tests;

public class ShiraImportTests
{
    private static readonly string Adapter = Fixtures.Llama("shira");

    [Theory]
    [InlineData("", "merged.safetensors")]
    [InlineData(".bf16", "merged.bf16.safetensors")]
    [InlineData(".fp16", "merged.fp16.safetensors")]
    public void Import_then_apply_reproduces_PEFTs_merge_bit_exactly(string baseSuffix, string merged)
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        var report = PeftConverter.Convert(Adapter, shira, new ConvertOptions { BasePath = Fixtures.LlamaBase(baseSuffix) });
        Assert.Equal(14, report.Tensors.Count);
        string output = Fixtures.Apply(dir, Fixtures.LlamaBase(baseSuffix), shira);
        Fixtures.AssertBitIdentical(Path.Combine(Adapter, merged), output);
    }

    [Fact]
    public void Import_keeps_values_indices_and_mask_metadata_losslessly()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Adapter, shira, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        using var reader = ShiraReader.Open(shira);
        using var peft = SafetensorsFile.Open(Path.Combine(Adapter, "adapter_model.safetensors"));
        foreach (var t in reader.Tensors)
        {
            string module = t.Name[..^".weight".Length];
            var rows = peft.GetBytes("base_model.model." + module + ".shira_indices");
            var weights = peft.ReadSingles("base_model.model." + module + ".shira_weight");
            Assert.Equal(weights.Length, t.Nnz);
            var idx = new long[t.Nnz];
            var vals = new float[t.Nnz];
            reader.ReadIndices(t, idx);
            reader.ReadValues(t, vals);
            for (int i = 0; i < idx.Length; i++)
            {
                long r = BinaryPrimitives.ReadInt32LittleEndian(rows[(4 * i)..]);
                long c = BinaryPrimitives.ReadInt32LittleEndian(rows[(4 * (idx.Length + i))..]);
                Assert.Equal(r * t.Shape[1] + c, idx[i]);
                Assert.Equal(BitConverter.SingleToInt32Bits(weights[i]), BitConverter.SingleToInt32Bits(vals[i]));
            }
            Assert.Equal(Semantics.Add, t.Semantics);
            Assert.Equal(1f, t.Scale);
            Assert.Equal(Format.ValueDType.F32, t.ValueDType);
            Assert.Equal(MaskStrategy.Random, t.Mask.Strategy);
            Assert.Equal(42UL, t.Mask.Seed);
            Assert.Equal(8, t.Mask.Rank);
            Assert.Equal(8 * (t.Shape[0] + t.Shape[1]), t.Nnz);
        }
    }

    [Fact]
    public void Masks_shared_by_equal_shape_layers_are_stored_once()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Adapter, shira, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        using var reader = ShiraReader.Open(shira);
        // PEFT re-seeds its mask generator per layer, so layers with equal element counts draw the same flat
        // positions (even [64,176] and [176,64]): expect one stored index set per distinct flat position set.
        var distinct = new HashSet<string>();
        foreach (var t in reader.Tensors)
        {
            var idx = new long[t.Nnz];
            reader.ReadIndices(t, idx);
            distinct.Add(t.Numel + ":" + string.Join(",", idx));
        }
        Assert.Equal(distinct.Count, reader.IndexSetCount);
        Assert.True(reader.IndexSetCount < reader.Tensors.Count / 4);
    }

    [Fact]
    public void Without_a_base_the_shapes_are_inferred_from_r_and_the_indices()
    {
        using var dir = new TempDir();
        string withBase = dir.File("b.shira"), without = dir.File("n.shira");
        PeftConverter.Convert(Adapter, withBase, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        PeftConverter.Convert(Adapter, without);
        using var a = ShiraReader.Open(withBase);
        using var b = ShiraReader.Open(without);
        Assert.Equal(a.Tensors.Select(t => t.Name), b.Tensors.Select(t => t.Name));
        foreach (var t in a.Tensors)
        {
            var u = b.Tensors.Single(x => x.Name == t.Name);
            Assert.Equal(t.Shape, u.Shape);
            Assert.Equal((t.BaseDType, t.Nnz, t.ValueDType, t.IndexEncoding, t.Mask), (u.BaseDType, u.Nnz, u.ValueDType, u.IndexEncoding, u.Mask));
            var (ia, ib) = (new long[t.Nnz], new long[t.Nnz]);
            a.ReadIndices(t, ia);
            b.ReadIndices(b.Tensors.Single(x => x.Name == t.Name), ib);
            Assert.Equal(ia, ib);
            Assert.True(a.GetValueBytes(t).SequenceEqual(b.GetValueBytes(t)));
        }
        // Only the base-checked import can say which base it was made for.
        Assert.Empty(b.Metadata.BaseFingerprint);
    }

    [Fact]
    public void With_a_base_the_targets_are_fingerprinted_and_a_base_of_another_dtype_still_applies()
    {
        using var dir = new TempDir();
        string shira = dir.File("a.shira");
        PeftConverter.Convert(Adapter, shira, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        using (var r = ShiraReader.Open(shira))
        {
            Assert.Equal(r.Tensors.Select(t => t.Name), r.Metadata.BaseFingerprint.Select(f => f.Name));
            Assert.All(r.Metadata.BaseFingerprint, f => Assert.Equal(DType.F32, f.DType));
            Assert.All(r.Metadata.BaseFingerprint, f => Assert.Null(f.ContentHash));
        }
        // The fingerprint records no content hash, and the entries add: PEFT merges them into the bf16 copy too.
        Fixtures.AssertBitIdentical(Path.Combine(Adapter, "merged.bf16.safetensors"), Fixtures.Apply(dir, Fixtures.LlamaBase(".bf16"), shira));
    }

    [Theory]
    [InlineData(DType.I64)]
    [InlineData(DType.F32)]
    public void Indices_stored_as_int64_or_float32_import_to_the_same_file(DType dtype)
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Adapter, "shira");
        Fixtures.RewriteWeights(copy, (t, bytes) => t.Name.EndsWith("shira_indices", StringComparison.Ordinal)
            ? SafetensorsTensorSource.FromBytes(t.Name, dtype, t.Shape, ConvertIndices(bytes, dtype))
            : SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, bytes));
        string a = dir.File("a.shira"), b = dir.File("b.shira");
        PeftConverter.Convert(Adapter, a, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        PeftConverter.Convert(copy, b, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        Assert.Equal(File.ReadAllBytes(a), File.ReadAllBytes(b));
    }

    [Fact]
    public void Float_indices_that_are_not_integers_are_refused()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Adapter, "shira");
        Fixtures.RewriteWeights(copy, (t, bytes) =>
        {
            if (!t.Name.EndsWith("shira_indices", StringComparison.Ordinal)) return SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, bytes);
            var f = ConvertIndices(bytes, DType.F32);
            BinaryPrimitives.WriteSingleLittleEndian(f, 0.5f);
            return SafetensorsTensorSource.FromBytes(t.Name, DType.F32, t.Shape, f);
        });
        var e = Assert.Throws<ShiraException>(() => PeftConverter.Convert(copy, dir.File("x.shira"), new ConvertOptions { BasePath = Fixtures.LlamaBase() }));
        Assert.Equal(ShiraErrorCode.PeftBadTensors, e.Code);
        Assert.False(File.Exists(dir.File("x.shira")));
    }

    [Fact]
    public void Unsorted_indices_are_sorted_with_their_values()
    {
        using var dir = new TempDir();
        string copy = Fixtures.CopyAdapter(dir, Adapter, "shira");
        // Reverse every module's entries: same set, so the same adapter.
        Fixtures.RewriteWeights(copy, (t, bytes) =>
        {
            if (t.Name.EndsWith("shira_indices", StringComparison.Ordinal))
            {
                int n = (int)t.Shape[1];
                var rev = new byte[bytes.Length];
                for (int row = 0; row < 2; row++)
                    for (int i = 0; i < n; i++)
                        Array.Copy(bytes, 4 * (row * n + i), rev, 4 * (row * n + (n - 1 - i)), 4);
                return SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, rev);
            }
            var vals = new byte[bytes.Length];
            int m = bytes.Length / 4;
            for (int i = 0; i < m; i++) Array.Copy(bytes, 4 * i, vals, 4 * (m - 1 - i), 4);
            return SafetensorsTensorSource.FromBytes(t.Name, t.DType, t.Shape, vals);
        });
        string a = dir.File("a.shira"), b = dir.File("b.shira");
        PeftConverter.Convert(Adapter, a, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        var report = PeftConverter.Convert(copy, b, new ConvertOptions { BasePath = Fixtures.LlamaBase() });
        Assert.NotEmpty(report.Notes);
        using var ra = ShiraReader.Open(a);
        using var rb = ShiraReader.Open(b);
        foreach (var t in ra.Tensors)
        {
            Assert.True(rb.TryGetTensor(t.Name, out var u));
            var (ia, ib) = (new long[t.Nnz], new long[u.Nnz]);
            var (va, vb) = (new float[t.Nnz], new float[u.Nnz]);
            ra.ReadIndices(t, ia); rb.ReadIndices(u, ib); ra.ReadValues(t, va); rb.ReadValues(u, vb);
            Assert.Equal(ia, ib);
            Assert.Equal(va, vb);
        }
    }

    private static byte[] ConvertIndices(byte[] int32, DType dtype)
    {
        int n = int32.Length / 4;
        var result = new byte[n * dtype.ByteSize()];
        for (int i = 0; i < n; i++)
        {
            int v = BinaryPrimitives.ReadInt32LittleEndian(int32.AsSpan(4 * i));
            if (dtype == DType.I64) BinaryPrimitives.WriteInt64LittleEndian(result.AsSpan(8 * i), v);
            else BinaryPrimitives.WriteSingleLittleEndian(result.AsSpan(4 * i), v);
        }
        return result;
    }
}
