namespace Shira.Format.Codecs;

// Check once, decode later block by block into a sink: lets a caller (the runtime's scatter) interleave decoding with
// its own work, while every error is still raised before the caller has done anything.
public static partial class IndexCodec
{
    /// <summary>log2 of the block size raw encodings are cut into for <see cref="DecodeBlocks{TSink}"/>.</summary>
    internal const int RawLog2Block = 12;

    /// <summary>
    /// Checks <paramref name="encoded"/> in full, with the rules, error codes and offsets of
    /// <see cref="Decode(IndexEncoding, ReadOnlySpan{byte}, long, Span{long})"/>, and returns its block layout. No index
    /// is produced: raw forms are scanned in place, DELTA_BITPACKED blocks are checked by arithmetic on their parts
    /// (several times faster than decoding them), DELTA_VARINT blocks are decoded into nothing.
    /// </summary>
    public static IndexBlockLayout Check(IndexEncoding encoding, ReadOnlySpan<byte> encoded, long numel, int count)
    {
        CheckNumel(numel);
        if (count < 0) ArgumentErrors.OutOfRange(nameof(count), $"count must not be negative (got {count})");
        switch (encoding)
        {
            case IndexEncoding.RawU32:
                CheckRawU32Allowed(numel);
                CheckRawLength(encoded, count, 4, "RawU32");
                if (BitConverter.IsLittleEndian) ValidateU32(MemoryMarshal.Cast<byte, uint>(encoded), numel);
                else ScanRaw<U32Width, long>(encoded, numel, count, []);
                return RawLayout(encoding, numel, count);
            case IndexEncoding.RawU64:
                ScanRaw<U64Width, long>(encoded, numel, count, []);
                return RawLayout(encoding, numel, count);
            case IndexEncoding.DeltaBitPacked:
            case IndexEncoding.DeltaVarint:
                {
                    var d = CheckDelta(encoding == IndexEncoding.DeltaBitPacked ? BitPackedTag : VarintTag, encoded, numel, count);
                    return new IndexBlockLayout
                    {
                        Encoding = encoding, Count = count, Numel = numel, Log2BlockSize = d.Log2Block, BlockCount = d.Blocks,
                        DataStart = d.DataStart,
                    };
                }
            default:
                ThrowNotByteEncoding(encoding);
                return default;
        }
    }

    /// <summary>The layout of a set cut into fixed blocks of 2^<see cref="RawLog2Block"/> (raw encodings, and
    /// structured sets once generated).</summary>
    internal static IndexBlockLayout RawLayout(IndexEncoding encoding, long numel, int count) => new()
    {
        Encoding = encoding, Count = count, Numel = numel, Log2BlockSize = RawLog2Block,
        BlockCount = (int)(((long)count + (1 << RawLog2Block) - 1) >> RawLog2Block),
    };

    /// <summary>The first index of block <paramref name="block"/> as the bytes hold it now (from the skip table, or
    /// the raw array): lets a caller partition positions without decoding.</summary>
    public static long FirstIndexOfBlock(in IndexBlockLayout layout, ReadOnlySpan<byte> encoded, int block)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(block);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(block, layout.BlockCount);
        int position = layout.BlockStart(block);
        return layout.Encoding switch
        {
            IndexEncoding.RawU32 => BinaryPrimitives.ReadUInt32LittleEndian(encoded.Slice(4 * position)),
            IndexEncoding.RawU64 => BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(8 * position)),
            _ => BinaryPrimitives.ReadInt64LittleEndian(encoded.Slice(DeltaHeaderSize + SkipEntrySize * block)),
        };
    }

    /// <summary>
    /// Decodes blocks [<paramref name="firstBlock"/>, <paramref name="firstBlock"/> + <paramref name="blockCount"/>)
    /// of bytes already passed through <see cref="Check"/>, handing each index to <paramref name="sink"/> with its
    /// position. The decoder stays memory-safe whatever the bytes hold now. Delta blocks re-check their structure,
    /// range and order, but may hand over a block's indices before the fault is found; raw blocks are read as they
    /// stand, unchecked. So a sink that writes must bounds-check what it is given when the bytes could have changed
    /// since they were checked (see <see cref="IIndexSink"/>).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void DecodeBlocks<TSink>(in IndexBlockLayout layout, ReadOnlySpan<byte> encoded, int firstBlock, int blockCount, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        var (from, to) = layout.Positions(firstBlock, blockCount);
        if (blockCount == 0) return;
        switch (layout.Encoding)
        {
            case IndexEncoding.RawU32:
            case IndexEncoding.RawU64:
                {
                    if (layout.Encoding == IndexEncoding.RawU32) DecodeRawU32Range(encoded, layout.Count, from, to, sink);
                    else DecodeRawU64Range(encoded, layout.Count, from, to, sink);
                    return;
                }
            case IndexEncoding.DeltaBitPacked:
            case IndexEncoding.DeltaVarint:
                {
                    byte tag = layout.Encoding == IndexEncoding.DeltaBitPacked ? BitPackedTag : VarintTag;
                    var d = new DeltaLayout { Log2Block = layout.Log2BlockSize, Blocks = layout.BlockCount, DataStart = layout.DataStart };
                    for (int b = firstBlock; b < firstBlock + blockCount; b++)
                        DecodeDeltaBlock(tag, encoded, d, b, layout.Numel, layout.Count, sink);
                    return;
                }
            default:
                ThrowNotByteEncoding(layout.Encoding);
                return;
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU32Range<TSink>(ReadOnlySpan<byte> encoded, int count, int from, int to, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        CheckRawLength(encoded, count, 4, "RawU32");
        ref byte src = ref MemoryMarshal.GetReference(encoded);
        for (int i = from; i < to; i++)
        {
            uint v = Unsafe.ReadUnaligned<uint>(ref Unsafe.Add(ref src, (nint)i * 4));
            sink.Add(i, BitConverter.IsLittleEndian ? v : BinaryPrimitives.ReverseEndianness(v));
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRawU64Range<TSink>(ReadOnlySpan<byte> encoded, int count, int from, int to, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        CheckRawLength(encoded, count, 8, "RawU64");
        for (int i = from; i < to; i++) sink.Add(i, BinaryPrimitives.ReadUInt64LittleEndian(encoded.Slice(8 * i)));
    }
}
