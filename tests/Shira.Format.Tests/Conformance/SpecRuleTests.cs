using System.Buffers.Binary;
using System.Text.RegularExpressions;
using Shira.Format.Container;
using Shira.Format.Tests.Container;
using Shira.Testing;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Tests.Conformance;

/// <summary>Tests named after the MUSTs of spec/SPEC.md that the conformance vectors do not already cover one by one.</summary>
public class SpecRuleTests
{
    private static string Vector(string file) => Path.Combine(RepoPaths.Fixtures, "conformance", file);

    private static ShiraException Refuses(Action<ShiraWriter> add)
    {
        var ms = new MemoryStream();
        using var w = new ShiraWriter(ms, new AdapterMetadata());
        return Assert.Throws<ShiraException>(() => add(w));
    }

    /// <summary>A caller's mistake (not bad data) is an argument exception.</summary>
    private static void RefusesArgument(Action<ShiraWriter> add)
    {
        var ms = new MemoryStream();
        using var w = new ShiraWriter(ms, new AdapterMetadata());
        Assert.ThrowsAny<ArgumentException>(() => add(w));
    }

    [Fact]
    public void Spec_error_table_lists_every_error_code_with_its_name()
    {
        var spec = File.ReadAllText(Path.Combine(RepoPaths.Root, "spec", "SPEC.md"));
        foreach (var code in Enum.GetValues<ShiraErrorCode>().Where(c => c != ShiraErrorCode.None))
            Assert.Contains($"| `{ShiraException.FormatCode(code)}` | {code} |", spec);
        // And every code the table names exists with that number.
        foreach (Match m in Regex.Matches(spec, @"\| `SHIRA-E(\d{4})` \| (\w+) \|"))
            Assert.Equal(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), (int)Enum.Parse<ShiraErrorCode>(m.Groups[2].Value));
    }

    [Fact]
    public void Checksum_is_xxh3_64_seed_0_stored_little_endian()
    {
        Assert.Equal(0x2D06800538D394C2UL, ShiraLayout.Hash([]));
        var file = File.ReadAllBytes(Vector("valid/minimal.shira"));
        var trailer = file.AsSpan(file.Length - 64);
        Assert.Equal(ShiraLayout.Hash(file.AsSpan(64, 2)), BinaryPrimitives.ReadUInt64LittleEndian(trailer[16..]));
        Assert.Equal(ShiraLayout.Hash(trailer[..48]), BinaryPrimitives.ReadUInt64LittleEndian(trailer[48..]));
        // System.IO.Hashing's byte form is big-endian: the stored bytes are its reverse.
        var bigEndian = System.IO.Hashing.XxHash3.Hash(file.AsSpan(64, 2));
        Assert.Equal(bigEndian.Reverse().ToArray(), trailer[16..24].ToArray());
    }

    [Fact]
    public void Proto_enum_numbers_equal_the_public_enum_numbers()
    {
        foreach (var v in Enum.GetValues<IndexEncoding>().Where(v => v != IndexEncoding.Auto))
            Assert.Equal(v.ToString(), ((P.IndexEncoding)(int)v).ToString(), StringComparer.OrdinalIgnoreCase);
        foreach (var v in Enum.GetValues<ValueDType>()) Assert.Equal(v.ToString(), ((P.ValueType)(int)v).ToString(), StringComparer.OrdinalIgnoreCase);
        foreach (var v in Enum.GetValues<Semantics>()) Assert.Equal(v.ToString(), ((P.Semantics)(int)v).ToString());
        foreach (var v in Enum.GetValues<MaskStrategy>()) Assert.Equal(v.ToString(), ((P.MaskStrategy)(int)v).ToString());
        foreach (var v in Enum.GetValues<SectionCodec>()) Assert.Equal(v.ToString(), ((P.SectionCodec)(int)v).ToString());
    }

    [Fact]
    public void Sections_and_manifest_MUST_start_at_multiples_of_64()
    {
        using var r = ShiraReader.Open(Samples.SmallAdapter());
        Assert.Equal(0, r.ManifestOffset % 64);
        foreach (var t in r.Tensors)
        {
            Assert.Equal(0, t.ValueSectionOffset % 64);
            if (t.IndexSectionOffset is { } o) Assert.Equal(0, o % 64);
        }
    }

    [Fact]
    public void Reader_MUST_read_a_newer_minor_version()
    {
        using var r = ShiraReader.Open(Vector("valid/newer_minor.shira"));
        Assert.Equal(1, r.FormatMajor);
        Assert.Equal(1, r.FormatMinor);
        Assert.True(r.Validate().IsValid);
    }

    [Fact]
    public void Reader_MUST_reject_an_unknown_major_version()
    {
        var e = Assert.Throws<ShiraException>(() => ShiraReader.Open(Vector("invalid/unsupported_major.shira")));
        Assert.Equal(ShiraErrorCode.UnsupportedVersion, e.Code);
        Assert.Equal(8, e.Offset);
    }

    [Fact]
    public void Reader_MUST_check_the_manifest_size_before_reading_it()
    {
        // The trailer claims a 1 TiB manifest in a file of a few hundred bytes: rejected without allocating.
        var e = Assert.Throws<ShiraException>(() => ShiraReader.Open(Vector("invalid/manifest_too_large.shira")));
        Assert.Equal(ShiraErrorCode.ManifestTooLarge, e.Code);
        var small = Assert.Throws<ShiraException>(() => ShiraReader.Open(Vector("valid/metadata.shira"), new ShiraReaderOptions { MaxManifestBytes = 16 }));
        Assert.Equal(ShiraErrorCode.ManifestTooLarge, small.Code);
    }

    [Fact]
    public void Reader_MUST_apply_the_tensor_count_limit()
    {
        var e = Assert.Throws<ShiraException>(() => ShiraReader.Open(Vector("valid/shared_mask.shira"), new ShiraReaderOptions { MaxTensors = 2 }));
        Assert.Equal(ShiraErrorCode.LimitExceeded, e.Code);
    }

    [Fact]
    public void Reader_SHOULD_verify_a_section_checksum_on_first_read()
    {
        var bytes = File.ReadAllBytes(Vector("invalid/section_checksum.shira"));
        using var r = ShiraReader.Open(bytes); // structure is fine
        var a = r.Tensors[0];
        var e = Assert.Throws<ShiraException>(() => r.ReadValues(a, new float[a.Nnz]));
        Assert.Equal(ShiraErrorCode.SectionChecksum, e.Code);
        Assert.Equal(a.ValueSectionOffset, e.Offset);
        Assert.Equal("a", e.Tensor);
        using var unchecked_ = ShiraReader.Open(bytes, options: new ShiraReaderOptions { VerifyChecksums = false });
        unchecked_.ReadValues(unchecked_.Tensors[0], new float[a.Nnz]);
    }

    [Fact]
    public void Reader_reports_the_absolute_offset_of_a_bad_index()
    {
        var report = ShiraReader.ValidateFile(Vector("invalid/index_out_of_range.shira"));
        var issue = Assert.Single(report.Issues);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, issue.Code);
        Assert.Equal("a", issue.Tensor);
        Assert.Equal(64 + 16, issue.Offset); // section 0 at 64, the fifth u32
    }

    [Fact]
    public void Opening_an_empty_file_a_directory_or_a_missing_file_gives_a_ShiraException()
    {
        using var dir = new TempDir();
        var empty = dir.File("empty.shira");
        File.WriteAllBytes(empty, []);
        Assert.Equal(ShiraErrorCode.FileTooSmall, Assert.Throws<ShiraException>(() => ShiraReader.Open(empty)).Code);
        Assert.Equal(ShiraErrorCode.NotRegularFile, Assert.Throws<ShiraException>(() => ShiraReader.Open(dir.Path)).Code);
        Assert.Equal(ShiraErrorCode.IoError, Assert.Throws<ShiraException>(() => ShiraReader.Open(dir.File("missing.shira"))).Code);
        Assert.Equal(ShiraErrorCode.IoError, ShiraReader.ValidateFile(dir.File("missing.shira")).Issues[0].Code);
        Assert.Equal(ShiraErrorCode.FileTooSmall, ShiraReader.ValidateFile(empty).Issues[0].Code);
    }

    [Fact]
    public void Writer_MUST_refuse_non_finite_values()
    {
        var spec = new TensorSpec { Name = "w", Shape = [4] };
        Assert.Equal(ShiraErrorCode.NonFiniteValue, Refuses(w => w.AddTensor(spec, [1], [float.NaN])).Code);
        Assert.Equal(ShiraErrorCode.NonFiniteValue, Refuses(w => w.AddTensor(spec, [1], [float.NegativeInfinity])).Code);
        // Finite in f32 but infinite once narrowed to f16.
        Assert.Equal(ShiraErrorCode.NonFiniteValue, Refuses(w => w.AddTensor(spec with { ValueDType = ValueDType.F16 }, [1], [1e6f])).Code);
        Assert.Equal(ShiraErrorCode.NonFiniteValue, Refuses(w => w.AddTensor(spec with { Scale = float.NaN }, [1], [1f])).Code);
        var nanBf16 = new byte[] { 0xC0, 0x7F };
        Assert.Equal(ShiraErrorCode.NonFiniteValue, Refuses(w => w.AddTensor(spec with { ValueDType = ValueDType.BF16 }, [1], nanBf16, ValueDType.BF16)).Code);
    }

    [Fact]
    public void Writer_MUST_refuse_unsorted_or_duplicate_names()
    {
        var ms = new MemoryStream();
        using var w = new ShiraWriter(ms, new AdapterMetadata());
        w.AddTensor(new TensorSpec { Name = "b", Shape = [4] }, [1], [1f]);
        Assert.Equal(ShiraErrorCode.DuplicateTensor, Assert.Throws<ShiraException>(() => w.AddTensor(new TensorSpec { Name = "b", Shape = [4] }, [1], [1f])).Code);
        Assert.ThrowsAny<ArgumentException>(() => w.AddTensor(new TensorSpec { Name = "a", Shape = [4] }, [1], [1f]));
        // A refused tensor leaves the writer usable and the output valid.
        w.AddTensor(new TensorSpec { Name = "c", Shape = [4] }, [2], [1f]);
        w.Finish();
        using var r = ShiraReader.Open(ms.ToArray());
        Assert.Equal(["b", "c"], r.Tensors.Select(t => t.Name));
    }

    [Fact]
    public void Writer_MUST_refuse_bad_shapes()
    {
        foreach (long[] shape in new long[][] { [], [1, 2, 3, 4, 5], [4, 0], [-1], [1L << 32, 1L << 32] })
            Assert.Equal(ShiraErrorCode.BadShape, Refuses(w => w.AddTensor(new TensorSpec { Name = "w", Shape = shape }, [], [])).Code);
    }

    [Fact]
    public void Writer_MUST_refuse_bad_indices()
    {
        var spec = new TensorSpec { Name = "w", Shape = [2, 2] };
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, Refuses(w => w.AddTensor(spec, [4], [1f])).Code);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, Refuses(w => w.AddTensor(spec, [-1], [1f])).Code);
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, Refuses(w => w.AddTensor(spec, [2, 2], [1f, 1f])).Code);
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, Refuses(w => w.AddTensor(spec, [3, 1], [1f, 1f])).Code);
        Assert.Equal(ShiraErrorCode.NnzExceedsNumel, Refuses(w => w.AddTensor(spec, [0, 1, 2, 3, 4], new float[5])).Code);
        RefusesArgument(w => w.AddTensor(spec, [0, 1], [1f]));
    }

    [Fact]
    public void Writer_MUST_refuse_replace_entries_with_a_scale_other_than_one()
    {
        RefusesArgument(w => w.AddTensor(new TensorSpec { Name = "w", Shape = [4], Semantics = Semantics.Replace, Scale = 2f }, [1], [1f]));
    }

    [Fact]
    public void Writer_MUST_refuse_a_structured_encoding_for_other_indices()
    {
        var mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = [0], Columns = [], Diagonal = false };
        var spec = new TensorSpec { Name = "w", Shape = [2, 2], Mask = mask, IndexEncoding = IndexEncoding.Structured };
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Refuses(w => w.AddTensor(spec, [0, 2], [1f, 1f])).Code);
        Assert.Equal(ShiraErrorCode.BadStructuredMask, Refuses(w => w.AddTensor(spec with { Shape = [4] }, [0], [1f])).Code);
    }

    [Fact]
    public void Writer_MUST_produce_the_same_bytes_for_the_same_adapter()
    {
        var a = Samples.SmallAdapter();
        Assert.Equal(a, Samples.SmallAdapter());
        // Metadata given in another order serializes identically (lists are sorted).
        var m1 = Samples.Metadata;
        var m2 = m1 with
        {
            BaseFingerprint = m1.BaseFingerprint.Reverse().ToArray(),
            Parameters = m1.Parameters.Reverse().ToDictionary(kv => kv.Key, kv => kv.Value),
        };
        Assert.Equal(Samples.Write(m1, _ => { }), Samples.Write(m2, _ => { }));
    }

    [Fact]
    public void Streaming_to_a_non_seekable_stream_gives_the_WriteFile_bytes()
    {
        using var dir = new TempDir();
        var path = dir.File("a.shira");
        var rng = new Random(11);
        var idx = Samples.RandomIndices(rng, 1000, 50);
        var vals = Samples.RandomValues(rng, 50);
        void Add(ShiraWriter w) => w.AddTensor(new TensorSpec { Name = "w", Shape = [10, 100] }, idx, vals);
        ShiraWriter.WriteFile(path, Samples.Metadata, Add);
        var pipe = new ForwardOnlyStream();
        using (var w = new ShiraWriter(pipe, Samples.Metadata))
        {
            Add(w);
            w.Finish();
        }
        Assert.Equal(File.ReadAllBytes(path), pipe.Bytes.ToArray());
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new ShiraWriter(buffer, Samples.Metadata))
        {
            Add(w);
            w.Finish();
        }
        Assert.Equal(File.ReadAllBytes(path), buffer.WrittenSpan.ToArray());
        Assert.Single(Directory.GetFiles(dir.Path)); // no temporary file left
    }

    [Fact]
    public void WriteFile_MUST_leave_an_existing_file_untouched_on_failure()
    {
        using var dir = new TempDir();
        var path = dir.File("a.shira");
        File.WriteAllBytes(path, [1, 2, 3]);
        var e = Assert.Throws<ShiraException>(() => ShiraWriter.WriteFile(path, new AdapterMetadata(), w =>
        {
            w.AddTensor(new TensorSpec { Name = "a", Shape = [4] }, [1], [1f]);
            w.AddTensor(new TensorSpec { Name = "b", Shape = [4] }, [1], [float.NaN]);
        }));
        Assert.Equal(ShiraErrorCode.NonFiniteValue, e.Code);
        Assert.Equal([1, 2, 3], File.ReadAllBytes(path));
        Assert.Single(Directory.GetFiles(dir.Path));
        Assert.Equal(ShiraErrorCode.IoError, Assert.Throws<ShiraException>(() =>
            ShiraWriter.WriteFile(dir.File("no/such/dir/x.shira"), new AdapterMetadata(), _ => { })).Code);
    }

    [Fact]
    public void Reading_after_dispose_fails_cleanly()
    {
        var r = ShiraReader.Open(Samples.SmallAdapter());
        var t = r.Tensors[0];
        r.Dispose();
        Assert.Throws<ObjectDisposedException>(() => r.ReadValues(t, new float[t.Nnz]));
    }

    /// <summary>A write-only stream that cannot seek or report its length, like a pipe.</summary>
    private sealed class ForwardOnlyStream : Stream
    {
        public MemoryStream Bytes { get; } = new();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => Bytes.Write(buffer, offset, count);
    }
}
