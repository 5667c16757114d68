using Google.Protobuf;
using Shira.Format.Codecs;
using Shira.Format.Container;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Manifest;

/// <summary>
/// Parses the manifest with explicit limits and checks every structural rule of spec/SPEC.md §6–§7 before any
/// section byte is touched, producing an immutable <see cref="ManifestModel"/>.
/// </summary>
internal sealed class ManifestReader
{
    private readonly string _file;
    private readonly long _manifestOffset;

    private ManifestReader(string file, long manifestOffset)
    {
        _file = file;
        _manifestOffset = manifestOffset;
    }

    /// <summary>Parses and validates. <paramref name="bytes"/> is the manifest, already checksum-verified.</summary>
    public static ManifestModel Read(ReadOnlySpan<byte> bytes, long manifestOffset, int major, int minor,
        ShiraReaderOptions options, string file)
    {
        var r = new ManifestReader(file, manifestOffset);
        var m = r.Parse(bytes, minor, options);
        return r.Validate(m, manifestOffset, bytes.Length, major, minor, options);
    }

    // Every manifest error is reported at the manifest's offset in the file.
    private ShiraException Error(Func<string, string?, string?, long?, ShiraException> factory, string message, string? tensor = null) =>
        factory(message, _file, tensor, _manifestOffset);

    /// <summary>§12.1 step 6: the wire-format check (ManifestMalformed), the parse, then for a minor this reader
    /// knows the canonical-encoding check (NotCanonical).</summary>
    private P.Manifest Parse(ReadOnlySpan<byte> bytes, int minor, ShiraReaderOptions options)
    {
        ManifestWire.Findings findings;
        try
        {
            findings = ManifestWire.Check(bytes, options.MaxRecursionDepth);
        }
        catch (ShiraException e)
        {
            throw ShiraErrors.Relocate(e, _file, null, _manifestOffset + (e.Offset ?? 0));
        }
        // Copy once: the manifest is bounded by MaxManifestBytes and by the file, both checked by the caller.
        byte[] copy = bytes.ToArray();
        P.Manifest m;
        try
        {
            using var ms = new MemoryStream(copy, writable: false);
            // The wire check above enforces the depth limit with the root counted; this one is only a backstop.
            var input = CodedInputStream.CreateWithLimits(ms, Math.Max(copy.Length, 1), Math.Max(options.MaxRecursionDepth, 1));
            // A known minor must not carry unknown fields: discarding them makes the canonical check below catch them.
            m = (minor <= ShiraLayout.Minor ? P.Manifest.Parser.WithDiscardUnknownFields(true) : P.Manifest.Parser).ParseFrom(input);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw Error(ShiraErrors.ManifestMalformed, "the manifest is not a valid protobuf message: " + e.Message);
        }
        if (minor <= ShiraLayout.Minor)
        {
            byte[] again = m.ToByteArray();
            if (!again.AsSpan().SequenceEqual(copy))
                throw Error(ShiraErrors.NotCanonical,
                    "the manifest is not in canonical protobuf encoding (field order, packing, default values, duplicate or unknown fields)");
            if (findings.FirstEmptyMessage >= 0)
                throw ShiraErrors.NotCanonical(
                    "the manifest writes a sub-message with no fields; an empty message is written by omitting it", _file, null,
                    _manifestOffset + findings.FirstEmptyMessage);
            foreach (var t in m.Tensors)
                if (t.Mask is { DensityBits: NegativeZeroBits })
                    throw Error(ShiraErrors.NotCanonical, "the mask density is -0.0; density 0 is written as +0.0 (the field omitted)", t.Name);
        }
        return m;
    }

    private const ulong NegativeZeroBits = 0x8000_0000_0000_0000;

    private ManifestModel Validate(P.Manifest m, long manifestOffset, long manifestLength, int major, int minor,
        ShiraReaderOptions options)
    {
        if (m.FormatMajor != (uint)major || m.FormatMinor != (uint)minor)
            throw Error(ShiraErrors.VersionMismatch,
                $"manifest version {m.FormatMajor}.{m.FormatMinor} differs from the trailer's {major}.{minor}");
        if (m.Tensors.Count > options.MaxTensors)
            throw Error(ShiraErrors.LimitExceeded, $"{m.Tensors.Count} tensors exceed the limit of {options.MaxTensors}");
        // Every section and index set must be referenced, so their counts are bounded by the tensor count.
        if ((long)m.Sections.Count > 2L * m.Tensors.Count)
            throw Error(ShiraErrors.BadReference, $"{m.Sections.Count} sections for {m.Tensors.Count} tensors: some are not referenced");
        if (m.IndexSets.Count > m.Tensors.Count)
            throw Error(ShiraErrors.BadReference, $"{m.IndexSets.Count} index sets for {m.Tensors.Count} tensors: some are not referenced");

        var metadata = ReadMetadata(m.Adapter ?? new P.Adapter());
        var sections = ReadSections(m, manifestOffset);
        var sets = ReadIndexSets(m, sections);
        var (tensors, valueSection, indexSet) = ReadTensors(m, sections, sets);
        return new ManifestModel
        {
            Major = major,
            Minor = minor,
            ManifestOffset = manifestOffset,
            ManifestLength = manifestLength,
            Metadata = metadata,
            Sections = sections,
            IndexSets = sets,
            Tensors = tensors,
            TensorValueSection = valueSection,
            TensorIndexSet = indexSet,
        };
    }

    private AdapterMetadata ReadMetadata(P.Adapter a)
    {
        var fingerprint = new BaseTensorFingerprint[a.BaseFingerprint.Count];
        for (int i = 0; i < fingerprint.Length; i++)
        {
            var b = a.BaseFingerprint[i];
            if (i > 0 && Utf8Order.Instance.Compare(a.BaseFingerprint[i - 1].Name, b.Name) >= 0)
                throw Error(ShiraErrors.NotCanonical, $"base fingerprint entry '{b.Name}' is not in ascending name order or is repeated");
            if (!DTypes.TryParse(b.Dtype, out var dtype))
                throw Error(ShiraErrors.ManifestInvalidField, $"base fingerprint entry '{b.Name}' has unknown dtype '{b.Dtype}'");
            if (b.Shape.Count > ManifestLimits.MaxFingerprintRank)
                throw Error(ShiraErrors.LimitExceeded, $"base fingerprint entry '{b.Name}' has rank {b.Shape.Count} > {ManifestLimits.MaxFingerprintRank}");
            var shape = new long[b.Shape.Count];
            for (int d = 0; d < shape.Length; d++)
            {
                if (b.Shape[d] > long.MaxValue)
                    throw Error(ShiraErrors.ManifestInvalidField, $"base fingerprint entry '{b.Name}' has a dimension above 2^63-1");
                shape[d] = (long)b.Shape[d];
            }
            fingerprint[i] = new BaseTensorFingerprint(b.Name, shape, dtype, b.HasContentHash ? b.ContentHash : null);
        }
        var p = a.Provenance ?? new P.Provenance();
        return new AdapterMetadata
        {
            Name = a.Name,
            Description = a.Description,
            BaseModel = a.BaseModel,
            BaseFingerprint = fingerprint,
            Provenance = new Provenance { Tool = p.Tool, ToolVersion = p.ToolVersion, Source = p.Source, SourceFormat = p.SourceFormat },
            Parameters = ReadPairs(a.Parameters, "parameters"),
            Extra = ReadPairs(a.Extra, "extra"),
        };
    }

    private Dictionary<string, string> ReadPairs(IList<P.KeyValue> pairs, string what)
    {
        var d = new Dictionary<string, string>(pairs.Count, StringComparer.Ordinal);
        for (int i = 0; i < pairs.Count; i++)
        {
            if (i > 0 && Utf8Order.Instance.Compare(pairs[i - 1].Key, pairs[i].Key) >= 0)
                throw Error(ShiraErrors.NotCanonical, $"{what} key '{pairs[i].Key}' is not in ascending order or is repeated");
            d[pairs[i].Key] = pairs[i].Value;
        }
        return d;
    }

    private SectionEntry[] ReadSections(P.Manifest m, long manifestOffset)
    {
        var result = new SectionEntry[m.Sections.Count];
        long end = ShiraLayout.HeaderSize;
        for (int i = 0; i < result.Length; i++)
        {
            var s = m.Sections[i];
            string where = $"section {i}";
            if (!ProtoMapping.IsDefined(s.Kind))
                throw Error(ShiraErrors.ManifestInvalidField, $"{where} has an invalid kind ({(int)s.Kind})");
            if (!ProtoMapping.IsDefined(s.Codec))
                throw Error(ShiraErrors.CodecError, $"{where} has an unknown codec ({(int)s.Codec})");
            if (s.StoredLength > ManifestLimits.MaxSectionBytes || s.DecodedLength > ManifestLimits.MaxSectionBytes)
                throw Error(ShiraErrors.LimitExceeded, $"{where} is longer than {ManifestLimits.MaxSectionBytes} bytes");
            // Both operands are now below 2^63, so the sum cannot overflow an unsigned comparison.
            if (s.Offset > (ulong)manifestOffset || s.Offset + s.StoredLength > (ulong)manifestOffset)
                throw Error(ShiraErrors.SectionOutOfBounds,
                    $"{where} [{s.Offset}, +{s.StoredLength}) lies outside the data area [16, {manifestOffset})");
            long offset = (long)s.Offset, stored = (long)s.StoredLength, decoded = (long)s.DecodedLength;
            long expected = ShiraLayout.Align(end);
            if (offset % ShiraLayout.Alignment != 0)
                throw Error(ShiraErrors.SectionOverlapOrMisaligned, $"{where} offset {offset} is not a multiple of 64");
            if (offset < expected)
                throw Error(ShiraErrors.SectionOverlapOrMisaligned,
                    $"{where} at {offset} overlaps the previous region ending at {end} (or sections are not in ascending order)");
            if (offset > expected)
                throw Error(ShiraErrors.UnaccountedBytes, $"{where} at {offset} leaves a gap after {end}; it must start at {expected}");
            var codec = ProtoMapping.ToModel(s.Codec);
            if (codec == SectionCodec.None && decoded != stored)
                throw Error(ShiraErrors.BadDecodedLength, $"{where} is uncompressed but declares decoded length {decoded} != stored length {stored}");
            if (codec == SectionCodec.Lz4Block)
            {
                if (stored >= decoded)
                    throw Error(ShiraErrors.NotCanonical, $"{where} is LZ4-compressed but not smaller than its decoded length");
                if (decoded > (long)ManifestLimits.MaxLz4Ratio * stored)
                    throw Error(ShiraErrors.BadDecodedLength, $"{where} declares decoded length {decoded}, more than LZ4 can expand {stored} bytes to");
            }
            result[i] = new SectionEntry(offset, stored, codec, decoded, s.Xxh3, (SectionKind)(int)s.Kind);
            end = offset + stored;
        }
        if (ShiraLayout.Align(end) != manifestOffset)
            throw Error(ShiraErrors.UnaccountedBytes,
                $"the manifest starts at {manifestOffset}, but the data area ends at {end} (expected the manifest at {ShiraLayout.Align(end)})");
        return result;
    }

    private IndexSetEntry[] ReadIndexSets(P.Manifest m, SectionEntry[] sections)
    {
        var result = new IndexSetEntry[m.IndexSets.Count];
        // First referring tensor of each set, for messages; filled here once, checked again in ReadTensors.
        var first = new int[result.Length];
        Array.Fill(first, -1);
        for (int t = 0; t < m.Tensors.Count; t++)
            if (m.Tensors[t].IndexSet < (uint)first.Length && first[m.Tensors[t].IndexSet] < 0) first[m.Tensors[t].IndexSet] = t;
        for (int i = 0; i < result.Length; i++)
        {
            var s = m.IndexSets[i];
            string where = $"index set {i}";
            string? tensor = first[i] >= 0 ? m.Tensors[first[i]].Name : null;
            if (!ProtoMapping.IsDefined(s.Encoding))
                throw Error(ShiraErrors.ManifestInvalidField, $"{where} has an invalid encoding ({(int)s.Encoding})", tensor);
            if (s.Numel == 0 || s.Numel > long.MaxValue)
                throw Error(ShiraErrors.ManifestInvalidField, $"{where} has numel {s.Numel} outside [1, 2^63-1]", tensor);
            if (s.Count > s.Numel)
                throw Error(ShiraErrors.NnzExceedsNumel, $"{where} has {s.Count} positions but numel is {s.Numel}", tensor);
            if (s.Count > ManifestLimits.MaxNnz)
                throw Error(ShiraErrors.LimitExceeded, $"{where} has {s.Count} positions, above {ManifestLimits.MaxNnz}", tensor);
            var encoding = ProtoMapping.ToModel(s.Encoding);
            long count = (long)s.Count, numel = (long)s.Numel;
            if (encoding == IndexEncoding.Structured)
            {
                if (s.HasSection)
                    throw Error(ShiraErrors.BadReference, $"{where} is structured but refers to a section", tensor);
                if (s.Structured is null)
                    throw Error(ShiraErrors.BadStructuredMask, $"{where} is structured but has no structured parameters", tensor);
                result[i] = ReadStructured(s.Structured, count, numel, first[i], where, tensor);
                continue;
            }
            if (s.Structured is not null)
                throw Error(ShiraErrors.ManifestInvalidField, $"{where} has structured parameters but encoding {encoding}", tensor);
            if (!s.HasSection || s.Section >= (uint)sections.Length)
                throw Error(ShiraErrors.BadReference, $"{where} refers to section {(s.HasSection ? s.Section.ToString(System.Globalization.CultureInfo.InvariantCulture) : "(none)")}, which does not exist", tensor);
            var sec = sections[s.Section];
            if (sec.Kind != SectionKind.Index)
                throw Error(ShiraErrors.BadReference, $"{where} refers to section {s.Section}, which holds values", tensor);
            if (encoding == IndexEncoding.RawU32 && numel > IndexCodec.RawU32MaxNumel)
                throw Error(ShiraErrors.IndexEncodingCorrupt, $"{where} is raw u32 but numel {numel} exceeds 2^32", tensor);
            var (min, max) = IndexSectionBounds(encoding, count);
            if (sec.DecodedLength < min || sec.DecodedLength > max)
                throw Error(ShiraErrors.BadDecodedLength,
                    $"{where} ({encoding}, {count} positions) declares {sec.DecodedLength} decoded bytes; allowed [{min}, {max}]", tensor);
            result[i] = new IndexSetEntry { Encoding = encoding, Count = count, Numel = numel, Section = (int)s.Section, FirstTensor = first[i] };
        }
        return result;
    }

    /// <summary>The allowed decoded length of an index section (spec §7.3), which bounds allocation.</summary>
    internal static (long Min, long Max) IndexSectionBounds(IndexEncoding encoding, long count) => encoding switch
    {
        IndexEncoding.RawU32 => (4 * count, 4 * count),
        IndexEncoding.RawU64 => (8 * count, 8 * count),
        // Delta encodings: a 16-byte header, and at least one bit per index (so the count bounds allocation).
        _ => (Math.Max(16, (count + 7) / 8), ManifestLimits.MaxSectionBytes),
    };

    private IndexSetEntry ReadStructured(P.Structured p, long count, long numel, int firstTensor, string where, string? tensor)
    {
        if (p.Rows == 0 || p.Cols == 0 || p.Rows > long.MaxValue || p.Cols > long.MaxValue)
            throw Error(ShiraErrors.BadStructuredMask, $"{where} has an invalid 2-D view {p.Rows}x{p.Cols}", tensor);
        long rows = (long)p.Rows, cols = (long)p.Cols;
        if (!TryMultiply(rows, cols, out long product) || product != numel)
            throw Error(ShiraErrors.BadStructuredMask, $"{where}: view {rows}x{cols} does not have numel {numel} elements", tensor);
        var rowList = SortedList(p.RowList, rows, where + " row_list", tensor);
        var colList = SortedList(p.ColList, cols, where + " col_list", tensor);
        long actual = StructuredMask.Count(rows, cols, rowList, colList, p.Diagonal);
        if (actual != count)
            throw Error(ShiraErrors.BadStructuredMask, $"{where} declares {count} positions but its rows, columns and diagonal give {actual}", tensor);
        return new IndexSetEntry
        {
            Encoding = IndexEncoding.Structured, Count = count, Numel = numel, Section = -1, StructRows = rows, StructCols = cols,
            RowList = rowList, ColList = colList, Diagonal = p.Diagonal, FirstTensor = firstTensor,
        };
    }

    private long[] SortedList(IList<ulong> list, long bound, string where, string? tensor)
    {
        if (list.Count > bound)
            throw Error(ShiraErrors.BadStructuredMask, $"{where} has {list.Count} entries but only {bound} are possible", tensor);
        var a = new long[list.Count];
        for (int i = 0; i < a.Length; i++)
        {
            ulong v = list[i];
            if (v >= (ulong)bound)
                throw Error(ShiraErrors.BadStructuredMask, $"{where}[{i}] = {v} is out of range (< {bound})", tensor);
            if (i > 0 && v <= (ulong)a[i - 1])
                throw Error(ShiraErrors.BadStructuredMask, $"{where} is not strictly increasing at entry {i}", tensor);
            a[i] = (long)v;
        }
        return a;
    }

    private (ShiraTensorInfo[], int[], int[]) ReadTensors(P.Manifest m, SectionEntry[] sections, IndexSetEntry[] sets)
    {
        int n = m.Tensors.Count;
        var infos = new ShiraTensorInfo[n];
        var valueSection = new int[n];
        var indexSet = new int[n];
        int nextSet = 0, nextSection = 0;
        for (int t = 0; t < n; t++)
        {
            var p = m.Tensors[t];
            string name = p.Name;
            if (name.Length == 0)
                throw Error(ShiraErrors.ManifestInvalidField, $"tensor entry {t} has an empty name");
            if (t > 0)
            {
                int c = Utf8Order.Instance.Compare(m.Tensors[t - 1].Name, name);
                if (c == 0) throw Error(ShiraErrors.DuplicateTensor, $"tensor '{name}' appears more than once", name);
                if (c > 0) throw Error(ShiraErrors.NotCanonical, $"tensor '{name}' is not in ascending name order", name);
            }
            var (shape, numel) = ReadShape(p.Shape, name);
            if (!DTypes.TryParse(p.BaseDtype, out var baseDType))
                throw Error(ShiraErrors.ManifestInvalidField, $"unknown base dtype '{p.BaseDtype}'", name);
            if (!ProtoMapping.IsDefined(p.Semantics))
                throw Error(ShiraErrors.ManifestInvalidField, $"invalid semantics ({(int)p.Semantics})", name);
            float scale = BitConverter.UInt32BitsToSingle(p.ScaleBits);
            if (!float.IsFinite(scale))
                throw Error(ShiraErrors.ManifestInvalidField, "the scale is not finite", name);
            var semantics = ProtoMapping.ToModel(p.Semantics);
            if (semantics == Semantics.Replace && p.ScaleBits != BitConverter.SingleToUInt32Bits(1f))
                throw Error(ShiraErrors.ManifestInvalidField, "a replace entry must have scale 1", name);
            if (!ProtoMapping.IsDefined(p.ValueType))
                throw Error(ShiraErrors.BadValues, $"invalid value type ({(int)p.ValueType})", name);
            var valueType = ProtoMapping.ToModel(p.ValueType);
            if (p.Nnz > (ulong)numel)
                throw Error(ShiraErrors.NnzExceedsNumel, $"nnz {p.Nnz} exceeds the element count {numel}", name);
            long nnz = (long)p.Nnz;

            // Index set reference.
            if (p.IndexSet >= (uint)sets.Length)
                throw Error(ShiraErrors.BadReference, $"refers to index set {p.IndexSet}, which does not exist", name);
            var set = sets[p.IndexSet];
            if (set.Numel != numel || set.Count != nnz)
                throw Error(ShiraErrors.BadReference,
                    $"refers to index set {p.IndexSet} with numel {set.Numel} and {set.Count} positions, but the tensor has numel {numel} and nnz {nnz}", name);
            if (set.Encoding == IndexEncoding.Structured && shape.Length < 2)
                throw Error(ShiraErrors.BadStructuredMask, $"a rank-1 tensor cannot use structured index set {p.IndexSet}", name);
            if (set.Encoding == IndexEncoding.Structured && set.StructRows != shape[0])
                throw Error(ShiraErrors.BadStructuredMask, $"structured index set {p.IndexSet} has {set.StructRows} rows but shape[0] is {shape[0]}", name);
            if (p.IndexSet == nextSet)
            {
                nextSet++;
                if (set.Section >= 0)
                {
                    if (set.Section != nextSection)
                        throw Error(ShiraErrors.NotCanonical, $"index set {p.IndexSet} is stored in section {set.Section}, expected section {nextSection}", name);
                    nextSection++;
                }
            }
            else if (p.IndexSet > nextSet)
                throw Error(ShiraErrors.NotCanonical, $"refers to index set {p.IndexSet} before index set {nextSet} is used", name);

            // Value section reference.
            if (p.ValueSection >= (uint)sections.Length)
                throw Error(ShiraErrors.BadReference, $"refers to value section {p.ValueSection}, which does not exist", name);
            var vs = sections[p.ValueSection];
            if (vs.Kind != SectionKind.Values)
                throw Error(ShiraErrors.BadReference, $"value section {p.ValueSection} holds indices", name);
            if (p.ValueSection != nextSection)
                throw Error(ShiraErrors.NotCanonical, $"values are in section {p.ValueSection}, expected section {nextSection}", name);
            nextSection++;
            long expectedBytes = nnz * valueType.ByteSize(); // nnz ≤ 2^31, cannot overflow
            if (vs.DecodedLength != expectedBytes)
                throw Error(ShiraErrors.BadDecodedLength,
                    $"value section {p.ValueSection} decodes to {vs.DecodedLength} bytes, expected nnz × {valueType.ByteSize()} = {expectedBytes}", name);

            var mask = ReadMask(p.Mask, shape, numel, name);
            valueSection[t] = (int)p.ValueSection;
            indexSet[t] = (int)p.IndexSet;
            infos[t] = new ShiraTensorInfo
            {
                Name = name,
                Shape = shape,
                Numel = numel,
                BaseDType = baseDType,
                Semantics = semantics,
                Scale = scale,
                Nnz = nnz,
                ValueDType = valueType,
                IndexEncoding = set.Encoding,
                IndexSetId = (int)p.IndexSet,
                Mask = mask,
                IndexStoredBytes = set.Section >= 0 ? sections[set.Section].StoredLength : 0,
                ValueStoredBytes = vs.StoredLength,
                ValueSectionCodec = vs.Codec,
                IndexSectionCodec = set.Section >= 0 ? sections[set.Section].Codec : SectionCodec.None,
                Ordinal = t,
                IndexSectionOffset = set.Section >= 0 ? sections[set.Section].Offset : null,
                ValueSectionOffset = vs.Offset,
            };
        }
        if (nextSet != sets.Length)
            throw Error(ShiraErrors.BadReference, $"index set {nextSet} is not referenced by any tensor");
        if (nextSection != sections.Length)
            throw Error(ShiraErrors.BadReference, $"section {nextSection} is not referenced");
        return (infos, valueSection, indexSet);
    }

    private (long[] Shape, long Numel) ReadShape(IList<ulong> dims, string name)
    {
        if (dims.Count < ManifestLimits.MinRank || dims.Count > ManifestLimits.MaxRank)
            throw Error(ShiraErrors.BadShape, $"rank {dims.Count} is not in [1, 4]", name);
        var shape = new long[dims.Count];
        long numel = 1;
        for (int d = 0; d < shape.Length; d++)
        {
            if (dims[d] == 0 || dims[d] > long.MaxValue)
                throw Error(ShiraErrors.BadShape, $"dimension {d} is {dims[d]}; dimensions must be in [1, 2^63-1]", name);
            shape[d] = (long)dims[d];
            if (!TryMultiply(numel, shape[d], out numel))
                throw Error(ShiraErrors.BadShape, "the element count overflows 2^63-1", name);
        }
        return (shape, numel);
    }

    private MaskInfo ReadMask(P.Mask? p, long[] shape, long numel, string name)
    {
        if (p is null) return new MaskInfo();
        if (!ProtoMapping.IsDefined(p.Strategy))
            throw Error(ShiraErrors.ManifestInvalidField, $"invalid mask strategy ({(int)p.Strategy})", name);
        // -0.0 is refused as not canonical for a known minor (§13.2); a newer minor's -0.0 reads as 0.
        double density = p.DensityBits == NegativeZeroBits ? 0.0 : BitConverter.Int64BitsToDouble((long)p.DensityBits);
        if (!(density >= 0 && density <= 1))
            throw Error(ShiraErrors.ManifestInvalidField, "the mask density is not in [0, 1]", name);
        if (p.Rank > int.MaxValue)
            throw Error(ShiraErrors.ManifestInvalidField, "the mask rank is above 2^31-1", name);
        long rows = shape[0], cols = numel / shape[0];
        return new MaskInfo
        {
            Strategy = ProtoMapping.ToModel(p.Strategy),
            Density = density,
            Seed = p.HasSeed ? p.Seed : null,
            Rank = (int)p.Rank,
            Rows = SortedList(p.Rows, rows, "mask rows", name),
            Columns = SortedList(p.Columns, cols, "mask columns", name),
            Diagonal = p.Diagonal,
            Description = p.Description,
        };
    }

    internal static bool TryMultiply(long a, long b, out long product)
    {
        long hi = Math.BigMul(a, b, out long lo);
        product = lo;
        return hi == 0 && lo >= 0;
    }
}
