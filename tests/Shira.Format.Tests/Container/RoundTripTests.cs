using CsCheck;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Numerics;

namespace Shira.Format.Tests.Container;

public class RoundTripTests
{
    public static TheoryData<IndexEncoding, ValueDType> EncodingsAndTypes()
    {
        var d = new TheoryData<IndexEncoding, ValueDType>();
        foreach (var e in new[] { IndexEncoding.Auto, IndexEncoding.RawU32, IndexEncoding.RawU64, IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint })
            foreach (var t in new[] { ValueDType.F32, ValueDType.F16, ValueDType.BF16 })
                d.Add(e, t);
        return d;
    }

    /// <summary>The independent reference for narrowing: System.Half for f16; for bf16 the nearest bf16 by
    /// comparing the two neighbours in double precision, ties to even.</summary>
    private static float Narrow(float v, ValueDType t)
    {
        switch (t)
        {
            case ValueDType.F32: return v;
            case ValueDType.F16: return (float)(Half)v;
            default:
                uint u = BitConverter.SingleToUInt32Bits(v);
                float lo = BitConverter.UInt32BitsToSingle(u & 0xFFFF_0000u);
                float hi = BitConverter.UInt32BitsToSingle((u & 0xFFFF_0000u) + 0x1_0000u);
                double dl = Math.Abs((double)v - lo), dh = Math.Abs((double)hi - v);
                if (dl < dh) return lo;
                if (dh < dl) return hi;
                return ((u >> 16) & 1) == 0 ? lo : hi;
        }
    }

    [Theory]
    [MemberData(nameof(EncodingsAndTypes))]
    public void Every_encoding_and_value_type_round_trips(IndexEncoding encoding, ValueDType type)
    {
        var rng = new Random((int)encoding * 10 + (int)type);
        long numel = 64 * 48;
        var idx = Samples.RandomIndices(rng, numel, 300);
        var vals = Samples.RandomValues(rng, idx.Length);
        var bytes = Samples.Write(Samples.Metadata, w =>
            w.AddTensor(new TensorSpec { Name = "w", Shape = [64, 48], ValueDType = type, IndexEncoding = encoding }, idx, vals));

        using var r = ShiraReader.Open(bytes);
        Assert.True(r.Validate().IsValid);
        var t = Assert.Single(r.Tensors);
        if (encoding != IndexEncoding.Auto) Assert.Equal(encoding, t.IndexEncoding);
        var longs = new long[t.Nnz];
        r.ReadIndices(t, longs);
        Assert.Equal(idx, longs);
        var uints = new uint[t.Nnz];
        r.ReadIndices(t, uints);
        Assert.Equal(idx.Select(i => (uint)i), uints);
        var back = new float[t.Nnz];
        r.ReadValues(t, back);
        for (int i = 0; i < back.Length; i++) Assert.Equal(Narrow(vals[i], type), back[i]);
    }

    [Theory]
    [InlineData(ValueDType.F32)]
    [InlineData(ValueDType.F16)]
    [InlineData(ValueDType.BF16)]
    public void Raw_value_bytes_of_the_stored_type_are_kept_bit_exact(ValueDType type)
    {
        var rng = new Random(7);
        int n = 200;
        var idx = Samples.RandomIndices(rng, 1000, n);
        var raw = new byte[n * type.ByteSize()];
        rng.NextBytes(raw);
        // Clear one exponent bit of every element so no value is NaN/Inf; all other bit patterns (subnormals, -0) stay.
        for (int i = 0; i < n; i++)
        {
            int hi = (i + 1) * type.ByteSize() - 1;
            raw[hi] &= 0xBF;
        }
        var bytes = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "w", Shape = [1000], ValueDType = type }, idx, raw, type));
        using var r = ShiraReader.Open(bytes);
        Assert.Equal(raw, r.GetValueBytes(r.Tensors[0]).ToArray());
    }

    [Fact]
    public void Raw_values_of_another_type_are_converted_with_round_to_nearest_even()
    {
        var rng = new Random(3);
        var f32 = Samples.RandomValues(rng, 100, 3f);
        var raw = new byte[f32.Length * 4];
        FloatSpans.FromSingle(f32, ValueDType.F32, raw);
        var idx = Enumerable.Range(0, 100).Select(i => (long)i * 3).ToArray();
        var bytes = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "w", Shape = [300], ValueDType = ValueDType.BF16 }, idx, raw, ValueDType.F32));
        using var r = ShiraReader.Open(bytes);
        var back = new float[100];
        r.ReadValues(r.Tensors[0], back);
        for (int i = 0; i < 100; i++) Assert.Equal(Narrow(f32[i], ValueDType.BF16), back[i]);
    }

    [Fact]
    public void Shared_index_sets_are_stored_once()
    {
        var rng = new Random(5);
        var idx = Samples.RandomIndices(rng, 4096, 100);
        void Add(ShiraWriter w)
        {
            for (int k = 0; k < 4; k++)
                w.AddTensor(new TensorSpec { Name = $"layer.{k}", Shape = [64, 64] }, idx, Samples.RandomValues(rng, 100));
        }
        var shared = Samples.Write(new AdapterMetadata(), Add);
        rng = new Random(5);
        _ = Samples.RandomIndices(rng, 4096, 100);
        var separate = Samples.Write(new AdapterMetadata(), Add, new ShiraWriterOptions { DeduplicateIndexSets = false });

        using var a = ShiraReader.Open(shared);
        using var b = ShiraReader.Open(separate);
        Assert.Equal(1, a.IndexSetCount);
        Assert.Equal(5, a.SectionCount);
        Assert.All(a.Tensors, t => Assert.Equal(0, t.IndexSetId));
        Assert.Equal(4, b.IndexSetCount);
        Assert.True(shared.Length < separate.Length);
        foreach (var t in a.Tensors)
        {
            var got = new long[t.Nnz];
            a.ReadIndices(t, got);
            Assert.Equal(idx, got);
        }
    }

    [Fact]
    public void Lz4_is_used_only_when_it_makes_a_section_smaller()
    {
        var rng = new Random(9);
        var dense = Enumerable.Range(0, 4096).Select(i => (long)i).ToArray(); // raw u64 of 0..4095 compresses well
        var zeros = new float[4096];
        var noise = new byte[4096 * 2];                                       // random bf16 bit patterns do not
        rng.NextBytes(noise);
        for (int i = 1; i < noise.Length; i += 2) noise[i] &= 0xBF;            // keep them finite
        var opts = new ShiraWriterOptions { CompressValues = true };
        var bytes = Samples.Write(new AdapterMetadata(), w =>
        {
            w.AddTensor(new TensorSpec { Name = "a", Shape = [4096], IndexEncoding = IndexEncoding.RawU64 }, dense, zeros);
            w.AddTensor(new TensorSpec { Name = "b", Shape = [4096], ValueDType = ValueDType.BF16 }, dense, noise, ValueDType.BF16);
        }, opts);
        using var r = ShiraReader.Open(bytes);
        Assert.True(r.Validate().IsValid);
        var a = r.Tensors[0];
        var b = r.Tensors[1];
        Assert.True(a.IndexSectionCodec == SectionCodec.Lz4Block, $"{a.IndexEncoding} {a.IndexSectionCodec} {a.IndexStoredBytes}");
        Assert.True(a.IndexStoredBytes < 4096 * 8);
        Assert.Equal(SectionCodec.Lz4Block, a.ValueSectionCodec);
        Assert.Equal(new byte[4096 * 4], r.GetValueBytes(a).ToArray());
        Assert.True(b.ValueSectionCodec == SectionCodec.None, $"{b.ValueSectionCodec} {b.ValueStoredBytes}");
        Assert.Equal(noise.Length, b.ValueStoredBytes);
        Assert.Equal(noise, r.GetValueBytes(b).ToArray());
        var got = new long[4096];
        r.ReadIndices(a, got);
        Assert.Equal(dense, got);

        // Values stay uncompressed by default, so they can be used in place.
        var plain = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "a", Shape = [4096], IndexEncoding = IndexEncoding.RawU64 }, dense, zeros));
        using var c = ShiraReader.Open(plain);
        Assert.Equal(SectionCodec.None, c.Tensors[0].ValueSectionCodec);

        var none = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "a", Shape = [4096], IndexEncoding = IndexEncoding.RawU64 }, dense, zeros),
            new ShiraWriterOptions { AllowLz4 = false, CompressValues = true });
        using var d = ShiraReader.Open(none);
        Assert.Equal(SectionCodec.None, d.Tensors[0].IndexSectionCodec);
        Assert.Equal(SectionCodec.None, d.Tensors[0].ValueSectionCodec);
    }

    [Theory]
    [InlineData(1000, 1063, false)] // saves 63 bytes: less than one 64-byte granule
    [InlineData(936, 1000, true)]   // saves 64 = max(64, 1000 / 16)
    [InlineData(9000, 10000, true)] // saves 1000 >= 10000 / 16
    [InlineData(9500, 10000, false)] // saves 500 < 625
    [InlineData(1000, 1000, false)]
    public void Lz4_is_kept_only_when_it_saves_a_sixteenth_and_a_granule(long compressed, long decoded, bool kept) =>
        Assert.Equal(kept, ShiraWriter.Lz4Pays(compressed, decoded));

    [Fact]
    public void Delta_coded_random_masks_stay_uncompressed_and_usable_in_place()
    {
        var rng = new Random(21);
        var idx = Samples.RandomIndices(rng, 512 * 512, 2621);
        var bytes = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "w", Shape = [512, 512] }, idx, Samples.RandomValues(rng, idx.Length)));
        using var r = ShiraReader.Open(bytes);
        Assert.Equal(IndexEncoding.DeltaBitPacked, r.Tensors[0].IndexEncoding);
        Assert.Equal(SectionCodec.None, r.Tensors[0].IndexSectionCodec);
    }

    [Fact]
    public void Structured_masks_store_no_index_bytes()
    {
        var (rows, cols) = StructuredMask.EveryNth(32, 64, 8);
        var mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = rows, Columns = cols, Diagonal = true, Density = 0.2 };
        long n = StructuredMask.Count(32, 64, rows, cols, true);
        var idx = new long[n];
        StructuredMask.Generate(32, 64, rows, cols, true, idx);
        var vals = Samples.RandomValues(new Random(1), (int)n);
        var bytes = Samples.Write(new AdapterMetadata(), w =>
            w.AddTensor(new TensorSpec { Name = "w", Shape = [32, 4, 16], Mask = mask }, idx, vals));
        using var r = ShiraReader.Open(bytes);
        var t = r.Tensors[0];
        Assert.Equal(IndexEncoding.Structured, t.IndexEncoding);
        Assert.Equal(0, t.IndexStoredBytes);
        Assert.Null(t.IndexSectionOffset);
        Assert.Equal(1, r.SectionCount);
        Assert.Equal(mask, t.Mask);
        var got = new long[n];
        r.ReadIndices(t, got);
        Assert.Equal(idx, got);
        var got32 = new uint[n];
        r.ReadIndices(t, got32);
        Assert.Equal(idx.Select(i => (uint)i), got32);
    }

    [Fact]
    public void Metadata_round_trips_and_is_stored_sorted()
    {
        var meta = Samples.Metadata;
        var bytes = Samples.Write(meta, _ => { });
        using var r = ShiraReader.Open(bytes);
        var m = r.Metadata;
        Assert.Equal(meta.Name, m.Name);
        Assert.Equal(meta.Description, m.Description);
        Assert.Equal(meta.BaseModel, m.BaseModel);
        Assert.Equal(meta.Provenance, m.Provenance);
        Assert.Equal(meta.BaseFingerprint.OrderBy(f => f.Name, StringComparer.Ordinal), m.BaseFingerprint);
        Assert.Equal(meta.Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal), m.Parameters.OrderBy(kv => kv.Key, StringComparer.Ordinal));
        Assert.Equal(meta.Extra, m.Extra);
        Assert.Empty(r.Tensors);
        Assert.True(r.Validate().IsValid);
    }

    [Fact]
    public void Tensor_fields_round_trip()
    {
        var mask = new MaskInfo { Strategy = MaskStrategy.Random, Density = 0.01, Seed = 1234567890123UL, Rank = 8, Description = "d" };
        var spec = new TensorSpec
        {
            Name = "model.layers.0.mlp.up_proj.weight", Shape = [2, 3, 4, 5], BaseDType = DType.BF16, Semantics = Semantics.Add,
            Scale = -0.0f, ValueDType = ValueDType.F16, Mask = mask,
        };
        var bytes = Samples.Write(new AdapterMetadata(), w => w.AddTensor(spec, [0, 7, 119], [1f, 2f, 3f]));
        using var r = ShiraReader.Open(bytes);
        var t = r.Tensors[0];
        Assert.Equal(spec.Name, t.Name);
        Assert.Equal(spec.Shape, t.Shape);
        Assert.Equal(120, t.Numel);
        Assert.Equal(DType.BF16, t.BaseDType);
        Assert.Equal(Semantics.Add, t.Semantics);
        Assert.Equal(BitConverter.SingleToUInt32Bits(-0.0f), BitConverter.SingleToUInt32Bits(t.Scale));
        Assert.Equal(3, t.Nnz);
        Assert.Equal(ValueDType.F16, t.ValueDType);
        Assert.Equal(mask, t.Mask);
        Assert.True(r.TryGetTensor(spec.Name, out var found));
        Assert.Same(t, found);
        Assert.False(r.TryGetTensor("nope", out _));
    }

    [Fact]
    public void Empty_and_full_masks_round_trip()
    {
        var full = Enumerable.Range(0, 35).Select(i => (long)i).ToArray();
        var bytes = Samples.Write(new AdapterMetadata(), w =>
        {
            w.AddTensor(new TensorSpec { Name = "empty", Shape = [5, 7] }, [], []);
            w.AddTensor(new TensorSpec { Name = "full", Shape = [5, 7], ValueDType = ValueDType.BF16 }, full, Samples.RandomValues(new Random(2), 35));
        });
        using var r = ShiraReader.Open(bytes);
        Assert.True(r.Validate().IsValid);
        Assert.Equal(0, r.Tensors[0].Nnz);
        Assert.Equal(0, r.GetValueBytes(r.Tensors[0]).Length);
        r.ReadIndices(r.Tensors[0], Span<long>.Empty);
        var got = new long[35];
        r.ReadIndices(r.Tensors[1], got);
        Assert.Equal(full, got);
    }

    [Fact]
    public void Random_shapes_densities_and_masks_round_trip()
    {
        var gen =
            from rank in Gen.Int[1, 4]
            from dims in Gen.Long[1, 9].Array[rank]
            from density in Gen.Double[0, 1]
            from type in Gen.Enum<ValueDType>()
            from encoding in Gen.Int[0, 4].Select(i => (IndexEncoding)i)
            from seed in Gen.Int
            from lz4 in Gen.Bool
            select (dims, density, type, encoding, seed, lz4);
        gen.Sample(c =>
        {
            var (dims, density, type, encoding, seed, lz4) = c;
            var rng = new Random(seed);
            long numel = dims.Aggregate(1L, (a, b) => a * b);
            int count = (int)Math.Round(numel * density);
            var idx = Samples.RandomIndices(rng, numel, count);
            var vals = Samples.RandomValues(rng, count);
            var opts = new ShiraWriterOptions { AllowLz4 = lz4, CompressValues = lz4 };
            var bytes = Samples.Write(new AdapterMetadata(), w =>
            {
                w.AddTensor(new TensorSpec { Name = "a", Shape = dims, ValueDType = type, IndexEncoding = encoding }, idx, vals);
                w.AddTensor(new TensorSpec { Name = "b", Shape = dims, ValueDType = type, IndexEncoding = encoding }, idx, vals);
            }, opts);
            Assert.Equal(bytes, Samples.Write(new AdapterMetadata(), w =>
            {
                w.AddTensor(new TensorSpec { Name = "a", Shape = dims, ValueDType = type, IndexEncoding = encoding }, idx, vals);
                w.AddTensor(new TensorSpec { Name = "b", Shape = dims, ValueDType = type, IndexEncoding = encoding }, idx, vals);
            }, opts));
            using var r = ShiraReader.Open(bytes);
            Assert.True(r.Validate().IsValid);
            Assert.Equal(1, r.IndexSetCount);
            foreach (var t in r.Tensors)
            {
                Assert.Equal(dims, t.Shape);
                var got = new long[t.Nnz];
                r.ReadIndices(t, got);
                Assert.Equal(idx, got);
                var back = new float[t.Nnz];
                r.ReadValues(t, back);
                for (int i = 0; i < back.Length; i++) Assert.Equal(Narrow(vals[i], type), back[i]);
            }
        }, iter: 200);
    }

    [Fact]
    public void Concurrent_reads_return_the_same_data()
    {
        var bytes = Samples.SmallAdapter(new ShiraWriterOptions { CompressValues = true });
        using var r = ShiraReader.Open(bytes);
        var expected = r.Tensors.Select(t => { var a = new long[t.Nnz]; r.ReadIndices(t, a); return a; }).ToArray();
        using var r2 = ShiraReader.Open(bytes);
        Parallel.For(0, 200, i =>
        {
            var t = r2.Tensors[i % r2.Tensors.Count];
            var a = new long[t.Nnz];
            r2.ReadIndices(t, a);
            Assert.Equal(expected[i % r2.Tensors.Count], a);
            var v = new float[t.Nnz];
            r2.ReadValues(t, v);
        });
    }
}
