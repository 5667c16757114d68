namespace Shira.Format.Codecs;

// DELTA_VARINT (Stream-VByte-like): per block, 2-bit length codes (1, 2, 4 or 8 bytes) packed four to a control
// byte, then the gaps-minus-one as little-endian integers of those lengths. Byte-aligned: bigger than
// DELTA_BITPACKED, simple to decode.
public static partial class IndexCodec
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long VarintLength(ReadOnlySpan<long> indices)
    {
        int n = indices.Length;
        long total = DeltaHeaderSize + (long)SkipEntrySize * BlockCount(n);
        for (int start = 0; start < n; start += WriterBlock)
            total += VarintBlockLength(indices.Slice(start, Math.Min(WriterBlock, n - start)));
        return total;
    }

    private static long VarintBlockLength(ReadOnlySpan<long> block)
    {
        int m = block.Length - 1;
        long total = (m + 3) >> 2;
        for (int i = 1; i < block.Length; i++)
            total += 1 << VarintCode((ulong)(block[i] - block[i - 1] - 1));
        return total;
    }

    /// <summary>The shortest length code: 0 → 1 byte, 1 → 2, 2 → 4, 3 → 8.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static int VarintCode(ulong gap) => gap < 0x100 ? 0 : gap < 0x1_0000 ? 1 : gap < 0x1_0000_0000 ? 2 : 3;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteVarint(ReadOnlySpan<long> indices, Span<byte> output)
    {
        int n = indices.Length;
        int position = WriteDeltaHeader(output, VarintTag, n);
        int dataStart = position;
        for (int b = 0, start = 0; start < n; b++, start += WriterBlock)
        {
            var block = indices.Slice(start, Math.Min(WriterBlock, n - start));
            WriteSkipEntry(output, b, block[0], position - dataStart);
            int m = block.Length - 1;
            var control = output.Slice(position, (m + 3) >> 2);
            control.Clear();
            int data = position + control.Length;
            for (int j = 0; j < m; j++)
            {
                ulong g = (ulong)(block[j + 1] - block[j] - 1);
                int code = VarintCode(g);
                control[j >> 2] |= (byte)(code << ((j & 3) << 1));
                var dst = output.Slice(data, 1 << code);
                switch (code)
                {
                    case 0: dst[0] = (byte)g; break;
                    case 1: BinaryPrimitives.WriteUInt16LittleEndian(dst, (ushort)g); break;
                    case 2: BinaryPrimitives.WriteUInt32LittleEndian(dst, (uint)g); break;
                    default: BinaryPrimitives.WriteUInt64LittleEndian(dst, g); break;
                }
                data += 1 << code;
            }
            position = data;
        }
    }

    /// <summary>Σ 2^c over the first <paramref name="m"/> length codes (unused codes of the last control byte are zero).</summary>
    private static long VarintDataLength(ReadOnlySpan<byte> control, int m)
    {
        long total = 0;
        foreach (byte c in control)
            total += (1 << (c & 3)) + (1 << ((c >> 2) & 3)) + (1 << ((c >> 4) & 3)) + (1 << (c >> 6));
        // Each zero code of the unused fields was counted as one byte.
        return total - ((4 - (m & 3)) & 3);
    }

    private static ReadOnlySpan<ulong> VarintMasks => [0xFFUL, 0xFFFFUL, 0xFFFF_FFFFUL, ulong.MaxValue];

    /// <summary>Decodes one block. Gaps of 1–4 bytes cannot wrap a ulong from below 2^63 in 2^16 steps; 8-byte
    /// gaps are range-checked one by one.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong DecodeVarintBlock<TSink>(ReadOnlySpan<byte> block, long blockOffset, ulong first, ulong numel,
        int position, int count, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        int m = count - 1;
        int controlLength = (m + 3) >> 2;
        if (block.Length < controlLength)
            ThrowCorrupt($"DeltaVarint block is {block.Length} bytes, shorter than its {controlLength} control bytes", blockOffset + block.Length);
        var control = block[..controlLength];
        var data = block[controlLength..];
        if ((m & 3) != 0 && (control[^1] >> ((m & 3) << 1)) != 0)
            ThrowCorrupt("DeltaVarint unused length codes are not zero", blockOffset + controlLength - 1);
        long dataOffset = blockOffset + controlLength;
        // Structure before indices (spec §9.3): the control bytes fix the block's exact length, checked before any gap
        // is decoded, as DELTA_BITPACKED checks its parts before its indices.
        long expected = VarintDataLength(control, m);
        if (expected != data.Length)
            ThrowCorrupt(expected > data.Length
                ? $"DeltaVarint block has {data.Length} data bytes, its length codes need {expected}"
                : $"DeltaVarint block has {data.Length - expected} bytes after its last gap",
                dataOffset + Math.Min(expected, data.Length));
        ref byte src = ref MemoryMarshal.GetReference(data);
        ref ulong masks = ref MemoryMarshal.GetReference(VarintMasks);
        sink.Add(position, first);
        ulong prev = first;
        int pos = 0;
        int fastEnd = data.Length - 8;
        for (int j = 0; j < m; j++)
        {
            int code = (control[j >> 2] >> ((j & 3) << 1)) & 3;
            int length = 1 << code;
            ulong g;
            if (pos <= fastEnd) g = ReadWord(ref src, pos) & Unsafe.Add(ref masks, code);
            else
            {
                if (pos + length > data.Length)
                    ThrowCorrupt("DeltaVarint gap runs past the end of its block", dataOffset + data.Length);
                g = 0;
                for (int t = 0; t < length; t++) g |= (ulong)data[pos + t] << (8 * t);
            }
            if (code == 3 && (prev >= numel || g >= numel - prev - 1))
                ThrowBlockOutOfRange((long)numel, dataOffset + pos);
            pos += length;
            prev += g + 1;
            sink.Add(position + j + 1, prev);
        }
        if (prev >= numel) ThrowBlockOutOfRange((long)numel, dataOffset + pos);
        if (pos != data.Length)
            ThrowCorrupt($"DeltaVarint block has {data.Length - pos} bytes after its last gap", dataOffset + pos);
        return prev;
    }
}
