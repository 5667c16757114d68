using System.Buffers;
using System.Numerics;

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

    /// <summary>The parts of one block, after its structure is checked: the low-bit area's length and zero padding,
    /// and that the unary area holds exactly one one-bit per code with its last byte non-zero (so no byte is spare).
    /// Every decode and check goes through here first, so a walk of the unary area yields exactly m codes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int ReadRiceBlock(ReadOnlySpan<byte> block, long blockOffset, int m,
        out ReadOnlySpan<byte> low, out ReadOnlySpan<byte> unary, out long unaryOffset)
    {
        if (block.IsEmpty) ThrowCorrupt("DeltaBitPacked block has no Rice-parameter byte", blockOffset);
        int k = block[0];
        if (k > MaxRiceK) ThrowCorrupt($"DeltaBitPacked Rice parameter {k} is above {MaxRiceK}", blockOffset);
        long lowBits = (long)m * k;
        long lowBytes = (lowBits + 7) >> 3;
        if (1 + lowBytes > block.Length)
            ThrowCorrupt($"DeltaBitPacked block is {block.Length} bytes, its {m} low parts of {k} bits need {1 + lowBytes} before the unary part", blockOffset + block.Length);
        low = block.Slice(1, (int)lowBytes);
        unary = block.Slice(1 + (int)lowBytes);
        unaryOffset = blockOffset + 1 + lowBytes;
        if ((lowBits & 7) != 0 && (low[^1] >> (int)(lowBits & 7)) != 0)
            ThrowCorrupt("DeltaBitPacked low-bit padding is not zero", unaryOffset - 1);
        long ones = PopCount(unary);
        if (ones != m)
            ThrowCorrupt($"DeltaBitPacked unary part has {ones} codes, the block needs {m}", unaryOffset);
        if (m > 0 && unary[^1] == 0)
            ThrowCorrupt("DeltaBitPacked unary part ends with a spare byte", blockOffset + block.Length - 1);
        if (m == 0 && !unary.IsEmpty)
            ThrowCorrupt("DeltaBitPacked block of one index has spare bytes", unaryOffset);
        return k;
    }

    /// <summary>Every quotient is below 8·|unary| ≤ 2^34; when q·2^k + r &lt; 2^56 for all of them (and so for their
    /// sum) the fast paths need no per-code range check.</summary>
    private static bool RiceFastPath(int k, int unaryLength) => k + BitOperations.Log2((ulong)unaryLength * 8 + 1) + 1 <= 56;

    /// <summary>Decodes one block of <paramref name="count"/> indices (positions from <paramref name="position"/>)
    /// into <paramref name="sink"/>; returns its last index. Throws after the walk if an index reached numel.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong DecodeBitPackedBlock<TSink>(ReadOnlySpan<byte> block, long blockOffset, ulong first, ulong numel,
        int position, int count, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        int k = ReadRiceBlock(block, blockOffset, count - 1, out var low, out var unary, out long unaryOffset);
        sink.Add(position, first);
        return RiceFastPath(k, unary.Length)
            ? DecodeRiceFast(low, unary, k, first, numel, position, sink, unaryOffset)
            : DecodeRiceChecked(low, unary, k, first, numel, position, count - 1, sink, unaryOffset);
    }

    /// <summary>
    /// Checks one block without decoding it and returns its last index: the same rules and error codes as
    /// <see cref="DecodeBitPackedBlock"/>. In the fast path the last index is first + m + 2^k·Σq + Σr, where Σq is
    /// the unary area's zero bits up to its last one (the position of that bit + 1 − m) and Σr the sum of the low
    /// parts: independent loads and adds instead of the decode's serial walk.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong CheckBitPackedBlock(ReadOnlySpan<byte> block, long blockOffset, ulong first, ulong numel, int count)
    {
        int m = count - 1;
        int k = ReadRiceBlock(block, blockOffset, m, out var low, out var unary, out long unaryOffset);
        if (m == 0) return first;
        if (!RiceFastPath(k, unary.Length))
            return DecodeRiceChecked(low, unary, k, first, numel, 0, m, default(NullSink), unaryOffset);
        ulong lastOne = (ulong)(unary.Length - 1) * 8 + (ulong)BitOperations.Log2(unary[^1]);
        ulong quotients = lastOne + 1 - (ulong)m;
        ulong remainders = SumLowParts(low, k, m);
        // Both sums are below 2^55 (RiceFastPath) and first < numel ≤ 2^63: no wrap.
        ulong last = first + (ulong)m + (quotients << k) + remainders;
        if (last >= numel) ThrowBlockOutOfRange((long)numel, unaryOffset);
        return last;
    }

    /// <summary>Σ of the m k-bit low parts (k ≤ 55 here).</summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong SumLowParts(ReadOnlySpan<byte> low, int k, int m)
    {
        if (k == 0) return 0;
        ulong mask = (1UL << k) - 1;
        ulong sum = 0;
        ref byte src = ref MemoryMarshal.GetReference(low);
        // Every 8-byte load is in bounds while its byte index + 8 ≤ |low|; the tail goes through SafeWindow.
        long fastBits = ((long)low.Length - 8) * 8;
        int i = 0;
        long pos = 0;
        for (; i < m && pos < fastBits; i++, pos += k)
            sum += (ReadWord(ref src, pos >> 3) >> (int)(pos & 7)) & mask;
        for (; i < m; i++, pos += k)
            sum += SafeWindow(low, pos) & mask;
        return sum;
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
    /// The hot path. With Q_i the zeros of the unary area before its i-th one bit (the running sum of the quotients)
    /// and R_i the running sum of the low parts, index i is first + i + Q_i·2^k + R_i, and Q_i = (position of the i-th
    /// one bit) − (i − 1): the walk over the one bits (tzcnt/blsr) carries only running sums, no previous position.
    /// Low parts come from a zero-padded copy of the low area, so every 8-byte load is in bounds without a per-code
    /// test. <see cref="ReadRiceBlock"/> guarantees exactly m one bits, so the walk yields exactly m codes. Gaps are
    /// below 2^56 and their sum below 2^64 − 2^63 (<see cref="RiceFastPath"/>), so no sum wraps and only the last index
    /// needs the range check, made after the sink has seen the block (sinks bounds-check on their own).
    /// </summary>
    [SkipLocalsInit]
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong DecodeRiceFast<TSink>(ReadOnlySpan<byte> low, ReadOnlySpan<byte> unary, int k, ulong first, ulong numel,
        int position, TSink sink, long unaryOffset)
        where TSink : IIndexSink, allows ref struct
    {
        const int PaddedLow = 2048; // a 256-index block with k ≤ 55 needs at most 1753 bytes
        byte[]? rented = null;
        Span<byte> padded = low.Length <= PaddedLow
            ? stackalloc byte[PaddedLow + 8]
            : (rented = ArrayPool<byte>.Shared.Rent(low.Length + 8));
        ulong last;
        try
        {
            low.CopyTo(padded);
            padded.Slice(low.Length, 8).Clear();
            last = WalkRice(padded, unary, k, first, position, sink);
        }
        finally
        {
            if (rented is not null) ArrayPool<byte>.Shared.Return(rented);
        }
        if (last >= numel) ThrowBlockOutOfRange((long)numel, unaryOffset);
        return last;
    }

    /// <summary>The loop of <see cref="DecodeRiceFast"/>. Kept free of calls and with few live values: a call
    /// anywhere in it makes the JIT keep the loop's variables on the stack, which chains every code through store
    /// forwarding (about 3× slower).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ulong WalkRice<TSink>(ReadOnlySpan<byte> paddedLow, ReadOnlySpan<byte> unary, int k, ulong first, int position, TSink sink)
        where TSink : IIndexSink, allows ref struct
    {
        ref byte lowRef = ref MemoryMarshal.GetReference(paddedLow);
        ref byte unaryRef = ref MemoryMarshal.GetReference(unary);
        int full = unary.Length >> 3;
        ulong tail = 0;
        for (int t = full * 8; t < unary.Length; t++) tail |= (ulong)Unsafe.Add(ref unaryRef, t) << (8 * (t - full * 8));
        ulong mask = (1UL << k) - 1;
        ulong sum = first;   // first + i + R_i
        ulong zeros = 0;     // bit base + 1 − i before code i: Q_i = tzcnt + zeros (mod 2^64)
        ulong last = first;
        long lowPos = 0;
        int j = position;
        for (int wi = 0; wi <= full; wi++)
        {
            ulong w = wi < full ? ReadWord(ref unaryRef, (long)wi * 8) : tail;
            while (w != 0)
            {
                ulong q = ulong.TrailingZeroCount(w) + zeros;
                w &= w - 1;
                sum += ((ReadWord(ref lowRef, lowPos >> 3) >> (int)(lowPos & 7)) & mask) + 1;
                lowPos += k;
                zeros--;
                last = sum + (q << k);
                sink.Add(++j, last);
            }
            zeros += 64;
        }
        return last;
    }

    /// <summary>Wide k or huge unary runs: every code range-checked before it is added.</summary>
    private static ulong DecodeRiceChecked<TSink>(ReadOnlySpan<byte> low, ReadOnlySpan<byte> unary, int k, ulong first, ulong numel,
        int position, int m, TSink sink, long unaryOffset)
        where TSink : IIndexSink, allows ref struct
    {
        ulong prev = first;
        long lowPos = 0;
        long lastOne = -1;
        int j = 0;
        for (long bit = 0; j < m; bit++)
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
            sink.Add(position + ++j, prev);
        }
        return prev;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong ReadWord(ref byte src, long byteIndex)
    {
        ulong w = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref src, (nint)byteIndex));
        return BitConverter.IsLittleEndian ? w : BinaryPrimitives.ReverseEndianness(w);
    }

    /// <summary>The bits from <paramref name="pos"/> on (at least 57 valid), zeros past the span's end.</summary>
    /// <remarks>Inlined: a call in a hot method (even in its cold tail) makes the JIT keep that method's loop variables
    /// on the stack, which serialises the loops through store forwarding.</remarks>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
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
