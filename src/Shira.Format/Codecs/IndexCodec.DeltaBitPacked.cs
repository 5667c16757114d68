using System.Buffers;
using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Shira.Format.Codecs;

// Hot kernels here and in the other codec files are [AggressiveOptimization]: a reader decodes each set once, so
// tier-0 code would otherwise be what runs.
// DELTA_BITPACKED: Rice-coded gaps with a per-block parameter k, the two halves of each code stored apart: first
// the k low bits of every gap-minus-one (fixed width, so each is found without decoding the ones before it), then
// the high parts (g >> k) in unary, each a run of zeros closed by a one bit. Near the entropy bound for random
// masks (geometric gaps), and decoding walks the unary part's one bits with tzcnt/blsr, a one-cycle dependency.
public static partial class IndexCodec
{
    /// <summary>Largest Rice parameter: every gap is below 2^63.</summary>
    internal const int MaxRiceK = 62;

    // A 64-bit window loaded at pos/8 and shifted by pos%8 always holds at least this many valid bits.
    private const int WindowBits = 57;

    private static long BitPackedLength(ReadOnlySpan<long> indices) => PlanBitPacked(indices, []);

    /// <summary>Chooses every block's k (stored into <paramref name="ks"/> when given) and returns the total length.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PlanBitPacked(ReadOnlySpan<long> indices, Span<byte> ks)
    {
        int n = indices.Length;
        long total = DeltaHeaderSize + (long)SkipEntrySize * BlockCount(n);
        Span<ulong> gaps = stackalloc ulong[WriterBlock];
        for (int b = 0, start = 0; start < n; b++, start += WriterBlock)
        {
            var block = indices.Slice(start, Math.Min(WriterBlock, n - start));
            var g = gaps[..(block.Length - 1)];
            FillGaps(block, g);
            int k = ChooseRiceK(block, g);
            total += RiceBlockLength(g, k, out _);
            if (!ks.IsEmpty) ks[b] = (byte)k;
        }
        return total;
    }

    /// <summary>Gaps minus one of a block's indices after its first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void FillGaps(ReadOnlySpan<long> block, Span<ulong> gaps)
    {
        for (int i = 0; i < gaps.Length; i++) gaps[i] = (ulong)(block[i + 1] - block[i] - 1);
    }

    /// <summary>Bytes of one block: the k byte, the low area and the unary area.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long RiceBlockLength(ReadOnlySpan<ulong> gaps, int k, out long lowBytes)
    {
        long lowBits = (long)gaps.Length * k;
        lowBytes = (lowBits + 7) >> 3;
        long unaryBits = (long)(RiceCost(gaps, k) - (ulong)lowBits);
        return 1 + lowBytes + ((unaryBits + 7) >> 3);
    }

    /// <summary>The k minimising the block's code bits Σ(g >> k) + m(k + 1), the smallest on ties.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ChooseRiceK(ReadOnlySpan<long> block, ReadOnlySpan<ulong> gaps)
    {
        int m = gaps.Length;
        if (m == 0) return 0;
        // Σ gaps < 2^63, so every cost below fits a ulong. The cost is convex in k: walk downhill from log2(mean).
        ulong mean = ((ulong)(block[^1] - block[0]) - (ulong)m) / (ulong)m;
        int k = mean == 0 ? 0 : Math.Min(MaxRiceK, BitOperations.Log2(mean));
        ulong cost = RiceCost(gaps, k);
        while (k > 0)
        {
            ulong down = RiceCost(gaps, k - 1);
            if (down > cost) break;
            k--; cost = down;
        }
        while (k < MaxRiceK)
        {
            ulong up = RiceCost(gaps, k + 1);
            if (up >= cost) break;
            k++; cost = up;
        }
        return k;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong RiceCost(ReadOnlySpan<ulong> gaps, int k)
    {
        ulong quotients = 0;
        foreach (ulong g in gaps) quotients += g >> k;
        return quotients + (ulong)gaps.Length * (ulong)(k + 1);
    }

    /// <summary>Writes the encoding planned by <see cref="PlanBitPacked"/> (its k per block).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteBitPacked(ReadOnlySpan<long> indices, Span<byte> output, ReadOnlySpan<byte> ks)
    {
        int n = indices.Length;
        int position = WriteDeltaHeader(output, BitPackedTag, n);
        int dataStart = position;
        Span<ulong> gaps = stackalloc ulong[WriterBlock];
        for (int b = 0, start = 0; start < n; b++, start += WriterBlock)
        {
            var block = indices.Slice(start, Math.Min(WriterBlock, n - start));
            var g = gaps[..(block.Length - 1)];
            FillGaps(block, g);
            int k = ks[b];
            int length = (int)RiceBlockLength(g, k, out long lowBytes);
            WriteSkipEntry(output, b, block[0], position - dataStart);
            var dst = output.Slice(position, length);
            dst.Clear();
            dst[0] = (byte)k;
            var low = new BitWriter(dst.Slice(1, (int)lowBytes));
            var high = new BitWriter(dst.Slice(1 + (int)lowBytes));
            ulong mask = (1UL << k) - 1;
            foreach (ulong gap in g)
            {
                low.Write(gap & mask, k);
                high.WriteUnary(gap >> k);
            }
            low.Flush();
            high.Flush();
            position += length;
        }
    }

    /// <summary>LSB-first bit writer over a zeroed span; flushes 32 bits at a time.</summary>
    private ref struct BitWriter(Span<byte> output)
    {
        private readonly Span<byte> _output = output;
        private int _byte;
        private ulong _acc;
        private int _bits; // < 32 between calls

        /// <summary>Writes the low <paramref name="count"/> bits of <paramref name="value"/> (count ≤ 64).</summary>
        public void Write(ulong value, int count)
        {
            if (count > 32)
            {
                Write(value & uint.MaxValue, 32);
                Write(value >> 32, count - 32);
                return;
            }
            _acc |= value << _bits;
            _bits += count;
            Spill();
        }

        /// <summary>Writes <paramref name="q"/> zero bits then a one bit.</summary>
        public void WriteUnary(ulong q)
        {
            if (q < 32)
            {
                _acc |= 1UL << (_bits + (int)q);
                _bits += (int)q + 1;
                Spill();
                return;
            }
            // Long runs: emit what is pending, then skip whole zero bytes (the output is zeroed).
            while (_bits >= 8) { _output[_byte++] = (byte)_acc; _acc >>= 8; _bits -= 8; }
            ulong total = (ulong)_bits + q;
            if (_bits > 0) _output[_byte] = (byte)_acc;
            _byte += (int)(total >> 3);
            _bits = (int)(total & 7);
            _acc = 0;
            Write(1, 1);
        }

        private void Spill()
        {
            if (_bits < 32) return;
            BinaryPrimitives.WriteUInt32LittleEndian(_output.Slice(_byte), (uint)_acc);
            _byte += 4;
            _acc >>= 32;
            _bits -= 32;
        }

        public void Flush()
        {
            while (_bits > 0)
            {
                _output[_byte++] = (byte)_acc;
                _acc >>= 8;
                _bits -= 8;
            }
            _acc = 0;
            _bits = 0;
        }
    }

    /// <summary>Decodes one block after checking its structure: the low-bit area's length and zero padding, and
    /// that the unary area holds exactly one one-bit per code with its last byte non-zero (so no byte is spare).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeBitPackedBlock<T>(ReadOnlySpan<byte> block, long blockOffset, ulong first, ulong numel, Span<T> destination)
        where T : unmanaged, IBinaryInteger<T>
    {
        if (block.IsEmpty) ThrowCorrupt("DeltaBitPacked block has no Rice-parameter byte", blockOffset);
        int k = block[0];
        if (k > MaxRiceK) ThrowCorrupt($"DeltaBitPacked Rice parameter {k} is above {MaxRiceK}", blockOffset);
        int m = destination.Length - 1;
        long lowBits = (long)m * k;
        long lowBytes = (lowBits + 7) >> 3;
        if (1 + lowBytes > block.Length)
            ThrowCorrupt($"DeltaBitPacked block is {block.Length} bytes, its {m} low parts of {k} bits need {1 + lowBytes} before the unary part", blockOffset + block.Length);
        var low = block.Slice(1, (int)lowBytes);
        var unary = block.Slice(1 + (int)lowBytes);
        long unaryOffset = blockOffset + 1 + lowBytes;
        if ((lowBits & 7) != 0 && (low[^1] >> (int)(lowBits & 7)) != 0)
            ThrowCorrupt("DeltaBitPacked low-bit padding is not zero", unaryOffset - 1);
        long ones = PopCount(unary);
        if (ones != m)
            ThrowCorrupt($"DeltaBitPacked unary part has {ones} codes, the block needs {m}", unaryOffset);
        if (m > 0 && unary[^1] == 0)
            ThrowCorrupt("DeltaBitPacked unary part ends with a spare byte", blockOffset + block.Length - 1);
        if (m == 0 && !unary.IsEmpty)
            ThrowCorrupt("DeltaBitPacked block of one index has spare bytes", unaryOffset);

        destination[0] = T.CreateTruncating(first);
        // Every quotient is below 8·|unary| ≤ 2^34; when q·2^k + r < 2^56 for all of them the fast loop needs
        // no per-code range check (see DecodeRiceFast).
        if (k + BitOperations.Log2((ulong)unary.Length * 8 + 1) + 1 <= 56)
            DecodeRiceFast(low, unary, k, first, numel, destination, unaryOffset);
        else
            DecodeRiceChecked(low, unary, k, first, numel, destination, unaryOffset);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static long PopCount(ReadOnlySpan<byte> bytes)
    {
        long count = 0;
        var words = MemoryMarshal.Cast<byte, ulong>(bytes);
        foreach (ulong w in words) count += BitOperations.PopCount(w);
        for (int i = words.Length * 8; i < bytes.Length; i++) count += BitOperations.PopCount(bytes[i]);
        return count;
    }

    /// <summary>
    /// The hot loop. Gaps are below 2^56, so <c>prev</c> (below numel ≤ 2^63 at the start) cannot wrap past 2^64
    /// without first landing in [numel, 2^64): a branch-free flag records that, checked once at the end.
    /// The popcount check guarantees exactly m one bits, so the walk writes exactly m indices. The low area is
    /// copied to a zero-padded stack buffer so that every 8-byte load is in bounds without a per-index test.
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRiceFast<T>(ReadOnlySpan<byte> low, ReadOnlySpan<byte> unary, int k, ulong first, ulong numel,
        Span<T> destination, long unaryOffset)
        where T : unmanaged, IBinaryInteger<T>
    {
        const int PaddedLow = 2048; // a 256-index block with k ≤ 55 needs at most 1753 bytes
        byte[]? rented = null;
        Span<byte> padded = low.Length <= PaddedLow
            ? stackalloc byte[PaddedLow + 8]
            : (rented = ArrayPool<byte>.Shared.Rent(low.Length + 8));
        try
        {
            DecodeRicePadded(padded, low, unary, k, first, numel, destination, unaryOffset);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void DecodeRicePadded<T>(Span<byte> padded, ReadOnlySpan<byte> low, ReadOnlySpan<byte> unary, int k, ulong first,
        ulong numel, Span<T> destination, long unaryOffset)
        where T : unmanaged, IBinaryInteger<T>
    {
        low.CopyTo(padded);
        padded.Slice(low.Length, 8).Clear();
        ref byte lowRef = ref MemoryMarshal.GetReference(padded);
        ref byte unaryRef = ref MemoryMarshal.GetReference(unary);
        ref T dst = ref MemoryMarshal.GetReference(destination);
        ulong mask = (1UL << k) - 1;
        ulong prev = first;
        bool over = false;
        int j = 0;
        long lowPos = 0;
        long lastOne = -1;
        int unaryWords = (unary.Length + 7) >> 3;
        for (int wi = 0; wi < unaryWords; wi++)
        {
            ulong w = wi * 8 + 8 <= unary.Length ? ReadWord(ref unaryRef, wi * 8) : SafeWindow(unary, (long)wi * 64);
            long bitBase = (long)wi * 64;
            while (w != 0)
            {
                long one = bitBase + BitOperations.TrailingZeroCount(w);
                w &= w - 1;
                ulong q = (ulong)(one - lastOne - 1);
                lastOne = one;
                ulong r = (ReadWord(ref lowRef, lowPos >> 3) >> (int)(lowPos & 7)) & mask;
                lowPos += k;
                prev += ((q << k) | r) + 1;
                over |= prev >= numel;
                Unsafe.Add(ref dst, ++j) = T.CreateTruncating(prev);
            }
        }
        if (over) ThrowBlockOutOfRange((long)numel, unaryOffset);
    }

    /// <summary>Wide k or huge unary runs: every code range-checked before it is added.</summary>
    private static void DecodeRiceChecked<T>(ReadOnlySpan<byte> low, ReadOnlySpan<byte> unary, int k, ulong first, ulong numel,
        Span<T> destination, long unaryOffset)
        where T : unmanaged, IBinaryInteger<T>
    {
        ulong prev = first;
        long lowPos = 0;
        long lastOne = -1;
        int j = 0;
        for (long bit = 0; j < destination.Length - 1; bit++)
        {
            if ((unary[(int)(bit >> 3)] >> (int)(bit & 7) & 1) == 0) continue;
            ulong q = (ulong)(bit - lastOne - 1);
            lastOne = bit;
            ulong r = k <= WindowBits
                ? SafeWindow(low, lowPos) & ((1UL << k) - 1)
                : (SafeWindow(low, lowPos) & ((1UL << WindowBits) - 1)) |
                  ((SafeWindow(low, lowPos + WindowBits) & ((1UL << (k - WindowBits)) - 1)) << WindowBits);
            lowPos += k;
            // g = q·2^k + r must keep prev + g + 1 below numel (prev < numel holds here).
            if ((q >> (63 - k)) != 0) ThrowBlockOutOfRange((long)numel, unaryOffset + (bit >> 3));
            ulong g = (q << k) | r;
            if (g >= numel - prev - 1) ThrowBlockOutOfRange((long)numel, unaryOffset + (bit >> 3));
            prev += g + 1;
            destination[++j] = T.CreateTruncating(prev);
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte src, long byteIndex)
    {
        ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, (nint)byteIndex));
        return BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
    }

    /// <summary>The bits from <paramref name="pos"/> on (at least 57 valid), zeros past the span's end.</summary>
    private static ulong SafeWindow(ReadOnlySpan<byte> bits, long pos)
    {
        long index = pos >> 3;
        ulong w;
        if (index + 8 <= bits.Length) w = BinaryPrimitives.ReadUInt64LittleEndian(bits.Slice((int)index));
        else
        {
            w = 0;
            for (int j = 0; j < 8 && index + j < bits.Length; j++) w |= (ulong)bits[(int)index + j] << (8 * j);
        }
        return w >> (int)(pos & 7);
    }
}
