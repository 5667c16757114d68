using Shira.Format;
using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Runtime.Tests;

/// <summary>Fuse never stores an entry whose value is exactly zero, and adds deltas made against bases of other dtypes.</summary>
public sealed class FuseZeroEntryTests
{
    [Fact]
    public void Cancelling_deltas_store_nothing_and_a_tensor_left_empty_is_omitted()
    {
        using var tmp = new TempDir();
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("u", [10], DType.F32, [1, 4, 7], [0.5f, -0.25f, 2f]),
            new AdapterTensor("w", [10], DType.F32, [2, 3], [1f, 3f])]);
        TestData.WriteAdapter(tmp.File("b.shira"), [new AdapterTensor("u", [10], DType.F32, [1, 4], [-0.5f, 0.25f]),
            new AdapterTensor("w", [10], DType.F32, [2, 3], [-1f, -3f])]);
        var report = AdapterFusion.Fuse([(tmp.File("a.shira"), 1f), (tmp.File("b.shira"), 1f)], tmp.File("o.shira"));
        Assert.Equal(1, report.Tensors);
        Assert.Equal(1, report.Positions);
        using var r = ShiraReader.Open(tmp.File("o.shira"));
        var t = Assert.Single(r.Tensors);
        Assert.Equal("u", t.Name);
        var idx = new long[t.Nnz];
        var val = new float[t.Nnz];
        r.ReadIndices(t, idx);
        r.ReadValues(t, val);
        Assert.Equal([7L], idx);
        Assert.Equal([2f], val);
    }

    [Fact]
    public void A_sum_that_underflows_the_value_type_is_not_stored()
    {
        using var tmp = new TempDir();
        // 1e-30 is representable in f32 but is zero once stored as f16.
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [4], DType.F32, [0, 1], [1e-30f, 0.5f])]);
        AdapterFusion.Fuse([(tmp.File("a.shira"), 1f)], tmp.File("o.shira"), new FuseOptions { ValueDType = ValueDType.F16 });
        using var r = ShiraReader.Open(tmp.File("o.shira"));
        Assert.Equal(1, r.Tensors.Single().Nnz);
    }

    [Fact]
    public void Additive_inputs_made_for_other_base_dtypes_fuse_and_record_F32()
    {
        using var tmp = new TempDir();
        TestData.WriteAdapter(tmp.File("a.shira"), [new AdapterTensor("w", [10], DType.BF16, [1], [1f])]);
        TestData.WriteAdapter(tmp.File("b.shira"), [new AdapterTensor("w", [10], DType.F16, [2], [1f])]);
        AdapterFusion.Fuse([(tmp.File("a.shira"), 1f), (tmp.File("b.shira"), 1f)], tmp.File("o.shira"));
        using var r = ShiraReader.Open(tmp.File("o.shira"));
        Assert.Equal(DType.F32, r.Tensors.Single().BaseDType);
        Assert.Equal(2, r.Tensors.Single().Nnz);
    }
}
