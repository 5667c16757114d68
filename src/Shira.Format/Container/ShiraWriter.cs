using System.Buffers;
using System.IO.Hashing;
using K4os.Compression.LZ4;
using Shira.Format.Codecs;
using Shira.Format.Manifest;
using Shira.Format.Numerics;
using P = Shira.Format.Manifest.Proto;

namespace Shira.Format.Container;

/// <summary>
/// Streaming .shira writer: sections are written as tensors are added, the manifest and trailer at
/// <see cref="Finish"/>, so the output may be a pipe (no seeking). Tensors must be added in ascending order of
/// name (UTF-8 byte order; ordinal for ASCII names) so that the same adapter always serializes to the same bytes.
/// </summary>
public sealed partial class ShiraWriter : IDisposable
{
    private static readonly byte[] Zeros = new byte[ShiraLayout.Alignment];

    private readonly Stream _output;
    private readonly ShiraWriterOptions _options;
    private readonly P.Manifest _manifest;
    private readonly Dictionary<IndexSetKey, int> _sets = [];
    private long _position;
    private string? _lastName;
    private bool _finished;
    private bool _failed;

    /// <summary>Starts a container on <paramref name="output"/> (not closed by the writer).</summary>
    public ShiraWriter(Stream output, AdapterMetadata metadata, ShiraWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!output.CanWrite) throw new ArgumentException("the output stream is not writable", nameof(output));
        _output = output;
        _options = CheckOptions(options ?? new ShiraWriterOptions());
        ValidateMetadata(metadata);
        _manifest = new P.Manifest { FormatMajor = ShiraLayout.Major, FormatMinor = ShiraLayout.Minor };
        var adapter = ProtoMapping.ToProto(metadata);
        if (!adapter.Equals(new P.Adapter())) _manifest.Adapter = adapter;
        Span<byte> header = stackalloc byte[ShiraLayout.HeaderSize];
        ShiraLayout.WriteHeader(header, ShiraLayout.Major, ShiraLayout.Minor);
        Write(header);
    }

    /// <summary>Starts a container on a buffer writer (e.g. <see cref="ArrayBufferWriter{T}"/> or a pipe's writer).</summary>
    public ShiraWriter(IBufferWriter<byte> output, AdapterMetadata metadata, ShiraWriterOptions? options = null)
        : this(new BufferWriterStream(output ?? throw new ArgumentNullException(nameof(output))), metadata, options)
    {
    }

    /// <summary>Adds a tensor. <paramref name="indices"/> are flat row-major positions, strictly increasing,
    /// each below the tensor's element count; <paramref name="values"/> has one value per index.</summary>
    public void AddTensor(TensorSpec spec, ReadOnlySpan<long> indices, ReadOnlySpan<float> values)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (values.Length != indices.Length)
            throw Usage($"{values.Length} values for {indices.Length} indices", spec.Name);
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i]))
                throw ShiraErrors.NonFiniteValue($"value {i} is NaN or infinite", null, spec.Name);
        var type = CheckType(spec);
        var bytes = new byte[checked(values.Length * type.ByteSize())];
        FloatSpans.FromSingle(values, type, bytes);
        Add(spec, indices, bytes);
    }

    /// <summary>Adds a tensor whose values are given as raw little-endian elements of <paramref name="inputType"/>;
    /// stored losslessly when <paramref name="inputType"/> equals <see cref="TensorSpec.ValueDType"/>.</summary>
    public void AddTensor(TensorSpec spec, ReadOnlySpan<long> indices, ReadOnlySpan<byte> values, ValueDType inputType)
    {
        ArgumentNullException.ThrowIfNull(spec);
        if (!Enum.IsDefined(inputType)) throw Usage($"invalid input value type {inputType}", spec.Name);
        if ((long)values.Length != (long)indices.Length * inputType.ByteSize())
            throw Usage($"{values.Length} value bytes for {indices.Length} indices of {inputType}", spec.Name);
        var type = CheckType(spec);
        byte[] bytes;
        if (inputType == type)
        {
            bytes = values.ToArray();
        }
        else
        {
            var wide = new float[indices.Length];
            FloatSpans.ToSingle(values, inputType, wide);
            bytes = new byte[checked(wide.Length * type.ByteSize())];
            FloatSpans.FromSingle(wide, type, bytes);
        }
        Add(spec, indices, bytes);
    }

    /// <summary>Writes the manifest and trailer. No tensor may be added afterwards.</summary>
    public void Finish()
    {
        EnsureOpen();
        _finished = true;
        try
        {
            Pad();
            long manifestOffset = _position;
            byte[] manifest = ProtoMapping.Serialize(_manifest);
            Write(manifest);
            Span<byte> trailer = stackalloc byte[ShiraLayout.TrailerSize];
            long fileLength = checked(_position + ShiraLayout.TrailerSize);
            ShiraLayout.WriteTrailer(trailer, manifestOffset, manifest.Length, ShiraLayout.Hash(manifest), fileLength,
                ShiraLayout.Major, ShiraLayout.Minor);
            Write(trailer);
            _output.Flush();
        }
        catch
        {
            _failed = true;
            throw;
        }
    }

    /// <summary>Writes a whole file atomically (<see cref="IO.AtomicFile"/>): a sibling temporary file renamed into
    /// place on success, deleted on failure, so a reader never sees a half-written file and an existing file is kept
    /// until the new one is complete.</summary>
    public static void WriteFile(string path, AdapterMetadata metadata, Action<ShiraWriter> addTensors,
        ShiraWriterOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(addTensors);
        IO.AtomicFile.Write(path, fs =>
        {
            using var writer = new ShiraWriter(fs, metadata, options);
            addTensors(writer);
            writer.Finish();
        });
    }

    /// <summary>Releases nothing but marks the writer unusable; the output stream stays open.</summary>
    public void Dispose() => _finished = true;

    private void EnsureOpen()
    {
        if (_finished || _failed)
            throw new InvalidOperationException(_failed ? "a previous write failed; the output is incomplete" : "the writer is finished");
    }

    private static ArgumentException Usage(string message, string? tensor = null) => ArgumentErrors.ForTensor(message, tensor);

    private static ValueDType CheckType(TensorSpec spec)
    {
        if (!Enum.IsDefined(spec.ValueDType)) throw Usage($"invalid value type {spec.ValueDType}", spec.Name);
        return spec.ValueDType;
    }

    private static void ValidateMetadata(AdapterMetadata m)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var f in m.BaseFingerprint)
        {
            if (f is null || f.Name is null || f.Shape is null) throw Usage("a base fingerprint entry is null");
            if (!names.Add(f.Name)) throw Usage($"base fingerprint entry '{f.Name}' appears twice");
            if (!Enum.IsDefined(f.DType)) throw Usage($"base fingerprint entry '{f.Name}' has an invalid dtype");
            if (f.Shape.Count > ManifestLimits.MaxFingerprintRank)
                throw Usage($"base fingerprint entry '{f.Name}' has rank {f.Shape.Count} > {ManifestLimits.MaxFingerprintRank}");
            foreach (var d in f.Shape)
                if (d < 0) throw Usage($"base fingerprint entry '{f.Name}' has a negative dimension");
            CheckString(f.Name, "base fingerprint name");
        }
        foreach (var s in new[] { m.Name, m.Description, m.BaseModel, m.Provenance.Tool, m.Provenance.ToolVersion, m.Provenance.Source, m.Provenance.SourceFormat })
            CheckString(s, "metadata");
        foreach (var kv in m.Parameters.Concat(m.Extra))
        {
            CheckString(kv.Key, "metadata key");
            CheckString(kv.Value, "metadata value");
        }
    }

    private static void CheckString(string? s, string what)
    {
        if (s is null) throw Usage($"{what} is null");
        if (!Utf8Order.IsWellFormed(s)) throw Usage($"{what} '{s}' contains an unpaired surrogate (not representable in UTF-8)");
    }

    private void Add(TensorSpec spec, ReadOnlySpan<long> indices, byte[] values)
    {
        EnsureOpen();
        AddCore(spec, indices, values);
    }

    private void AddCore(TensorSpec spec, ReadOnlySpan<long> indices, byte[] values)
    {
        string name = spec.Name ?? throw Usage("the tensor name is null");
        if (name.Length == 0) throw Usage("the tensor name is empty");
        CheckString(name, "tensor name");
        if (_lastName is not null)
        {
            int c = Utf8Order.Instance.Compare(_lastName, name);
            if (c == 0) throw ShiraErrors.DuplicateTensor($"tensor '{name}' was already added", null, name);
            if (c > 0) throw Usage($"tensors must be added in ascending name order: '{name}' comes before '{_lastName}'", name);
        }
        var (shape, numel) = CheckShape(spec);
        if (!Enum.IsDefined(spec.BaseDType)) throw Usage($"invalid base dtype {spec.BaseDType}", name);
        if (!Enum.IsDefined(spec.Semantics)) throw Usage($"invalid semantics {spec.Semantics}", name);
        if (!float.IsFinite(spec.Scale)) throw ShiraErrors.NonFiniteValue("the scale is not finite", null, name);
        if (spec.Semantics == Semantics.Replace && BitConverter.SingleToUInt32Bits(spec.Scale) != BitConverter.SingleToUInt32Bits(1f))
            throw Usage("a replace entry must have scale 1", name);
        if (!Enum.IsDefined(spec.IndexEncoding)) throw Usage($"invalid index encoding {spec.IndexEncoding}", name);
        if (indices.Length > ManifestLimits.MaxNnz)
            throw ShiraErrors.LimitExceeded($"{indices.Length} nonzeros exceed {ManifestLimits.MaxNnz}", null, name);
        CheckIndices(indices, numel, name);
        long bad = ShiraReader.FirstNonFinite(values, spec.ValueDType);
        if (bad >= 0)
            throw ShiraErrors.NonFiniteValue($"value {bad} is NaN or infinite as {spec.ValueDType} (out of range when narrowed?)", null, name);
        var mask = spec.Mask ?? new MaskInfo();
        CheckMask(mask, shape[0], numel / shape[0], name);

        // Everything is validated: from here on the output is written.
        int setId = AddIndexSet(spec, mask, indices, shape, numel, name);
        int valueSection = WriteSection(values, P.SectionKind.Values, _options.AllowLz4 && _options.CompressValues);
        var t = new P.Tensor
        {
            Name = name,
            BaseDtype = spec.BaseDType.Name(),
            Semantics = ProtoMapping.ToProto(spec.Semantics),
            ScaleBits = BitConverter.SingleToUInt32Bits(spec.Scale),
            Nnz = (ulong)indices.Length,
            ValueType = ProtoMapping.ToProto(spec.ValueDType),
            ValueSection = (uint)valueSection,
            IndexSet = (uint)setId,
            Mask = ProtoMapping.ToProto(mask),
        };
        foreach (var d in shape) t.Shape.Add((ulong)d);
        _manifest.Tensors.Add(t);
        _lastName = name;
    }

    private static (long[] Shape, long Numel) CheckShape(TensorSpec spec)
    {
        var dims = spec.Shape ?? throw ShiraErrors.BadShape("the shape is null", null, spec.Name);
        if (dims.Count < ManifestLimits.MinRank || dims.Count > ManifestLimits.MaxRank)
            throw ShiraErrors.BadShape($"rank {dims.Count} is not in [1, 4]", null, spec.Name);
        var shape = dims.ToArray();
        long numel = 1;
        foreach (var d in shape)
        {
            if (d < 1) throw ShiraErrors.BadShape($"dimension {d} is not positive", null, spec.Name);
            if (!ManifestReader.TryMultiply(numel, d, out numel))
                throw ShiraErrors.BadShape("the element count overflows 2^63-1", null, spec.Name);
        }
        return (shape, numel);
    }

    private static void CheckIndices(ReadOnlySpan<long> indices, long numel, string name)
    {
        if (indices.Length > numel)
            throw ShiraErrors.NnzExceedsNumel($"{indices.Length} indices for {numel} elements", null, name);
        // The one check of a tensor's indices on the write path: the codec calls below trust it.
        IndexCodec.ValidateInput(indices, numel, name);
    }

    private static void CheckMask(MaskInfo m, long rows, long cols, string name)
    {
        if (!Enum.IsDefined(m.Strategy)) throw Usage($"invalid mask strategy {m.Strategy}", name);
        if (!(m.Density >= 0 && m.Density <= 1)) throw Usage($"mask density {m.Density} is not in [0, 1]", name);
        if (m.Rank < 0) throw Usage($"mask rank {m.Rank} is negative", name);
        CheckSorted(m.Rows ?? [], rows, "mask rows", name);
        CheckSorted(m.Columns ?? [], cols, "mask columns", name);
        CheckString(m.Description ?? throw Usage("mask description is null", name), "mask description");
    }

    private static void CheckSorted(IReadOnlyList<long> list, long bound, string what, string name)
    {
        for (int i = 0; i < list.Count; i++)
            if (list[i] < 0 || list[i] >= bound || (i > 0 && list[i] <= list[i - 1]))
                throw ShiraErrors.BadStructuredMask($"{what} must be strictly increasing and below {bound} (entry {i} = {list[i]})", null, name);
    }

    private static ShiraWriterOptions CheckOptions(ShiraWriterOptions options)
    {
        if (options.IndexEncoding == IndexEncoding.Structured || !Enum.IsDefined(options.IndexEncoding))
            throw new ArgumentException(
                $"ShiraWriterOptions.IndexEncoding must be Auto or a byte encoding, not {options.IndexEncoding} (structured masks are chosen per tensor)");
        return options;
    }

    private int AddIndexSet(TensorSpec spec, MaskInfo mask, ReadOnlySpan<long> indices, long[] shape, long numel, string name)
    {
        long rows = shape[0], cols = numel / shape[0];
        bool structuredCandidate = shape.Length >= 2 && (spec.IndexEncoding == IndexEncoding.Structured ||
            (spec.IndexEncoding == IndexEncoding.Auto && mask.Strategy == MaskStrategy.Structured));
        if (structuredCandidate && StructuredMask.Matches(indices, rows, cols, mask.Rows, mask.Columns, mask.Diagonal))
        {
            var key = IndexSetKey.Structured(numel, rows, mask.Rows, mask.Columns, mask.Diagonal, indices.Length);
            if (_options.DeduplicateIndexSets && _sets.TryGetValue(key, out int existing)) return existing;
            var p = new P.Structured { Rows = (ulong)rows, Cols = (ulong)cols, Diagonal = mask.Diagonal };
            foreach (var r in mask.Rows) p.RowList.Add((ulong)r);
            foreach (var c in mask.Columns) p.ColList.Add((ulong)c);
            return NewSet(key, new P.IndexSet
            {
                Encoding = P.IndexEncoding.Structured, Count = (ulong)indices.Length, Numel = (ulong)numel, Structured = p,
            });
        }
        if (spec.IndexEncoding == IndexEncoding.Structured)
            throw ShiraErrors.BadStructuredMask(shape.Length < 2
                ? "a rank-1 tensor cannot use a structured index set"
                : "the indices are not the union of the mask's rows, columns and diagonal", null, name);
        bool forced = spec.IndexEncoding == IndexEncoding.Auto && _options.IndexEncoding != IndexEncoding.Auto;
        var encoding = spec.IndexEncoding != IndexEncoding.Auto ? spec.IndexEncoding
            : !forced ? IndexCodec.ChooseSmallestValidated(indices, numel)
            : _options.IndexEncoding == IndexEncoding.RawU32 && numel > IndexCodec.RawU32MaxNumel ? IndexEncoding.RawU64
            : _options.IndexEncoding;
        if (encoding == IndexEncoding.RawU32 && numel > IndexCodec.RawU32MaxNumel)
            throw Usage($"raw u32 indices cannot address {numel} elements", name);
        byte[] encoded = IndexCodec.EncodeValidated(encoding, indices, numel);
        if (encoded.LongLength > ManifestLimits.MaxSectionBytes)
            throw ShiraErrors.LimitExceeded($"the encoded indices exceed {ManifestLimits.MaxSectionBytes} bytes", null, name);
        var k = IndexSetKey.Stream(numel, encoding, indices.Length, encoded);
        if (_options.DeduplicateIndexSets && _sets.TryGetValue(k, out int shared)) return shared;
        // Raw indices asked for by the options are meant to be used in place: not compressed.
        bool lz4 = _options.AllowLz4 && !(forced && encoding is IndexEncoding.RawU32 or IndexEncoding.RawU64);
        int section = WriteSection(encoded, P.SectionKind.Index, lz4);
        return NewSet(k, new P.IndexSet
        {
            Encoding = ProtoMapping.ToProto(encoding), Count = (ulong)indices.Length, Numel = (ulong)numel, Section = (uint)section,
        });
    }

    private int NewSet(IndexSetKey key, P.IndexSet set)
    {
        int id = _manifest.IndexSets.Count;
        _manifest.IndexSets.Add(set);
        _sets[key] = id;
        return id;
    }

    /// <summary>Writes one section (LZ4 only when <see cref="Lz4Pays"/>) and returns its index.</summary>
    private int WriteSection(byte[] data, P.SectionKind kind, bool tryLz4)
    {
        ReadOnlySpan<byte> stored = data;
        var codec = P.SectionCodec.None;
        byte[]? rented = null;
        try
        {
            if (tryLz4 && data.Length > 0)
            {
                rented = ArrayPool<byte>.Shared.Rent(LZ4Codec.MaximumOutputSize(data.Length));
                int n = LZ4Codec.Encode(data, rented, LZ4Level.L00_FAST);
                if (n > 0 && Lz4Pays(n, data.Length))
                {
                    stored = rented.AsSpan(0, n);
                    codec = P.SectionCodec.Lz4Block;
                }
            }
            Pad();
            var section = new P.Section
            {
                Offset = (ulong)_position,
                StoredLength = (ulong)stored.Length,
                Codec = codec,
                DecodedLength = (ulong)data.Length,
                Xxh3 = ShiraLayout.Hash(stored),
                Kind = kind,
            };
            Write(stored);
            _manifest.Sections.Add(section);
            return _manifest.Sections.Count - 1;
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    /// <summary>LZ4 is kept only when it saves at least 1/16 of the section and at least one 64-byte granule:
    /// a smaller gain rarely shrinks the file (sections are 64-byte aligned) but costs zero-copy access and a decode.</summary>
    internal static bool Lz4Pays(long compressed, long decoded) =>
        compressed < decoded && decoded - compressed >= Math.Max(ShiraLayout.Alignment, decoded / 16);

    private void Pad()
    {
        int pad = (int)(ShiraLayout.Align(_position) - _position);
        if (pad > 0) Write(Zeros.AsSpan(0, pad));
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        try
        {
            _output.Write(bytes);
        }
        catch
        {
            _failed = true;
            throw;
        }
        _position += bytes.Length;
    }

    /// <summary>A write-only stream over an <see cref="IBufferWriter{T}"/>, so both sinks share one code path.</summary>
    private sealed class BufferWriterStream(IBufferWriter<byte> output) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => output.Write(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => output.Write(buffer);
    }

    /// <summary>Identity of an index set for deduplication: equal keys mean equal positions and encoding.</summary>
    private readonly record struct IndexSetKey(long Numel, IndexEncoding Encoding, long Count, long Length, UInt128 Hash)
    {
        public static IndexSetKey Stream(long numel, IndexEncoding encoding, long count, byte[] encoded) =>
            new(numel, encoding, count, encoded.Length, XxHash128.HashToUInt128(encoded));

        public static IndexSetKey Structured(long numel, long rows, IReadOnlyList<long> rowList, IReadOnlyList<long> colList,
            bool diagonal, long count)
        {
            var words = new long[4 + rowList.Count + colList.Count];
            int i = 0;
            words[i++] = rows;
            words[i++] = rowList.Count;
            foreach (var r in rowList) words[i++] = r;
            words[i++] = colList.Count;
            foreach (var c in colList) words[i++] = c;
            words[i] = diagonal ? 1 : 0;
            var bytes = new byte[words.Length * 8];
            for (int k = 0; k < words.Length; k++) BinaryPrimitives.WriteInt64LittleEndian(bytes.AsSpan(k * 8), words[k]);
            return new(numel, IndexEncoding.Structured, count, 0, XxHash128.HashToUInt128(bytes));
        }
    }
}
