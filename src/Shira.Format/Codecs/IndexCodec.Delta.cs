using System.Numerics;

namespace Shira.Format.Codecs;

// The layout shared by DELTA_BITPACKED and DELTA_VARINT: a 16-byte header, a skip table of (first index, byte
// offset) per block, then the blocks. Each block is decodable on its own from its skip entry.
public static partial class IndexCodec
{
    /// <summary>Header tag of <see cref="IndexEncoding.DeltaBitPacked"/> ('B').</summary>
    internal const byte BitPackedTag = 0x42;
    /// <summary>Header tag of <see cref="IndexEncoding.DeltaVarint"/> ('V').</summary>
    internal const byte VarintTag = 0x56;
    /// <summary>Version byte of the delta layouts.</summary>
    internal const byte DeltaVersion = 1;
    /// <summary>Size of the delta header.</summary>
    internal const int DeltaHeaderSize = 16;
    /// <summary>Size of one skip-table entry.</summary>
    internal const int SkipEntrySize = 16;
    /// <summary>Smallest and largest log2 of the block size a reader accepts.</summary>
    internal const int MinLog2Block = 4, MaxLog2Block = 16;
    /// <summary>log2 of the block size writers use (256 indices per block).</summary>
    internal const int WriterLog2Block = 8;

    private const int WriterBlock = 1 << WriterLog2Block;

    /// <summary>Writes the header; returns the offset of the data area.</summary>
    private static int WriteDeltaHeader(Span<byte> output, byte tag, int count)
    {
        output[..DeltaHeaderSize].Clear();
        output[0] = tag;
        output[1] = DeltaVersion;
        output[2] = WriterLog2Block;
        BinaryPrimitives.WriteUInt64LittleEndian(output.Slice(8), (ulong)count);
        return DeltaHeaderSize + SkipEntrySize * BlockCount(count);
    }

    private static int BlockCount(int count) => (count + WriterBlock - 1) >> WriterLog2Block;

    private static void WriteSkipEntry(Span<byte> output, int block, long first, long offset)
    {
        var entry = output.Slice(DeltaHeaderSize + SkipEntrySize * block, SkipEntrySize);
        BinaryPrimitives.WriteInt64LittleEndian(entry, first);
        BinaryPrimitives.WriteInt64LittleEndian(entry.Slice(8), offset);
    }

    /// <summary>What the header and skip table say, after validation.</summary>
    private readonly struct DeltaLayout
    {
        public int Log2Block { get; init; }
        public int Blocks { get; init; }
        public int DataStart { get; init; }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DeltaLayout ReadDeltaLayout(byte tag, ReadOnlySpan<byte> encoded, long numel, int expectedCount)
    {
        string name = tag == BitPackedTag ? "DeltaBitPacked" : "DeltaVarint";
        if (encoded.Length < DeltaHeaderSize)
            ThrowCorrupt($"{name} index bytes are {encoded.Length} long, shorter than the 16-byte header", encoded.Length);
        if (encoded[0] != tag)
            ThrowCorrupt($"{name} header tag is 0x{encoded[0]:X2}, expected 0x{tag:X2}", 0);
        if (encoded[1] != DeltaVersion)
            ThrowCorrupt($"{name} version {encoded[1]} is not supported (expected {DeltaVersion})", 1);
        int log2 = encoded[2];
        if (log2 < MinLog2Block || log2 > MaxLog2Block)
            ThrowCorrupt($"{name} block size 2^{log2} is outside 2^{MinLog2Block}..2^{MaxLog2Block}", 2);
        for (int i = 3; i < 8; i++)
            if (encoded[i] != 0) ThrowCorrupt($"{name} reserved header byte {i} is not zero", i);
        ulong count = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(8));
        if (count != (ulong)expectedCount)
            throw ShiraErrors.BadDecodedLength($"{name} header declares {count} indices, expected {expectedCount}", offset: 8);
        if ((long)count > numel)
            throw ShiraErrors.BadDecodedLength($"{name} header declares {count} indices for a tensor of {numel} elements", offset: 8);

        int blockSize = 1 << log2;
        int blocks = (int)(((long)count + blockSize - 1) >> log2);
        long dataStart = DeltaHeaderSize + (long)SkipEntrySize * blocks;
        if (dataStart > encoded.Length)
            ThrowCorrupt($"{name} skip table of {blocks} blocks needs {dataStart} bytes, only {encoded.Length} present", encoded.Length);
        long dataLength = encoded.Length - dataStart;
        if (blocks == 0 && dataLength != 0)
            ThrowCorrupt($"{name} has {dataLength} bytes after an empty index set", dataStart);

        long prevFirst = -1, prevOffset = 0;
        for (int b = 0; b < blocks; b++)
        {
            int at = DeltaHeaderSize + SkipEntrySize * b;
            ulong first = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(at));
            ulong offset = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(at + 8));
            if (first >= (ulong)numel)
                throw ShiraErrors.IndexOutOfRange($"{name} block {b} starts at index {first}, not below numel {numel}", offset: at);
            // A block of n indices spans at least n positions, so the next block cannot start earlier.
            if (b > 0 && (long)first - prevFirst < blockSize)
                throw ShiraErrors.IndexNotIncreasing($"{name} block {b} starts at index {first}, less than {blockSize} after block {b - 1} (index {prevFirst})", offset: at);
            if (b == 0 ? offset != 0 : offset < (ulong)prevOffset || offset > (ulong)dataLength)
                ThrowCorrupt($"{name} skip table entry {b} has byte offset {offset} (previous {prevOffset}, data area {dataLength} bytes)", at + 8);
            prevFirst = (long)first;
            prevOffset = (long)offset;
        }
        return new DeltaLayout { Log2Block = log2, Blocks = blocks, DataStart = (int)dataStart };
    }

    /// <summary>Decodes into long or uint destinations (values are range-checked as u64 before they are narrowed,
    /// and a uint destination is only used when numel ≤ 2^32).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeDelta<T>(byte tag, ReadOnlySpan<byte> encoded, long numel, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        var layout = ReadDeltaLayout(tag, encoded, numel, destination.Length);
        var sink = new SpanSink<T>(destination);
        for (int b = 0; b < layout.Blocks; b++)
            DecodeDeltaBlock(tag, encoded, layout, b, numel, destination.Length, sink);
    }

    /// <summary>Checks every block as <see cref="DecodeDelta"/> would, in the same order and with the same errors,
    /// without producing indices: DELTA_BITPACKED blocks by arithmetic on their parts (no serial walk), DELTA_VARINT
    /// blocks by decoding into nothing.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static DeltaLayout CheckDelta(byte tag, ReadOnlySpan<byte> encoded, long numel, int count)
    {
        var layout = ReadDeltaLayout(tag, encoded, numel, count);
        for (int b = 0; b < layout.Blocks; b++)
        {
            var block = DeltaBlockBytes(encoded, layout, b, out ulong first, out long begin);
            int n = DeltaBlockLength(layout, b, count);
            ulong last = tag == BitPackedTag
                ? CheckBitPackedBlock(block, begin, first, (ulong)numel, n)
                : DecodeVarintBlock(block, begin, first, (ulong)numel, b << layout.Log2Block, n, default(NullSink));
            CheckBeforeNextBlock(encoded, layout, b, last);
        }
        return layout;
    }

    private static int DeltaBlockLength(DeltaLayout layout, int b, int count) =>
        Math.Min(1 << layout.Log2Block, count - (b << layout.Log2Block));

    /// <summary>Block <paramref name="b"/>'s bytes and first index, from its skip entry. The entries were validated
    /// when the layout was read, but the bytes may be a map that changed since: every slice is bounds-checked.</summary>
    private static ReadOnlySpan<byte> DeltaBlockBytes(ReadOnlySpan<byte> encoded, DeltaLayout layout, int b, out ulong first, out long begin)
    {
        int entry = DeltaHeaderSize + SkipEntrySize * b;
        first = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(entry));
        ulong dataLength = (ulong)(encoded.Length - layout.DataStart);
        ulong from = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(entry + 8));
        ulong to = b + 1 < layout.Blocks ? BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(entry + SkipEntrySize + 8)) : dataLength;
        if (from > to || to > dataLength)
            ThrowCorrupt($"skip table entry {b} has byte offsets {from}..{to} outside the {dataLength}-byte data area", entry + 8);
        begin = layout.DataStart + (long)from;
        return encoded.Slice((int)begin, (int)(to - from));
    }

    /// <summary>Decodes block <paramref name="b"/> (covered by a validated skip table) into <paramref name="sink"/>
    /// and checks it against the next block's first index.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeDeltaBlock<TSink>(byte tag, ReadOnlySpan<byte> encoded, DeltaLayout layout, int b, long numel, int count, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        var block = DeltaBlockBytes(encoded, layout, b, out ulong first, out long begin);
        if (first >= (ulong)numel)
            throw ShiraErrors.IndexOutOfRange($"block {b} starts at index {first}, not below numel {numel}", offset: DeltaHeaderSize + SkipEntrySize * b);
        int position = b << layout.Log2Block;
        int n = DeltaBlockLength(layout, b, count);
        ulong last = tag == BitPackedTag
            ? DecodeBitPackedBlock(block, begin, first, (ulong)numel, position, n, sink)
            : DecodeVarintBlock(block, begin, first, (ulong)numel, position, n, sink);
        CheckBeforeNextBlock(encoded, layout, b, last);
    }

    private static void CheckBeforeNextBlock(ReadOnlySpan<byte> encoded, DeltaLayout layout, int b, ulong last)
    {
        if (b + 1 >= layout.Blocks) return;
        int entry = DeltaHeaderSize + SkipEntrySize * (b + 1);
        ulong next = BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(entry));
        if (last >= next)
            throw ShiraErrors.IndexNotIncreasing($"block {b} ends at index {last}, not below block {b + 1}'s first index {next}", offset: entry);
    }

    private static void ThrowCorrupt(string message, long offset) =>
        throw ShiraErrors.IndexEncodingCorrupt(message, offset: offset);

    /// <summary>Reports an index at or past numel found in a block (offset: the byte being decoded).</summary>
    private static void ThrowBlockOutOfRange(long numel, long offset) =>
        throw ShiraErrors.IndexOutOfRange($"a decoded index is not below numel {numel}", offset: offset);
}
