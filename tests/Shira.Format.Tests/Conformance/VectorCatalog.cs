using System.Buffers.Binary;
using Google.Protobuf;
using Shira.Format.Codecs;
using Shira.Format.Container;
using Shira.Format.Tests.Codecs;
using Shira.Format.Tests.Container;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Tests.Conformance;

/// <summary>One conformance vector: a file name, what it shows, how it is made, and the expected outcome
/// (null = valid; otherwise the code of the first issue <see cref="ShiraReader.ValidateFile"/> reports).</summary>
internal sealed record Vector(string File, string Description, ShiraErrorCode? Expected, Func<byte[]> Build);

/// <summary>
/// The generator of fixtures/conformance/: every vector is built from deterministic inputs by the library's writer
/// and, for invalid vectors, one targeted change re-sealed with correct checksums around it.
/// </summary>
internal static class VectorCatalog
{
    private static readonly AdapterMetadata Meta = new()
    {
        Name = "conformance",
        Description = "SHiRA conformance vector",
        BaseModel = "example/tiny",
        BaseFingerprint =
        [
            new BaseTensorFingerprint("h.0.attn.weight", [16, 16], DType.F32, 0x0123_4567_89AB_CDEF),
            new BaseTensorFingerprint("h.0.mlp.weight", [32, 16], DType.BF16, null),
        ],
        Provenance = new Provenance { Tool = "shira", ToolVersion = "1.0.0", Source = "generated", SourceFormat = "test-vector" },
        Parameters = new Dictionary<string, string> { ["alpha"] = "8", ["r"] = "4" },
        Extra = new Dictionary<string, string> { ["license"] = "CC0-1.0" },
    };

    private static long[] Stride(long start, long step, int count) => Enumerable.Range(0, count).Select(i => start + step * i).ToArray();

    // Exactly representable values (multiples of 1/64), so f16/bf16 narrowing is exact and readable in hex dumps.
    private static float[] Values(int count, float first = 0.5f) => Enumerable.Range(0, count).Select(i => first + i / 64f).ToArray();

    private static byte[] Write(AdapterMetadata meta, Action<ShiraWriter> add, ShiraWriterOptions? options = null) =>
        Samples.Write(meta, add, options);

    private static TensorSpec Spec(string name, long[] shape, IndexEncoding enc = IndexEncoding.Auto, ValueDType type = ValueDType.F32) =>
        new() { Name = name, Shape = shape, IndexEncoding = enc, ValueDType = type };

    /// <summary>Two tensors: "a" (raw u32 indices, f32 values) then "b" (delta bit-packed, f32).</summary>
    private static byte[] Base() => Write(new AdapterMetadata { Name = "base" }, w =>
    {
        w.AddTensor(Spec("a", [8, 8], IndexEncoding.RawU32), [1, 5, 9, 20, 63], Values(5));
        w.AddTensor(Spec("b", [16, 16], IndexEncoding.DeltaBitPacked), Stride(3, 7, 20), Values(20));
    }, new ShiraWriterOptions { AllowLz4 = false });

    private static byte[] Mutate(Action<ContainerImage> change)
    {
        var img = ContainerImage.Parse(Base());
        change(img);
        return img.Build();
    }

    private static byte[] Flip(byte[] file, long offset, byte mask = 0x01)
    {
        file[offset] ^= mask;
        return file;
    }

    private static long ManifestOffset(byte[] file) =>
        (long)BinaryPrimitives.ReadUInt64LittleEndian(file.AsSpan(file.Length - ShiraLayout.TrailerSize));

    private static (long[] Rows, long[] Cols, long[] Indices) Struct(long rows, long cols, long stride)
    {
        var (r, c) = StructuredMask.EveryNth(rows, cols, stride);
        var idx = new long[StructuredMask.Count(rows, cols, r, c, true)];
        StructuredMask.Generate(rows, cols, r, c, true, idx);
        return (r, c, idx);
    }

    // ---- LZ4 blocks written sequence by sequence (spec §5.1) -------------------------------------
    /// <summary>16 bytes: four f32 values, the literal pattern of the hand-made LZ4 value blocks.</summary>
    private static byte[] Pattern() => System.Runtime.InteropServices.MemoryMarshal.AsBytes(Values(4).AsSpan()).ToArray();

    /// <summary>A valid block decoding to 256 bytes: 16 literals, an overlapping match (offset 16, 228 bytes) ending
    /// at 244 = 256 − 12, then 12 literals. Each invalid LZ4 vector changes one thing in it.</summary>
    internal static Lz4Seq[] Lz4Base() => [new(Pattern(), 16, 228), new(Pattern()[4..])];

    /// <summary>One tensor "w" [16, 16] (64 raw-u32 indices) whose 256-byte f32 value section is stored as
    /// <paramref name="block"/>, an LZ4 block declared to decode to <paramref name="decoded"/> bytes.</summary>
    internal static byte[] Lz4Values(byte[] block, int decoded = 256)
    {
        var img = ContainerImage.Parse(Write(new AdapterMetadata { Name = "lz4" },
            w => w.AddTensor(Spec("w", [16, 16], IndexEncoding.RawU32), Stride(0, 4, 64), Values(64)), new ShiraWriterOptions { AllowLz4 = false }));
        img.ReplaceSection(1, block, P.SectionCodec.Lz4Block, (ulong)decoded);
        return img.Build();
    }

    private static byte[] Lz4Values(Func<Lz4Seq[], Lz4Seq[]> change) => Lz4Values(Lz4Sequences.Write(change(Lz4Base())));

    // ---- manifests written field by field (spec §6.6 wire rules) ---------------------------------
    /// <summary>The base file as version 1.1 (a minor newer than 1.0): no canonical-encoding check applies, so a
    /// vector on it shows a wire rule, not a canonical-form rule.</summary>
    private static ContainerImage NewerMinor(byte[]? file = null)
    {
        var img = ContainerImage.Parse(file ?? Base());
        img.Minor = 1;
        img.Manifest.FormatMinor = 1;
        BinaryPrimitives.WriteUInt16LittleEndian(img.Header.AsSpan(10), 1);
        return img;
    }

    /// <summary>The manifest with <paramref name="extra"/> raw field bytes appended to tensor <paramref name="t"/>'s
    /// message (tensors are the last manifest field, so everything before them is the library's encoding).</summary>
    private static byte[] WithTensorTail(P.Manifest m, int t, byte[] extra)
    {
        var head = m.Clone();
        head.Tensors.Clear();
        var o = new List<byte>(head.ToByteArray());
        for (int i = 0; i < m.Tensors.Count; i++)
        {
            byte[] body = i == t ? [.. m.Tensors[i].ToByteArray(), .. extra] : m.Tensors[i].ToByteArray();
            o.Add(0x32); // field 6 (tensors), wire type 2
            o.AddRange(Varint((ulong)body.Length));
            o.AddRange(body);
        }
        return [.. o];
    }

    private static byte[] Varint(ulong v)
    {
        var o = new List<byte>();
        for (; v >= 0x80; v >>= 7) o.Add((byte)(v | 0x80));
        o.Add((byte)v);
        return [.. o];
    }

    /// <summary>One tensor "w" [16, 16] with a DELTA_VARINT index section replaced by <paramref name="encoded"/>.</summary>
    private static byte[] VarintIndices(byte[] encoded)
    {
        var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(Spec("w", [16, 16], IndexEncoding.DeltaVarint), [1, 160, 200, 255], Values(4)),
            new ShiraWriterOptions { AllowLz4 = false }));
        img.ReplaceSection(0, encoded, P.SectionCodec.None, (ulong)encoded.Length);
        return img.Build();
    }

    /// <summary>A one-block DELTA_VARINT encoding (B = 256) of first index 1 and the given data bytes after one
    /// control byte (three 1-byte gaps).</summary>
    private static byte[] VarintBlock(params byte[] data)
    {
        var header = new byte[16 + 16];
        header[0] = 0x56; header[1] = 1; header[2] = 8; header[8] = 4; // tag, version, log2 block, count 4
        header[16] = 1;                                                // skip entry 0: first index 1, offset 0
        return [.. header, 0x00, .. data];
    }

    public static IReadOnlyList<Vector> All { get; } =
    [
        // ---- valid ---------------------------------------------------------------------------
        new("valid/minimal.shira", "smallest valid file: no metadata, no tensors (the worked example of SPEC.md §16)", null,
            () => Write(new AdapterMetadata(), _ => { })),
        new("valid/raw_u32_f32.shira", "one tensor, RAW_U32 indices, f32 values", null,
            () => Write(new AdapterMetadata { Name = "raw32" }, w => w.AddTensor(Spec("w", [4, 8], IndexEncoding.RawU32), [0, 3, 10, 31], Values(4)))),
        new("valid/raw_u64_f16.shira", "one tensor, RAW_U64 indices, f16 values", null,
            () => Write(new AdapterMetadata { Name = "raw64" }, w => w.AddTensor(Spec("w", [4, 8], IndexEncoding.RawU64, ValueDType.F16), [2, 9, 17], Values(3)))),
        new("valid/delta_bitpacked_bf16.shira", "one tensor, DELTA_BITPACKED indices (two blocks), bf16 values", null,
            () => Write(new AdapterMetadata { Name = "bitpacked" }, w =>
                w.AddTensor(Spec("w", [64, 64], IndexEncoding.DeltaBitPacked, ValueDType.BF16), Stride(5, 13, 300), Values(300, -1f)),
                new ShiraWriterOptions { AllowLz4 = false })),
        new("valid/delta_varint_f32.shira", "one tensor, DELTA_VARINT indices, f32 values, rank 3", null,
            () => Write(new AdapterMetadata { Name = "varint" }, w =>
                w.AddTensor(Spec("w", [4, 8, 16], IndexEncoding.DeltaVarint), [1, 160, 301, 511], Values(4)),
                new ShiraWriterOptions { AllowLz4 = false })),
        new("valid/structured.shira", "SHiRA-Struct mask (every 4th row and column + diagonal): no index bytes", null, () =>
        {
            var (r, c, idx) = Struct(16, 16, 4);
            return Write(new AdapterMetadata { Name = "struct" }, w => w.AddTensor(new TensorSpec
            {
                Name = "w", Shape = [16, 16], Mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = r, Columns = c, Diagonal = true },
            }, idx, Values(idx.Length)));
        }),
        new("valid/shared_mask.shira", "three tensors of equal shape sharing one index set (stored once)", null,
            () => Write(new AdapterMetadata { Name = "shared" }, w =>
            {
                var idx = Stride(2, 11, 30);
                foreach (var n in new[] { "h.0.q", "h.0.v", "h.1.q" })
                    w.AddTensor(new TensorSpec { Name = n, Shape = [16, 32], Mask = new MaskInfo { Strategy = MaskStrategy.Random, Seed = 42, Density = 30 / 512.0 } },
                        idx, Values(30));
            })),
        new("valid/lz4.shira", "LZ4-compressed index (RAW_U64) and value sections", null,
            () => Write(new AdapterMetadata { Name = "lz4" }, w =>
                w.AddTensor(Spec("w", [32, 32], IndexEncoding.RawU64), Stride(0, 2, 512), new float[512]),
                new ShiraWriterOptions { CompressValues = true })),
        new("valid/lz4_overlap_match.shira", "hand-made LZ4 value block: 16 literals, an overlapping match (offset 16) ending 12 bytes before the end, 12 literals", null,
            () => Lz4Values(Lz4Sequences.Write(Lz4Base()))),
        new("valid/raw_u32_numel_2_32.shira", "RAW_U32 indices of a tensor with numel exactly 2^32 (65536 x 65536), including index 2^32 - 1 (SPEC §9.1)", null,
            () => Write(new AdapterMetadata { Name = "u32max" }, w => w.AddTensor(Spec("w", [65536, 65536], IndexEncoding.RawU32), [0, 65537, (1L << 32) - 1], Values(3)))),
        new("valid/structured_mask_metadata_differs.shira", "STRUCTURED set whose tensor mask metadata lists other rows: the set comes from the index set's Structured message (SPEC §9.6)", null, () =>
        {
            var (r, c, idx) = Struct(16, 16, 4);
            var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(new TensorSpec
            {
                Name = "w", Shape = [16, 16], Mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = r, Columns = c, Diagonal = true },
            }, idx, Values(idx.Length))));
            var rows = img.Manifest.Tensors[0].Mask.Rows;
            rows.Clear();
            rows.Add(1);
            return img.Build();
        }),
        new("valid/replace_and_edges.shira", "replace semantics; nnz = 0; nnz = numel; rank 1 and rank 4", null,
            () => Write(new AdapterMetadata { Name = "edges" }, w =>
            {
                w.AddTensor(new TensorSpec { Name = "bias", Shape = [6], Semantics = Semantics.Replace }, Stride(0, 1, 6), Values(6));
                w.AddTensor(Spec("empty", [3, 3]), [], []);
                w.AddTensor(new TensorSpec { Name = "k", Shape = [2, 2, 3, 1], Scale = 0.25f, BaseDType = DType.F16 }, [1, 11], Values(2));
            })),
        new("valid/metadata.shira", "full adapter metadata: fingerprint, provenance, parameters, extra; mask metadata", null,
            () => Write(Meta, w => w.AddTensor(new TensorSpec
            {
                Name = "h.0.attn.weight", Shape = [16, 16], Scale = 2f,
                Mask = new MaskInfo { Strategy = MaskStrategy.TopKDelta, Density = 0.0625, Rank = 4, Description = "top-k of a LoRA delta" },
            }, Stride(7, 16, 16), Values(16)))),
        new("valid/newer_minor.shira", "format 1.1 with a manifest field unknown to 1.0: readable (field skipped)", null, () =>
        {
            var img = ContainerImage.Parse(Write(new AdapterMetadata { Name = "future" }, w => w.AddTensor(Spec("w", [8], IndexEncoding.RawU32), [1, 2], Values(2))));
            img.Minor = 1;
            img.Manifest.FormatMinor = 1;
            BinaryPrimitives.WriteUInt16LittleEndian(img.Header.AsSpan(10), 1);
            // Field 15 (varint) = 7: unknown to this version of shira.proto.
            byte[] m = [.. img.Manifest.ToByteArray(), 0x78, 0x07];
            return img.Build(m);
        }),

        // ---- invalid: layout (1xxx) ----------------------------------------------------------
        new("invalid/empty.shira", "zero-length file", ShiraErrorCode.FileTooSmall, () => []),
        new("invalid/too_small.shira", "the first 128 bytes of a valid file", ShiraErrorCode.FileTooSmall, () => Base()[..128]),
        new("invalid/bad_magic.shira", "first magic byte changed", ShiraErrorCode.BadMagic, () => Flip(Base(), 0)),
        new("invalid/bad_trailer_magic.shira", "last byte changed", ShiraErrorCode.BadTrailer, () => { var b = Base(); return Flip(b, b.Length - 1); }),
        new("invalid/bad_trailer_checksum.shira", "a trailer byte changed without re-sealing", ShiraErrorCode.BadTrailer,
            () => { var b = Base(); return Flip(b, b.Length - ShiraLayout.TrailerSize + 8); }),
        new("invalid/truncated.shira", "last byte removed", ShiraErrorCode.BadTrailer, () => { var b = Base(); return b[..^1]; }),
        new("invalid/unsupported_major.shira", "major version 2 in header and trailer", ShiraErrorCode.UnsupportedVersion, () =>
        {
            var img = ContainerImage.Parse(Base());
            img.Major = 2;
            BinaryPrimitives.WriteUInt16LittleEndian(img.Header.AsSpan(8), 2);
            return img.Build();
        }),
        new("invalid/reserved_header_flags.shira", "header flags not zero", ShiraErrorCode.ReservedNotZero, () => Flip(Base(), 12)),
        new("invalid/reserved_trailer.shira", "trailer reserved field not zero (re-sealed)", ShiraErrorCode.ReservedNotZero,
            () => ContainerImage.Parse(Base()).Build(patchTrailer: t => t[40] = 1)),
        new("invalid/length_mismatch.shira", "trailer file length one too large (re-sealed)", ShiraErrorCode.LengthMismatch,
            () => ContainerImage.Parse(Base()).Build(patchTrailer: t => BinaryPrimitives.WriteUInt64LittleEndian(t[24..], BinaryPrimitives.ReadUInt64LittleEndian(t[24..]) + 1))),
        new("invalid/nonzero_padding.shira", "a padding byte after the header is 0x01", ShiraErrorCode.NonZeroPadding, () => Flip(Base(), 40)),
        new("invalid/unaccounted_gap.shira", "64 extra zero bytes before the first section", ShiraErrorCode.UnaccountedBytes, () =>
        {
            var img = ContainerImage.Parse(Base());
            img.Data = [.. new byte[64], .. img.Data];
            foreach (var s in img.Manifest.Sections) s.Offset += 64;
            return img.Build();
        }),
        new("invalid/version_mismatch.shira", "header says 1.1, trailer and manifest 1.0", ShiraErrorCode.VersionMismatch, () => Flip(Base(), 10)),

        // ---- invalid: manifest (2xxx) --------------------------------------------------------
        new("invalid/manifest_out_of_bounds.shira", "trailer points the manifest 64 bytes too early (re-sealed)", ShiraErrorCode.ManifestOutOfBounds,
            () => ContainerImage.Parse(Base()).Build(patchTrailer: t => BinaryPrimitives.WriteUInt64LittleEndian(t, BinaryPrimitives.ReadUInt64LittleEndian(t) - 64))),
        new("invalid/manifest_checksum.shira", "one manifest byte changed", ShiraErrorCode.ManifestChecksum, () => { var b = Base(); return Flip(b, ManifestOffset(b) + 3); }),
        new("invalid/manifest_malformed.shira", "manifest bytes are not protobuf (correct checksum)", ShiraErrorCode.ManifestMalformed,
            () => ContainerImage.Parse(Base()).Build([0x0A, 0xFF, 0xFF, 0xFF, 0x0F])),
        new("invalid/manifest_too_large.shira", "trailer declares a 1 TiB manifest (re-sealed)", ShiraErrorCode.ManifestTooLarge,
            () => ContainerImage.Parse(Base()).Build(patchTrailer: t => BinaryPrimitives.WriteUInt64LittleEndian(t[8..], 1UL << 40))),
        new("invalid/manifest_wire_type_6.shira", "version 1.1 manifest with a field of wire type 6 (SPEC §6.6 rule 1)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = NewerMinor();
            return img.Build([.. img.Manifest.ToByteArray(), 0x7E, 0x00]);
        }),
        new("invalid/manifest_end_group.shira", "version 1.1 manifest with a stray end-group tag (SPEC §6.6 rule 1)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = NewerMinor();
            return img.Build([.. img.Manifest.ToByteArray(), 0x7C]);
        }),
        new("invalid/manifest_truncated_field.shira", "manifest whose last field declares 5 bytes and has 1 (SPEC §6.6 rule 3)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = ContainerImage.Parse(Base());
            return img.Build([.. img.Manifest.ToByteArray(), 0x32, 0x05, 0x0A]);
        }),
        new("invalid/manifest_wrong_wire_type.shira", "version 1.1 manifest with format_minor (uint32) written as fixed32 (SPEC §6.6 rule 2)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = NewerMinor();
            return img.Build([.. img.Manifest.ToByteArray(), 0x15, 0x01, 0x00, 0x00, 0x00]);
        }),
        new("invalid/manifest_invalid_utf8.shira", "a tensor name that is not valid UTF-8 (SPEC §6.6 rule 5)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = ContainerImage.Parse(Base());
            img.Manifest.Tensors[0].Name = "";
            return img.Build(WithTensorTail(img.Manifest, 0, [0x0A, 0x02, 0x61, 0xFF]));
        }),
        new("invalid/uint32_above_2_32.shira", "version 1.1 manifest: value_section = 2^32 + 1, which a protobuf library truncates to 1 (SPEC §6.6 rule 4)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = NewerMinor();
            img.Manifest.Tensors[0].ValueSection = 0;
            return img.Build(WithTensorTail(img.Manifest, 0, [0x40, .. Varint((1UL << 32) + 1)]));
        }),
        new("invalid/enum_above_int32.shira", "version 1.1 manifest: semantics = 2^32 + 1, which a protobuf library truncates to ADD (SPEC §6.6 rule 4)", ShiraErrorCode.ManifestMalformed, () =>
        {
            var img = NewerMinor();
            img.Manifest.Tensors[0].Semantics = P.Semantics.Unspecified;
            return img.Build(WithTensorTail(img.Manifest, 0, [0x20, .. Varint((1UL << 32) + 1)]));
        }),
        new("invalid/negative_enum.shira", "tensor semantics = -1 (a valid int32 enum value that is not defined, SPEC §6.6 rule 4)", ShiraErrorCode.ManifestInvalidField,
            () => Mutate(i => i.Manifest.Tensors[0].Semantics = (P.Semantics)(-1))),
        new("invalid/empty_adapter_message.shira", "manifest with an adapter message present but empty (SPEC §13.2)", ShiraErrorCode.NotCanonical, () =>
        {
            var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(Spec("w", [8], IndexEncoding.RawU32), [1, 2], Values(2))));
            img.Manifest.Adapter = new P.Adapter();
            return img.Build();
        }),
        new("invalid/empty_mask_message.shira", "tensor with a mask message present but empty (SPEC §13.2)", ShiraErrorCode.NotCanonical,
            () => Mutate(i => i.Manifest.Tensors[1].Mask = new P.Mask())),
        new("invalid/density_negative_zero.shira", "mask density -0.0 (SPEC §13.2: density 0 is written as +0.0)", ShiraErrorCode.NotCanonical,
            () => Mutate(i => i.Manifest.Tensors[1].Mask = new P.Mask { Strategy = P.MaskStrategy.Random, DensityBits = 0x8000_0000_0000_0000 })),
        new("invalid/metadata_check_order.shira", "fingerprint entry 0 has rank 9, entry 1 is out of order, and a section is misaligned: §7.5 per entry, before §7.1", ShiraErrorCode.LimitExceeded,
            () => Mutate(i =>
            {
                i.Manifest.Adapter.BaseFingerprint.Add(new P.BaseTensor { Name = "z", Dtype = "F32", Shape = { 1, 1, 1, 1, 1, 1, 1, 1, 1 } });
                i.Manifest.Adapter.BaseFingerprint.Add(new P.BaseTensor { Name = "a", Dtype = "X9" });
                i.Manifest.Sections[1].Offset += 8;
            })),
        new("invalid/reference_bounds_first.shira", "more index sets than tensors and unsorted parameters: §7.4's count bounds come before §7.5", ShiraErrorCode.BadReference,
            () => Mutate(i =>
            {
                i.Manifest.IndexSets.Add(i.Manifest.IndexSets[0].Clone());
                i.Manifest.Adapter.Parameters.Add(new P.KeyValue { Key = "z" });
                i.Manifest.Adapter.Parameters.Add(new P.KeyValue { Key = "a" });
            })),
        new("invalid/invalid_field.shira", "tensor semantics = 7", ShiraErrorCode.ManifestInvalidField, () => Mutate(i => i.Manifest.Tensors[0].Semantics = (P.Semantics)7)),
        new("invalid/duplicate_tensor.shira", "two entries named \"a\"", ShiraErrorCode.DuplicateTensor, () => Mutate(i => i.Manifest.Tensors[1].Name = "a")),
        new("invalid/bad_shape_rank.shira", "rank 5 shape", ShiraErrorCode.BadShape, () => Mutate(i => { var s = i.Manifest.Tensors[0].Shape; s.Clear(); s.Add([1, 1, 2, 4, 8]); })),
        new("invalid/bad_shape_zero.shira", "a zero dimension", ShiraErrorCode.BadShape, () => Mutate(i => i.Manifest.Tensors[0].Shape[1] = 0)),
        new("invalid/bad_shape_overflow.shira", "shape product overflows 2^63", ShiraErrorCode.BadShape, () => Mutate(i => { var s = i.Manifest.Tensors[0].Shape; s.Clear(); s.Add([1UL << 32, 1UL << 32]); })),
        new("invalid/bad_reference.shira", "value section 9 does not exist", ShiraErrorCode.BadReference, () => Mutate(i => i.Manifest.Tensors[1].ValueSection = 9)),
        new("invalid/bad_reference_kind.shira", "a tensor's values point at an index section", ShiraErrorCode.BadReference, () => Mutate(i => i.Manifest.Tensors[0].ValueSection = 0)),
        new("invalid/not_canonical_order.shira", "tensor names in descending order", ShiraErrorCode.NotCanonical, () => Mutate(i =>
        {
            i.Manifest.Tensors[0].Name = "c";
        })),
        new("invalid/not_canonical_encoding.shira", "manifest encodes a default value explicitly (format_minor = 0)", ShiraErrorCode.NotCanonical, () =>
        {
            var img = ContainerImage.Parse(Base());
            var m = img.Manifest.ToByteArray();
            // Insert field 2 (format_minor) = 0 right after field 1 (format_major = 1: bytes 08 01).
            return img.Build([.. m[..2], 0x10, 0x00, .. m[2..]]);
        }),
        new("invalid/unknown_field.shira", "version 1.0 manifest with an unknown field", ShiraErrorCode.NotCanonical, () =>
        {
            var img = ContainerImage.Parse(Base());
            return img.Build([.. img.Manifest.ToByteArray(), 0x78, 0x07]);
        }),
        new("invalid/limit_exceeded.shira", "a section longer than 2^31 - 64 bytes", ShiraErrorCode.LimitExceeded, () => Mutate(i => i.Manifest.Sections[1].StoredLength = 1UL << 31)),

        // ---- invalid: sections, indices, values (3xxx) ----------------------------------------
        new("invalid/section_out_of_bounds.shira", "last section extends into the manifest", ShiraErrorCode.SectionOutOfBounds, () => Mutate(i =>
        {
            var s = i.Manifest.Sections[^1];
            s.StoredLength += 64;
            s.DecodedLength += 64;
        })),
        new("invalid/section_overlap.shira", "section 1 starts inside section 0", ShiraErrorCode.SectionOverlapOrMisaligned, () => Mutate(i => i.Manifest.Sections[1].Offset = i.Manifest.Sections[0].Offset)),
        new("invalid/section_misaligned.shira", "a section offset that is not a multiple of 64", ShiraErrorCode.SectionOverlapOrMisaligned, () => Mutate(i => i.Manifest.Sections[1].Offset += 8)),
        new("invalid/section_checksum.shira", "one value byte changed", ShiraErrorCode.SectionChecksum, () => Mutate(i => i.Section(1)[0] ^= 0x10)),
        new("invalid/lz4_corrupt.shira", "LZ4 block whose first match points before the output (checksum re-sealed)", ShiraErrorCode.CodecError, () =>
        {
            var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(Spec("w", [32, 32], IndexEncoding.RawU64), Stride(0, 2, 512), Values(512))));
            var s = img.Section(0);
            // First sequence: no literals, then a match 65535 bytes back, before the start of the output.
            s[0] = 0x0F;
            s[1] = 0xFF;
            s[2] = 0xFF;
            img.ResealSection(0);
            return img.Build();
        }),
        new("invalid/lz4_offset_zero.shira", "LZ4 value block whose match has offset 0 (the crafted file of issue 9)", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0] with { Offset = 0 }, q[1]])),
        new("invalid/lz4_match_in_last_12.shira", "LZ4 value block whose last match starts 11 bytes before the end (MFLIMIT)", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0], new(Pattern()[4..5], 4, 4), new(Pattern()[9..])])),
        new("invalid/lz4_match_in_last_5.shira", "LZ4 value block whose match ends 4 bytes before the end (LASTLITERALS)", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0] with { Match = 236 }, new(Pattern()[12..])])),
        new("invalid/lz4_ends_with_match.shira", "LZ4 value block whose last sequence is a match", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0] with { Match = 240 }])),
        new("invalid/lz4_last_token_match_bits.shira", "LZ4 value block whose literals-only last token has match-length bits", ShiraErrorCode.CodecError, () =>
        {
            var block = Lz4Sequences.Write(Lz4Base());
            block[^13] |= 0x01; // the last token (12 literals follow it)
            return Lz4Values(block);
        }),
        new("invalid/lz4_trailing_byte.shira", "LZ4 value block with a byte after its last sequence", ShiraErrorCode.CodecError,
            () => Lz4Values([.. Lz4Sequences.Write(Lz4Base()), 0x00])),
        new("invalid/lz4_short.shira", "LZ4 value block decoding to 255 of the declared 256 bytes", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0], new(Pattern()[4..15])])),
        new("invalid/lz4_overlong_literals.shira", "LZ4 value block whose last literal run overflows the declared 256 bytes", ShiraErrorCode.CodecError,
            () => Lz4Values(q => [q[0], new([.. Pattern()[3..]])])),
        new("invalid/bad_decoded_length.shira", "uncompressed value section declares another decoded length", ShiraErrorCode.BadDecodedLength, () => Mutate(i => i.Manifest.Sections[1].DecodedLength += 4)),
        new("invalid/nnz_exceeds_numel.shira", "nnz 65 for an 8x8 tensor", ShiraErrorCode.NnzExceedsNumel, () => Mutate(i => { i.Manifest.Tensors[0].Nnz = 65; i.Manifest.IndexSets[0].Count = 65; })),
        new("invalid/index_out_of_range.shira", "a raw u32 index equal to numel (re-sealed)", ShiraErrorCode.IndexOutOfRange, () => Mutate(i =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(i.Section(0)[16..], 64);
            i.ResealSection(0);
        })),
        new("invalid/index_not_increasing.shira", "two raw u32 indices swapped (re-sealed)", ShiraErrorCode.IndexNotIncreasing, () => Mutate(i =>
        {
            var s = i.Section(0);
            BinaryPrimitives.WriteUInt32LittleEndian(s[4..], 9);
            BinaryPrimitives.WriteUInt32LittleEndian(s[8..], 5);
            i.ResealSection(0);
        })),
        new("invalid/index_encoding_corrupt.shira", "delta header tag changed (re-sealed)", ShiraErrorCode.IndexEncodingCorrupt, () => Mutate(i =>
        {
            i.Section(2)[0] = 0x56;
            i.ResealSection(2);
        })),
        new("invalid/value_section_length.shira", "f32 values declared as f16: the value section holds 20 bytes, nnz x 2 = 10 (SPEC §7.3 item 5)", ShiraErrorCode.BadDecodedLength,
            () => Mutate(i => i.Manifest.Tensors[0].ValueType = P.ValueType.F16)),
        new("invalid/raw_u32_numel_above_2_32.shira", "RAW_U32 indices of a tensor with numel 65536 x 65537 > 2^32 (SPEC §7.2)", ShiraErrorCode.IndexEncodingCorrupt, () =>
        {
            var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(Spec("w", [65536, 65536], IndexEncoding.RawU32), [0, 65537], Values(2))));
            img.Manifest.Tensors[0].Shape[1] = 65537;
            img.Manifest.IndexSets[0].Numel = 65536UL * 65537;
            return img.Build();
        }),
        new("invalid/varint_structure_before_range.shira", "DELTA_VARINT block with a trailing byte whose last gap also leaves the tensor: structure is checked first (SPEC §9.3)", ShiraErrorCode.IndexEncodingCorrupt,
            () => VarintIndices(VarintBlock(158, 39, 250, 0x00))),
        new("invalid/varint_index_out_of_range.shira", "DELTA_VARINT block of the right length whose last gap leaves the tensor (SPEC §9.3)", ShiraErrorCode.IndexOutOfRange,
            () => VarintIndices(VarintBlock(158, 39, 250))),
        new("invalid/skip_offset_not_zero.shira", "DELTA_VARINT skip entry 0 with byte offset 1 (SPEC §9.3: skip-table offsets are IndexEncodingCorrupt)", ShiraErrorCode.IndexEncodingCorrupt, () =>
        {
            var e = VarintBlock(158, 39, 54);
            e[24] = 1;
            return VarintIndices(e);
        }),
        new("invalid/bad_value_type.shira", "value type 9", ShiraErrorCode.BadValues, () => Mutate(i => i.Manifest.Tensors[0].ValueType = (P.ValueType)9)),
        new("invalid/non_finite_value.shira", "an f32 value is NaN (re-sealed)", ShiraErrorCode.NonFiniteValue, () => Mutate(i =>
        {
            BinaryPrimitives.WriteUInt32LittleEndian(i.Section(1)[8..], 0x7FC0_0000);
            i.ResealSection(1);
        })),
        new("invalid/bad_structured_mask.shira", "structured row list not increasing", ShiraErrorCode.BadStructuredMask, () =>
        {
            var (r, c, idx) = Struct(16, 16, 4);
            var img = ContainerImage.Parse(Write(new AdapterMetadata(), w => w.AddTensor(new TensorSpec
            {
                Name = "w", Shape = [16, 16], Mask = new MaskInfo { Strategy = MaskStrategy.Structured, Rows = r, Columns = c, Diagonal = true },
            }, idx, Values(idx.Length))));
            var list = img.Manifest.IndexSets[0].Structured.RowList;
            (list[0], list[1]) = (list[1], list[0]);
            return img.Build();
        }),
    ];
}
