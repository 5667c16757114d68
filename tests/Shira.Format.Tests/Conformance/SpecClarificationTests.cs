using System.Buffers.Binary;
using Google.Protobuf;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Tests.Container;
using Shira.Testing;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Tests.Conformance;

/// <summary>Tests named after the rules that specification revision 1.0.1 states or pins (issue 9 §2).</summary>
public class SpecClarificationTests
{
    private static byte[] Vector(string file) => File.ReadAllBytes(Path.Combine(RepoPaths.Fixtures, "conformance", file));

    /// <summary>Two tensors, "a" (raw u32) and "b" (delta bit-packed), as in the conformance base file.</summary>
    private static byte[] Base() => Samples.Write(new AdapterMetadata { Name = "base" }, w =>
    {
        w.AddTensor(new TensorSpec { Name = "a", Shape = [8, 8], IndexEncoding = IndexEncoding.RawU32 }, [1, 5, 9, 20, 63], [1, 2, 3, 4, 5]);
        w.AddTensor(new TensorSpec { Name = "b", Shape = [16, 16], IndexEncoding = IndexEncoding.DeltaBitPacked, Mask = new MaskInfo { Strategy = MaskStrategy.Random, Density = 0.25 } },
            [3, 10, 17], [1, 2, 3]);
    }, new ShiraWriterOptions { AllowLz4 = false });

    private static ContainerImage Image(int minor)
    {
        var img = ContainerImage.Parse(Base());
        if (minor == 0) return img;
        img.Minor = (ushort)minor;
        img.Manifest.FormatMinor = (uint)minor;
        BinaryPrimitives.WriteUInt16LittleEndian(img.Header.AsSpan(10), (ushort)minor);
        return img;
    }

    private static ShiraErrorCode? Verdict(byte[] file, ShiraReaderOptions? options = null)
    {
        try
        {
            using var r = ShiraReader.Open(file, options: options);
            var report = r.Validate();
            return report.IsValid ? null : report.Issues[0].Code;
        }
        catch (ShiraException e)
        {
            return e.Code;
        }
    }

    private static ShiraException OpenFails(byte[] file, ShiraReaderOptions? options = null) =>
        Assert.Throws<ShiraException>(() => ShiraReader.Open(file, options: options).Dispose());

    public static TheoryData<string, string> WireCases() => new()
    {
        { "wire type 6", "7E00" },
        { "wire type 7", "7F00" },
        { "start group", "7B7C" },
        { "stray end group", "7C" },
        { "field number 0", "0001" },
        { "tag longer than 32 bits", "F8FFFFFF7F00" },
        { "truncated tag", "F8" },
        { "truncated varint", "78FF" },
        { "varint above 2^64", "78FFFFFFFFFFFFFFFFFF02" },
        { "truncated length", "7A05AA" },
        { "truncated fixed64", "7900000000" },
        { "truncated fixed32", "7D0000" },
        { "known uint32 as fixed32", "1501000000" },
        { "known message as varint", "1801" },
        { "known repeated message as fixed64", "210000000000000000" },
        { "uint32 above 2^32", "108080808010" },
        { "adapter name not UTF-8", "1A030A01FF" },
        { "adapter name overlong UTF-8", "1A040A02C0AF" },
        { "adapter name surrogate", "1A050A03EDA080" },
        { "provenance tool not UTF-8", "1A052A030A01FE" },
    };

    [Theory]
    [MemberData(nameof(WireCases))]
    public void Manifest_that_is_not_valid_protobuf_MUST_be_ManifestMalformed_in_every_minor(string what, string hex)
    {
        foreach (int minor in new[] { 0, 1 })
        {
            var img = Image(minor);
            byte[] manifest = [.. img.Manifest.ToByteArray(), .. Convert.FromHexString(hex)];
            var e = OpenFails(img.Build(manifest));
            Assert.True(e.Code == ShiraErrorCode.ManifestMalformed, $"{what} (minor {minor}): {e}");
            // The offset is inside the manifest, at or after where the appended bytes begin.
            Assert.InRange(e.Offset!.Value, img.Header.Length + img.Data.Length + manifest.Length - hex.Length / 2, img.Header.Length + img.Data.Length + manifest.Length);
        }
    }

    [Fact]
    public void Valid_protobuf_that_is_not_canonical_is_NotCanonical_in_a_known_minor_and_read_in_a_newer_one()
    {
        // Unknown fields of each allowed wire type: valid protobuf, not canonical in 1.0, skipped in 1.1.
        foreach (var tail in new[] { "7807", "7A00", "7D01000000", "790100000000000000" })
        {
            var img0 = Image(0);
            Assert.Equal(ShiraErrorCode.NotCanonical, OpenFails(img0.Build([.. img0.Manifest.ToByteArray(), .. Convert.FromHexString(tail)])).Code);
            var img1 = Image(1);
            Assert.Null(Verdict(img1.Build([.. img1.Manifest.ToByteArray(), .. Convert.FromHexString(tail)])));
        }
    }

    [Fact]
    public void Recursion_limit_counts_the_root_message_as_depth_1()
    {
        // valid/metadata.shira has Manifest (1) > Adapter (2) > BaseTensor (3).
        var file = Vector("valid/metadata.shira");
        Assert.Null(Verdict(file, new ShiraReaderOptions { MaxRecursionDepth = 3 }));
        Assert.Equal(ShiraErrorCode.ManifestMalformed, OpenFails(file, new ShiraReaderOptions { MaxRecursionDepth = 2 }).Code);
        Assert.Equal(ShiraErrorCode.ManifestMalformed, OpenFails(Vector("valid/raw_u32_f32.shira"), new ShiraReaderOptions { MaxRecursionDepth = 1 }).Code);
        Assert.Null(Verdict(Vector("valid/minimal.shira"), new ShiraReaderOptions { MaxRecursionDepth = 1 }));
    }

    [Fact]
    public void Negative_enum_values_are_undefined_values_with_the_fields_code()
    {
        (Action<P.Manifest> Change, ShiraErrorCode Code)[] cases =
        [
            (m => m.Sections[0].Codec = (P.SectionCodec)(-1), ShiraErrorCode.CodecError),
            (m => m.Sections[0].Kind = (P.SectionKind)(-2), ShiraErrorCode.ManifestInvalidField),
            (m => m.IndexSets[0].Encoding = (P.IndexEncoding)int.MinValue, ShiraErrorCode.ManifestInvalidField),
            (m => m.Tensors[0].Semantics = (P.Semantics)(-1), ShiraErrorCode.ManifestInvalidField),
            (m => m.Tensors[0].ValueType = (P.ValueType)(-1), ShiraErrorCode.BadValues),
            (m => m.Tensors[1].Mask.Strategy = (P.MaskStrategy)(-1), ShiraErrorCode.ManifestInvalidField),
        ];
        foreach (var (change, code) in cases)
        {
            var img = Image(0);
            change(img.Manifest);
            Assert.Equal(code, OpenFails(img.Build()).Code);
        }
    }

    [Fact]
    public void Present_but_empty_sub_messages_MUST_be_NotCanonical()
    {
        Action<P.Manifest>[] cases =
        [
            m => m.Adapter.Provenance = new P.Provenance(),
            m => m.Tensors[0].Mask = new P.Mask(),
            m => { m.Adapter = new P.Adapter(); },
        ];
        foreach (var change in cases)
        {
            var img = Image(0);
            change(img.Manifest);
            Assert.Equal(ShiraErrorCode.NotCanonical, OpenFails(img.Build()).Code);
            // In a newer minor the empty message means what an absent one does.
            var newer = Image(1);
            change(newer.Manifest);
            Assert.Null(Verdict(newer.Build()));
        }
        // An empty structured message on a structured set: step 6 (NotCanonical) comes before §7.2 (BadStructuredMask).
        var s = ContainerImage.Parse(Vector("valid/structured.shira"));
        s.Manifest.IndexSets[0].Structured = new P.Structured();
        Assert.Equal(ShiraErrorCode.NotCanonical, OpenFails(s.Build()).Code);
    }

    [Fact]
    public void Mask_density_negative_zero_MUST_be_NotCanonical_and_writers_write_positive_zero()
    {
        var img = Image(0);
        img.Manifest.Tensors[1].Mask.DensityBits = 0x8000_0000_0000_0000;
        Assert.Equal(ShiraErrorCode.NotCanonical, OpenFails(img.Build()).Code);

        var newer = Image(1);
        newer.Manifest.Tensors[1].Mask.DensityBits = 0x8000_0000_0000_0000;
        using (var r = ShiraReader.Open(newer.Build()))
            Assert.Equal(0UL, (ulong)BitConverter.DoubleToInt64Bits(r.Tensors[1].Mask.Density));

        var written = Samples.Write(new AdapterMetadata(), w => w.AddTensor(
            new TensorSpec { Name = "w", Shape = [4], Mask = new MaskInfo { Strategy = MaskStrategy.Random, Density = -0.0 } }, [1], [1f]));
        Assert.Null(Verdict(written));
        Assert.Equal(0UL, ContainerImage.Parse(written).Manifest.Tensors[0].Mask.DensityBits);
    }

    [Fact]
    public void Count_bounds_of_7_4_MUST_be_checked_before_the_metadata()
    {
        Assert.Equal(ShiraErrorCode.BadReference, Verdict(Vector("invalid/reference_bounds_first.shira")));
        var img = Image(0);
        img.Manifest.Sections.Add(img.Manifest.Sections[0].Clone());
        img.Manifest.Sections.Add(img.Manifest.Sections[0].Clone());
        img.Manifest.Sections.Add(img.Manifest.Sections[0].Clone()); // 7 sections for 2 tensors
        img.Manifest.Adapter.Extra.Add(new P.KeyValue { Key = "z" });
        img.Manifest.Adapter.Extra.Add(new P.KeyValue { Key = "a" });
        Assert.Equal(ShiraErrorCode.BadReference, OpenFails(img.Build()).Code);
    }

    [Fact]
    public void Metadata_checks_MUST_run_entry_by_entry_in_the_stated_order()
    {
        Assert.Equal(ShiraErrorCode.LimitExceeded, Verdict(Vector("invalid/metadata_check_order.shira")));
        (Action<P.Adapter> Change, ShiraErrorCode Code)[] cases =
        [
            // dtype (b) before rank (c)
            (a => a.BaseFingerprint.Add(new P.BaseTensor { Name = "x", Dtype = "X9", Shape = { 1, 1, 1, 1, 1, 1, 1, 1, 1 } }), ShiraErrorCode.ManifestInvalidField),
            // rank (c) before dimensions (d)
            (a => a.BaseFingerprint.Add(new P.BaseTensor { Name = "x", Dtype = "F32", Shape = { ulong.MaxValue, 1, 1, 1, 1, 1, 1, 1, 1 } }), ShiraErrorCode.LimitExceeded),
            // order (a) of entry 1 before anything of later entries; fingerprint before parameters
            (a =>
            {
                a.BaseFingerprint.Add(new P.BaseTensor { Name = "y", Dtype = "F32" });
                a.BaseFingerprint.Add(new P.BaseTensor { Name = "x", Dtype = "X9" });
                a.Parameters.Add(new P.KeyValue { Key = "b" });
                a.Parameters.Add(new P.KeyValue { Key = "a" });
            }, ShiraErrorCode.NotCanonical),
            // a dimension above 2^63 - 1 (d)
            (a => a.BaseFingerprint.Add(new P.BaseTensor { Name = "x", Dtype = "F32", Shape = { 1UL << 63 } }), ShiraErrorCode.ManifestInvalidField),
        ];
        foreach (var (change, code) in cases)
        {
            var img = Image(0);
            change(img.Manifest.Adapter);
            img.Manifest.Sections[1].Offset += 8; // a §7.1 error that must not be reported first
            Assert.Equal(code, OpenFails(img.Build()).Code);
        }
    }

    [Fact]
    public void Value_section_length_mismatch_MUST_be_BadDecodedLength_not_BadValues()
    {
        Assert.Equal(ShiraErrorCode.BadDecodedLength, Verdict(Vector("invalid/value_section_length.shira")));
        Assert.Equal(ShiraErrorCode.BadValues, Verdict(Vector("invalid/bad_value_type.shira")));
    }

    [Fact]
    public void Raw_u32_MUST_be_allowed_for_numel_exactly_2_32()
    {
        using var r = ShiraReader.Open(Vector("valid/raw_u32_numel_2_32.shira"));
        var t = r.Tensors[0];
        Assert.Equal(1L << 32, t.Numel);
        Assert.Equal(IndexEncoding.RawU32, t.IndexEncoding);
        var u = new uint[3];
        r.ReadIndices(t, u);
        Assert.Equal(uint.MaxValue, u[2]);
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, Verdict(Vector("invalid/raw_u32_numel_above_2_32.shira")));
    }

    [Fact]
    public void Structured_set_MUST_come_from_the_index_sets_Structured_message()
    {
        using var r = ShiraReader.Open(Vector("valid/structured_mask_metadata_differs.shira"));
        var t = r.Tensors[0];
        Assert.Equal([1L], t.Mask.Rows);
        var actual = new long[t.Nnz];
        r.ReadIndices(t, actual);
        var (rows, cols) = StructuredMask.EveryNth(16, 16, 4);
        var expected = new long[StructuredMask.Count(16, 16, rows, cols, true)];
        StructuredMask.Generate(16, 16, rows, cols, true, expected);
        Assert.Equal(expected, actual);
    }

    public static TheoryData<IndexEncoding> DeltaEncodings() => new() { IndexEncoding.DeltaBitPacked, IndexEncoding.DeltaVarint };

    private static ShiraErrorCode AllPaths(IndexEncoding encoding, byte[] encoded, long numel, int count)
    {
        var decode = Assert.Throws<ShiraException>(() => IndexCodec.Decode(encoding, encoded, numel, new long[count])).Code;
        Assert.Equal(decode, Assert.Throws<ShiraException>(() => IndexCodec.Validate(encoding, encoded, numel, count)).Code);
        Assert.Equal(decode, Assert.Throws<ShiraException>(() => IndexCodec.Check(encoding, encoded, numel, count)).Code);
        if (numel <= 1L << 32)
            Assert.Equal(decode, Assert.Throws<ShiraException>(() => IndexCodec.Decode(encoding, encoded, numel, new uint[count])).Code);
        return decode;
    }

    [Theory]
    [MemberData(nameof(DeltaEncodings))]
    public void Delta_block_structure_MUST_be_checked_before_its_indices(IndexEncoding encoding)
    {
        // Indices 1, 100, 200 encoded for numel 1000, then read with numel 150: the last index leaves the tensor.
        var encoded = IndexCodec.Encode(encoding, [1, 100, 200], 1000);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, AllPaths(encoding, encoded, 150, 3));
        // A spare byte after the block as well: its structure is what is reported.
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, AllPaths(encoding, [.. encoded, 0x00], 150, 3));
        // A missing byte as well.
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, AllPaths(encoding, encoded[..^1], 150, 3));
    }

    [Theory]
    [MemberData(nameof(DeltaEncodings))]
    public void Skip_table_rules_MUST_have_their_stated_codes(IndexEncoding encoding)
    {
        var indices = Enumerable.Range(0, 300).Select(i => 3L * i).ToArray(); // two blocks of B = 256
        var encoded = IndexCodec.Encode(encoding, indices, 1000);
        const int entry1 = 16 + 16;
        byte[] Patch(int at, ulong value)
        {
            var b = (byte[])encoded.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(b.AsSpan(at), value);
            return b;
        }
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, AllPaths(encoding, Patch(entry1, 1000), 1000, 300));
        Assert.Equal(ShiraErrorCode.IndexNotIncreasing, AllPaths(encoding, Patch(entry1, 255), 1000, 300));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, AllPaths(encoding, Patch(16 + 8, 1), 1000, 300));
        Assert.Equal(ShiraErrorCode.IndexEncodingCorrupt, AllPaths(encoding, Patch(entry1 + 8, (ulong)encoded.Length), 1000, 300));
        // Rule (1) before (2) before (3) inside one entry.
        var all = Patch(entry1, 1000);
        BinaryPrimitives.WriteUInt64LittleEndian(all.AsSpan(entry1 + 8), (ulong)encoded.Length);
        Assert.Equal(ShiraErrorCode.IndexOutOfRange, AllPaths(encoding, all, 1000, 300));
        // The count in the header is BadDecodedLength.
        Assert.Equal(ShiraErrorCode.BadDecodedLength, AllPaths(encoding, encoded, 1000, 299));
    }
}
