using Shira.Format.Container;
using Shira.Testing;

namespace Shira.Format.Tests.Container;

/// <summary><see cref="ShiraWriterOptions.IndexEncoding"/>: the encoding of tensors whose spec says Auto.</summary>
public class WriterIndexEncodingTests
{
    private static readonly long[] Indices = Enumerable.Range(0, 3000).Select(i => (long)i * 97 + i % 13).ToArray();

    private static ShiraReader Write(TempDir tmp, ShiraWriterOptions? options, params TensorSpec[] specs)
    {
        string path = tmp.File(Guid.NewGuid().ToString("N") + ".shira");
        var values = Indices.Select(i => (float)i).ToArray();
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "t" }, w =>
        {
            foreach (var s in specs) w.AddTensor(s, Indices, values);
        }, options);
        return ShiraReader.Open(path);
    }

    [Theory]
    [InlineData(IndexEncoding.RawU32)]
    [InlineData(IndexEncoding.RawU64)]
    [InlineData(IndexEncoding.DeltaBitPacked)]
    [InlineData(IndexEncoding.DeltaVarint)]
    public void Auto_tensors_take_the_writer_encoding_and_decode_to_the_same_indices(IndexEncoding encoding)
    {
        using var tmp = new TempDir();
        using var r = Write(tmp, new ShiraWriterOptions { IndexEncoding = encoding },
            new TensorSpec { Name = "a", Shape = [1000, 300] });
        var t = r.Tensors[0];
        Assert.Equal(encoding, t.IndexEncoding);
        var idx = new long[t.Nnz];
        r.ReadIndices(t, idx);
        Assert.Equal(Indices, idx);
        Assert.True(r.Validate().IsValid);
    }

    [Fact]
    public void Raw_indices_forced_by_the_options_are_never_compressed()
    {
        // Raw u64 indices of a small tensor are mostly zero bytes and compress well; forced by the options they stay
        // in place anyway.
        using var tmp = new TempDir();
        var runs = Enumerable.Range(0, 20_000).Select(i => (long)i).ToArray();
        string path = tmp.File("r.shira");
        ShiraWriter.WriteFile(path, new AdapterMetadata { Name = "t" },
            w => w.AddTensor(new TensorSpec { Name = "a", Shape = [200, 200] }, runs, new float[runs.Length]),
            new ShiraWriterOptions { IndexEncoding = IndexEncoding.RawU64 });
        using var r = ShiraReader.Open(path);
        Assert.Equal(IndexEncoding.RawU64, r.Tensors[0].IndexEncoding);
        Assert.Equal(SectionCodec.None, r.Tensors[0].IndexSectionCodec);
        // The same set asked for explicitly in the spec is compressed as usual (LZ4 saves far more than 1/16 here).
        string explicitPath = tmp.File("e.shira");
        ShiraWriter.WriteFile(explicitPath, new AdapterMetadata { Name = "t" },
            w => w.AddTensor(new TensorSpec { Name = "a", Shape = [200, 200], IndexEncoding = IndexEncoding.RawU64 }, runs, new float[runs.Length]));
        using var e = ShiraReader.Open(explicitPath);
        Assert.Equal(SectionCodec.Lz4Block, e.Tensors[0].IndexSectionCodec);
    }

    [Fact]
    public void Raw_u32_becomes_raw_u64_above_2_to_the_32_elements_and_explicit_specs_win()
    {
        using var tmp = new TempDir();
        using var r = Write(tmp, new ShiraWriterOptions { IndexEncoding = IndexEncoding.RawU32 },
            new TensorSpec { Name = "big", Shape = [1L << 20, 1L << 13] },
            new TensorSpec { Name = "explicit", Shape = [1000, 300], IndexEncoding = IndexEncoding.DeltaVarint });
        Assert.Equal(IndexEncoding.RawU64, r.Tensors.Single(t => t.Name == "big").IndexEncoding);
        Assert.Equal(IndexEncoding.DeltaVarint, r.Tensors.Single(t => t.Name == "explicit").IndexEncoding);
    }

    [Fact]
    public void Structured_is_not_a_writer_wide_encoding()
    {
        Assert.ThrowsAny<ArgumentException>(() => new ShiraWriter(new MemoryStream(), new AdapterMetadata { Name = "t" },
            new ShiraWriterOptions { IndexEncoding = IndexEncoding.Structured }));
    }
}
