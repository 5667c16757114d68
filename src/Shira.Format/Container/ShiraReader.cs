using System.Buffers;
using System.IO.MemoryMappedFiles;
using Shira.Format.Codecs;
using Shira.Format.IO;
using Shira.Format.Manifest;
using Shira.Format.Numerics;

namespace Shira.Format.Container;

/// <summary>
/// Reads a .shira container over a memory map (or a caller's buffer). <see cref="Open(string, ShiraReaderOptions?)"/>
/// checks the layout and the manifest before anything else is touched; tensor data is decoded on demand.
/// Thread-safe for concurrent reads of different or equal tensors.
/// </summary>
public sealed unsafe partial class ShiraReader : IDisposable
{
    private readonly string _file;
    private readonly ShiraReaderOptions _options;
    private readonly ManifestModel _model;
    private readonly byte* _base;
    private readonly long _length;
    private readonly Dictionary<string, int> _byName;
    // Per section: 1 once the checksum was verified (benign races: two threads may both verify).
    private readonly int[] _verified;
    // Per LZ4 section: the decoded bytes, published once with CompareExchange.
    private readonly byte[]?[] _decoded;
    private IDisposable? _owner;

    private ShiraReader(string file, ShiraReaderOptions options, byte* basePointer, long length, IDisposable owner)
    {
        _file = file;
        _options = options;
        _base = basePointer;
        _length = length;
        _owner = owner;
        _model = ReadStructure(basePointer, length, file, options);
        _verified = new int[_model.Sections.Length];
        _decoded = new byte[_model.Sections.Length][];
        _byName = new Dictionary<string, int>(_model.Tensors.Length, StringComparer.Ordinal);
        for (int i = 0; i < _model.Tensors.Length; i++) _byName[_model.Tensors[i].Name] = i;
    }

    /// <summary>Maps and opens a file. Throws <see cref="ShiraException"/> on any structural error.</summary>
    public static ShiraReader Open(string path, ShiraReaderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        var map = MappedFile.Open(path, MemoryMappedFileAccess.Read, ShiraLayout.MinFileSize, length => ShiraErrors.FileTooSmall($"{length} bytes is shorter than the smallest container ({ShiraLayout.MinFileSize} bytes)", path));
        try
        {
            return new ShiraReader(path, options ?? new ShiraReaderOptions(), map.Pointer, map.Length, map);
        }
        catch
        {
            map.Dispose();
            throw;
        }
    }

    /// <summary>Opens a container held in memory (tests, fuzzing, pipes read to the end).</summary>
    public static ShiraReader Open(ReadOnlyMemory<byte> bytes, string name = "<memory>", ShiraReaderOptions? options = null)
    {
        if (bytes.Length < ShiraLayout.MinFileSize)
            throw ShiraErrors.FileTooSmall($"{bytes.Length} bytes is shorter than the smallest container ({ShiraLayout.MinFileSize} bytes)", name);
        var pin = bytes.Pin();
        try
        {
            return new ShiraReader(name, options ?? new ShiraReaderOptions(), (byte*)pin.Pointer, bytes.Length, new PinnedMemory(pin));
        }
        catch
        {
            pin.Dispose();
            throw;
        }
    }

    /// <summary>Validates a file fully (layout, manifest, every checksum, every index) without throwing for
    /// format errors; I/O errors are reported as <see cref="ShiraErrorCode.IoError"/>.</summary>
    public static ValidationReport ValidateFile(string path, ShiraReaderOptions? options = null)
    {
        try
        {
            using var reader = Open(path, options);
            return reader.Validate();
        }
        catch (ShiraException e)
        {
            return new ValidationReport(path, [ValidationIssue.From(e)]);
        }
    }

    /// <summary>XXH3-64 of the whole container, taken from the map (the runtime records it for in-place applies, so
    /// the adapter is not read from disk a second time).</summary>
    internal ulong HashContent()
    {
        ObjectDisposedException.ThrowIf(_owner is null, this);
        var h = new System.IO.Hashing.XxHash3();
        for (long done = 0; done < _length;)
        {
            int n = (int)Math.Min(1 << 30, _length - done);
            h.Append(new ReadOnlySpan<byte>(_base + done, n));
            done += n;
        }
        return h.GetCurrentHashAsUInt64();
    }

    /// <summary>The path or name the reader was opened with.</summary>
    public string FilePath => _file;
    /// <summary>Format major version.</summary>
    public int FormatMajor => _model.Major;
    /// <summary>Format minor version.</summary>
    public int FormatMinor => _model.Minor;
    /// <summary>Total file length in bytes.</summary>
    public long FileLength => _length;
    /// <summary>Adapter metadata.</summary>
    public AdapterMetadata Metadata => _model.Metadata;
    /// <summary>Tensor entries, sorted by name.</summary>
    public IReadOnlyList<ShiraTensorInfo> Tensors => _model.Tensors;
    /// <summary>Number of distinct index sets (shared masks count once).</summary>
    public int IndexSetCount => _model.IndexSets.Length;
    /// <summary>Number of data sections.</summary>
    public int SectionCount => _model.Sections.Length;
    /// <summary>File offset of the manifest.</summary>
    public long ManifestOffset => _model.ManifestOffset;
    /// <summary>Length of the manifest in bytes.</summary>
    public long ManifestLength => _model.ManifestLength;

    /// <summary>Finds a tensor entry by name.</summary>
    public bool TryGetTensor(string name, out ShiraTensorInfo tensor)
    {
        if (name is not null && _byName.TryGetValue(name, out int i))
        {
            tensor = _model.Tensors[i];
            return true;
        }
        tensor = null!;
        return false;
    }

    /// <summary>Decodes the tensor's indices into <paramref name="destination"/> (length ≥ Nnz), checking range and order.</summary>
    public void ReadIndices(ShiraTensorInfo tensor, Span<long> destination)
    {
        int t = Resolve(tensor);
        var set = _model.IndexSets[_model.TensorIndexSet[t]];
        var dest = Destination(destination, set.Count, tensor.Name);
        if (set.Section < 0)
        {
            StructuredMask.Generate(set.StructRows, set.StructCols, set.RowList, set.ColList, set.Diagonal, dest);
            return;
        }
        DecodeStored(set, tensor.Name, dest);
    }

    /// <summary>Decodes indices as u32 (the fast path for tensors with at most 2^32 elements).</summary>
    public void ReadIndices(ShiraTensorInfo tensor, Span<uint> destination)
    {
        int t = Resolve(tensor);
        var set = _model.IndexSets[_model.TensorIndexSet[t]];
        if (set.Numel > 1L << 32)
            throw ArgumentErrors.ForTensor($"numel {set.Numel} is above 2^32; read the indices as long", tensor.Name);
        var dest = Destination(destination, set.Count, tensor.Name);
        if (set.Section < 0)
        {
            long[] tmp = ArrayPool<long>.Shared.Rent(dest.Length);
            try
            {
                var span = tmp.AsSpan(0, dest.Length);
                StructuredMask.Generate(set.StructRows, set.StructCols, set.RowList, set.ColList, set.Diagonal, span);
                for (int i = 0; i < span.Length; i++) dest[i] = (uint)span[i];
            }
            finally
            {
                ArrayPool<long>.Shared.Return(tmp);
            }
            return;
        }
        DecodeStored(set, tensor.Name, dest);
    }

    /// <summary>Decodes a stored (non-structured) index set; a codec error gets the section's file offset.</summary>
    private void DecodeStored<T>(IndexSetEntry set, string tensor, Span<T> dest) where T : unmanaged
    {
        var bytes = SectionData(set.Section, tensor);
        try
        {
            if (typeof(T) == typeof(uint)) IndexCodec.Decode(set.Encoding, bytes, set.Numel, MemoryMarshal.Cast<T, uint>(dest));
            else IndexCodec.Decode(set.Encoding, bytes, set.Numel, MemoryMarshal.Cast<T, long>(dest));
        }
        catch (ShiraException e)
        {
            throw Relocate(e, set.Section, tensor);
        }
    }

    /// <summary>
    /// Checks the tensor's index set in full (what <see cref="ReadIndices(ShiraTensorInfo, Span{long})"/> checks, with
    /// the same errors) without decoding it, and returns a handle that decodes it block by block into a sink: the way
    /// to interleave decoding with other work after every error has been raised. DELTA_BITPACKED sets are checked by
    /// arithmetic on each block, several times faster than decoding; structured sets are generated once.
    /// </summary>
    public IndexBlocks CheckIndices(ShiraTensorInfo tensor)
    {
        int t = Resolve(tensor);
        var set = _model.IndexSets[_model.TensorIndexSet[t]];
        if (set.Count > Array.MaxLength)
            throw ShiraErrors.LimitExceeded($"{set.Count} indices are more than one decode handles", _file, tensor.Name);
        if (set.Section < 0)
        {
            var all = new long[set.Count];
            StructuredMask.Generate(set.StructRows, set.StructCols, set.RowList, set.ColList, set.Diagonal, all);
            return new IndexBlocks(this, tensor.Name, -1, all, IndexCodec.RawLayout(IndexEncoding.Structured, set.Numel, all.Length));
        }
        var bytes = SectionData(set.Section, tensor.Name);
        try
        {
            var layout = IndexCodec.Check(set.Encoding, bytes, set.Numel, (int)set.Count);
            return new IndexBlocks(this, tensor.Name, set.Section, null, layout);
        }
        catch (ShiraException e)
        {
            throw Relocate(e, set.Section, tensor.Name);
        }
    }

    /// <summary>A section's bytes for <see cref="IndexBlocks"/> (checksum-verified on first use, as everywhere). An
    /// <see cref="IndexBlocks"/> can outlive its reader: after Dispose the map is gone, so refuse rather than read it.</summary>
    internal ReadOnlySpan<byte> IndexSectionData(int section, string tensor)
    {
        ObjectDisposedException.ThrowIf(_owner is null, this);
        return SectionData(section, tensor);
    }

    /// <summary>Moves a codec error's offset into the file, names the file and tensor.</summary>
    internal ShiraException RelocateIndexError(ShiraException e, int section, string tensor) => Relocate(e, section, tensor);

    /// <summary>The stored values as raw little-endian bytes of <see cref="ShiraTensorInfo.ValueDType"/>: a zero-copy
    /// view of the map when uncompressed; decoded into a cached buffer otherwise. Valid while the reader lives.</summary>
    public ReadOnlySpan<byte> GetValueBytes(ShiraTensorInfo tensor)
    {
        int t = Resolve(tensor);
        return SectionData(_model.TensorValueSection[t], tensor.Name);
    }

    /// <summary>Reads the values widened to f32 into <paramref name="destination"/> (length ≥ Nnz).</summary>
    public void ReadValues(ShiraTensorInfo tensor, Span<float> destination)
    {
        var bytes = GetValueBytes(tensor);
        var dest = Destination(destination, tensor.Nnz, tensor.Name);
        FloatSpans.ToSingle(bytes, tensor.ValueDType, dest);
    }

    /// <inheritdoc />
    public void Dispose() => Interlocked.Exchange(ref _owner, null)?.Dispose();

    private int Resolve(ShiraTensorInfo tensor)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ObjectDisposedException.ThrowIf(_owner is null, this);
        int i = tensor.Ordinal;
        if ((uint)i < (uint)_model.Tensors.Length && ReferenceEquals(_model.Tensors[i], tensor)) return i;
        if (_byName.TryGetValue(tensor.Name, out i)) return i; // an equal entry from another reader of the same file
        throw new ArgumentException($"tensor '{tensor.Name}' does not belong to this reader ({_file})", nameof(tensor));
    }

    private Span<T> Destination<T>(Span<T> destination, long count, string tensor)
    {
        if (destination.Length < count)
            throw ArgumentErrors.ForTensor($"the destination holds {destination.Length} elements but the tensor has {count}", tensor);
        return destination[..(int)count];
    }

    private ReadOnlySpan<byte> Stored(in SectionEntry s) => new(_base + s.Offset, (int)s.StoredLength);

    /// <summary>A section's decoded bytes, checksum-verified on first use when the options ask for it.</summary>
    private ReadOnlySpan<byte> SectionData(int index, string? tensor)
    {
        ref readonly var s = ref _model.Sections[index];
        if (_options.VerifyChecksums && Volatile.Read(ref _verified[index]) == 0)
        {
            VerifyChecksum(index, tensor);
            Volatile.Write(ref _verified[index], 1);
        }
        if (s.Codec == SectionCodec.None) return Stored(s);
        var cached = Volatile.Read(ref _decoded[index]);
        if (cached is null)
        {
            Interlocked.CompareExchange(ref _decoded[index], DecodeLz4(index, tensor), null);
            cached = _decoded[index]!;
        }
        return cached;
    }

    private void VerifyChecksum(int index, string? tensor)
    {
        ref readonly var s = ref _model.Sections[index];
        ulong actual = ShiraLayout.Hash(Stored(s));
        if (actual != s.Xxh3)
            throw ShiraErrors.SectionChecksum($"section {index} checksum is {actual:x16}, the manifest says {s.Xxh3:x16}", _file, tensor, s.Offset);
    }

    private byte[] DecodeLz4(int index, string? tensor)
    {
        ref readonly var s = ref _model.Sections[index];
        // DecodedLength is bounded by 255 × StoredLength and by 2^31-64 (checked when the manifest was read). Every
        // LZ4 section is decoded here, through the block check (spec §5.1), whichever API asked for its bytes.
        var output = new byte[s.DecodedLength];
        try
        {
            Lz4Block.Decode(Stored(s), output);
        }
        catch (ShiraException e)
        {
            throw ShiraErrors.Relocate(e, _file, tensor, s.Offset + (e.Offset ?? 0), $"section {index}");
        }
        return output;
    }

    private ShiraException Relocate(ShiraException e, int section, string tensor)
    {
        ref readonly var s = ref _model.Sections[section];
        long? offset = s.Codec == SectionCodec.None && e.Offset is { } rel ? s.Offset + rel : s.Offset;
        return ShiraErrors.Relocate(e, _file, tensor, offset);
    }

    /// <summary>Checks header, trailer and manifest (spec §4–§7) touching only those bytes.</summary>
    private static ManifestModel ReadStructure(byte* p, long length, string file, ShiraReaderOptions options)
    {
        if (length < ShiraLayout.MinFileSize)
            throw ShiraErrors.FileTooSmall($"{length} bytes is shorter than the smallest container ({ShiraLayout.MinFileSize} bytes)", file);
        var header = new ReadOnlySpan<byte>(p, ShiraLayout.HeaderSize);
        if (!header[..8].SequenceEqual(ShiraLayout.HeaderMagic))
            throw ShiraErrors.BadMagic("the file does not start with the .shira magic (not a .shira file)", file, null, 0);
        int major = BinaryPrimitives.ReadUInt16LittleEndian(header[ShiraLayout.HeaderMajorAt..]);
        int minor = BinaryPrimitives.ReadUInt16LittleEndian(header[ShiraLayout.HeaderMinorAt..]);
        if (major != ShiraLayout.Major)
            throw ShiraErrors.UnsupportedVersion($"format version {major}.{minor} is not supported (this reader knows major {ShiraLayout.Major})", file, null, ShiraLayout.HeaderMajorAt);
        if (BinaryPrimitives.ReadUInt32LittleEndian(header[ShiraLayout.HeaderFlagsAt..]) != 0)
            throw ShiraErrors.ReservedNotZero("reserved header flags are not zero", file, null, ShiraLayout.HeaderFlagsAt);

        long tAt = length - ShiraLayout.TrailerSize;
        var t = new ReadOnlySpan<byte>(p + tAt, ShiraLayout.TrailerSize);
        if (!t[ShiraLayout.TrailerMagicAt..].SequenceEqual(ShiraLayout.TrailerMagic))
            throw ShiraErrors.BadTrailer("the trailer magic is missing (truncated or not a .shira file)", file, null, tAt + ShiraLayout.TrailerMagicAt);
        ulong trailerHash = BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerHashAt..]);
        if (trailerHash != ShiraLayout.Hash(t[..ShiraLayout.TrailerHashAt]))
            throw ShiraErrors.BadTrailer("the trailer checksum does not match", file, null, tAt + ShiraLayout.TrailerHashAt);
        int tMajor = BinaryPrimitives.ReadUInt16LittleEndian(t[ShiraLayout.TrailerMajorAt..]);
        int tMinor = BinaryPrimitives.ReadUInt16LittleEndian(t[ShiraLayout.TrailerMinorAt..]);
        if (tMajor != major || tMinor != minor)
            throw ShiraErrors.VersionMismatch($"the header says version {major}.{minor}, the trailer {tMajor}.{tMinor}", file, null, tAt + ShiraLayout.TrailerMajorAt);
        if (BinaryPrimitives.ReadUInt32LittleEndian(t[ShiraLayout.TrailerFlagsAt..]) != 0 ||
            BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerReservedAt..]) != 0)
            throw ShiraErrors.ReservedNotZero("reserved trailer fields are not zero", file, null, tAt + ShiraLayout.TrailerFlagsAt);
        ulong fileLength = BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerFileLengthAt..]);
        if (fileLength != (ulong)length)
            throw ShiraErrors.LengthMismatch($"the trailer records {fileLength} bytes but the file has {length}", file, null, tAt + ShiraLayout.TrailerFileLengthAt);

        ulong mOffset = BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerManifestOffsetAt..]);
        ulong mLength = BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerManifestLengthAt..]);
        if (mLength > (ulong)options.MaxManifestBytes)
            throw ShiraErrors.ManifestTooLarge($"the manifest is {mLength} bytes; the limit is {options.MaxManifestBytes}", file, null, tAt + ShiraLayout.TrailerManifestLengthAt);
        if (mLength == 0 || mOffset < ShiraLayout.Alignment || mOffset % ShiraLayout.Alignment != 0 || mOffset > (ulong)tAt ||
            (ulong)tAt - mOffset != mLength)
            throw ShiraErrors.ManifestOutOfBounds($"the manifest [{mOffset}, +{mLength}) must be non-empty, start at a multiple of 64 and end where the trailer begins ({tAt})",
                file, null, tAt + ShiraLayout.TrailerManifestOffsetAt);
        var manifest = new ReadOnlySpan<byte>(p + (long)mOffset, (int)mLength);
        ulong mHash = BinaryPrimitives.ReadUInt64LittleEndian(t[ShiraLayout.TrailerManifestHashAt..]);
        if (ShiraLayout.Hash(manifest) != mHash)
            throw ShiraErrors.ManifestChecksum("the manifest checksum does not match", file, null, (long)mOffset);
        return ManifestReader.Read(manifest, (long)mOffset, major, minor, options, file);
    }

    private sealed class PinnedMemory(MemoryHandle handle) : IDisposable
    {
        private MemoryHandle _handle = handle;

        public void Dispose() => _handle.Dispose();
    }
}
